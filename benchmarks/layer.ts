/**
 * `npm run bench -- layer [--quick]`: the differentiable layer on the
 * pose-graph weight problem (a Manhattan world of 100 poses; B noisy copies
 * of its measurements; the input 'edges.weight', shared by the copies;
 * Gauss-Newton, which accepts every step, run for exactly K iterations with
 * tolerances 0). Per mode: forward and backward seconds (median of 5, each
 * on a fresh forward) and the bytes the layer keeps for the backward, at
 * B = 1 and 32 and K = 10, 20, 50; the ratio is each backward's time over
 * the implicit one's, measured in the same run.
 */
import { GaussNewton, manhattanWorld, noisyMeasurements, poseGraphObjective } from '../lib/index.js';
import { DifferentiableSolve, dlm, truncated, type BackwardMode } from '../lib/layer/index.js';
import { median, printTable } from './stats.js';

const MODES: { label: string; mode: BackwardMode; exactHessian?: boolean }[] = [
  { label: 'implicit', mode: 'implicit' },
  { label: 'implicit, exactHessian', mode: 'implicit', exactHessian: true },
  { label: 'unroll', mode: 'unroll' },
  { label: 'truncated(5)', mode: truncated(5) },
  { label: 'dlm(1e-4)', mode: dlm(1e-4) },
];

export function layerBenchmark(args: string[]): void {
  const quick = args.includes('--quick');
  const { graph } = manhattanWorld({ poses: quick ? 40 : 100, seed: 1 });
  const batches = quick ? [1, 4] : [1, 32];
  const iterations = quick ? [10, 20] : [10, 20, 50];
  const repeats = quick ? 1 : 5;
  console.log(`pose graph: ${graph.from.length} edges, ${graph.poses.length / 3} poses; input 'edges.weight'; Gauss-Newton for exactly K iterations`);
  const rows: (string | number)[][] = [];
  for (const B of batches) {
    const { objective, edges } = poseGraphObjective(graph, { measurements: noisyMeasurements(graph, B, 0.02, 7) });
    const weight = edges.weight!.aux.values.slice();
    for (const K of iterations) {
      let implicitBackward = NaN;
      for (const { label, mode, exactHessian } of MODES) {
        const optimizer = new GaussNewton(objective, { maxIterations: K, functionTolerance: 0, parameterTolerance: 0, gradientTolerance: 0 });
        const layer = new DifferentiableSolve(optimizer, { mode, exactHessian });
        const forward: number[] = [];
        const backward: number[] = [];
        let retained = 0;
        for (let r = 0; r <= repeats; r++) {
          let start = process.hrtime.bigint();
          const { values } = layer.forward({ 'edges.weight': weight });
          const forwardSeconds = Number(process.hrtime.bigint() - start) / 1e9;
          retained = layer.retainedBytes;
          start = process.hrtime.bigint();
          layer.backward({ poses: values['poses']!.map((_, i) => (i % 3 === 2 ? 0 : 1)) });
          const backwardSeconds = Number(process.hrtime.bigint() - start) / 1e9;
          if (r === 0) continue; // warm-up
          forward.push(forwardSeconds);
          backward.push(backwardSeconds);
        }
        layer.dispose();
        const back = median(backward);
        if (label === 'implicit') implicitBackward = back;
        rows.push([B, K, label, ms(median(forward)), ms(back), (back / implicitBackward).toFixed(1), kib(retained)]);
      }
    }
  }
  printTable(['B', 'K', 'mode', 'forward ms', 'backward ms', 'backward / implicit', 'kept for backward KiB'], rows);
}

function ms(seconds: number): string {
  return (seconds * 1e3).toFixed(1);
}

function kib(bytes: number): string {
  return (bytes / 1024).toFixed(0);
}
