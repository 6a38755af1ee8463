/**
 * `npm run bench -- <name> [options]`. Benchmarks print ratios against a
 * reference measured in the same run; absolute times on shared machines
 * drift from run to run.
 */
import { gpuBenchmark } from './gpu.js';
import { layerBenchmark } from './layer.js';
import { linearBenchmark } from './linear.js';
import { pgoBenchmark } from './pgo.js';

const benchmarks: Record<string, (args: string[]) => void> = {
  gpu: gpuBenchmark,
  layer: layerBenchmark,
  linear: linearBenchmark,
  pgo: pgoBenchmark,
};

const [name, ...args] = process.argv.slice(2);
const run = name === undefined ? undefined : benchmarks[name];
if (run === undefined) {
  console.error(`usage: npm run bench -- <${Object.keys(benchmarks).join('|')}> [--quick] [--only a.g2o,b.g2o]`);
  process.exit(2);
}
run(args);
