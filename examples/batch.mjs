// Batched solving: many noisy copies of one pose graph (the same graph, each
// copy with its own measurement noise) solved as one batch, against solving
// the copies one after another. Prints the time per copy both ways, checks
// that every copy gets the same solution both ways, and draws the
// convergence of all copies (mean with a min–max band).
//
//   npm run build:ts && node examples/batch.mjs [file.g2o] [--copies 16] [--noise 0.02] [--seed 1] [--repeat 3] [--out DIR] [--quick]
//
// Without a file it generates a Manhattan world of 1000 poses (300 with --quick).
// Each way is timed --repeat times and the fastest run reported: on a busy
// machine single runs vary by tens of percent.
// Output goes to examples/output/ (git-ignored) unless --out names a folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { LevenbergMarquardt, manhattanWorld, noisyMeasurements, poseGraphObjective, readG2o, renderConvergenceSvg } from 'ariadne';

import { fmt, numberFlag, outputFolder, parseFlags } from './common.mjs';

const usage = 'usage: node examples/batch.mjs [file.g2o] [--copies B] [--noise σ] [--seed S] [--repeat R] [--out DIR] [--quick]';
const flags = parseFlags(
  usage,
  {
    copies: { type: 'string', default: '16' },
    noise: { type: 'string', default: '0.02' },
    seed: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
  { positionals: true },
);
const copies = flags.quick ? 4 : numberFlag(flags, 'copies', 1, 1e5);
const sigma = numberFlag(flags, 'noise', 0, 10, { integer: false });
const seed = numberFlag(flags, 'seed', 0, 2 ** 31);
const repeat = flags.quick ? 2 : numberFlag(flags, 'repeat', 1, 1000);
const file = flags.positionals[0];
const graph = file !== undefined ? readG2o(file) : manhattanWorld({ poses: flags.quick ? 300 : 1000, seed: 1 }).graph;
const edges = graph.from.length;
console.log(`${file ?? 'a generated Manhattan world'}: ${graph.kind.toUpperCase()}, ${graph.ids.length} poses, ${edges} edges`);

// B copies of the measurements, [B × edges × storage]: copy b adds N(0, σ²)
// noise drawn from SeededRandom(seed + b). The initial poses are shared.
const measurements = noisyMeasurements(graph, copies, sigma, seed);
const storage = measurements.length / (copies * edges);
console.log(`${copies} copies with measurement noise σ = ${sigma} (seed ${seed}), ${os.availableParallelism()} cores\n`);

// Solve one copy untimed first, so that neither timing below pays for warming up the JIT.
const copyOf = (b) => measurements.subarray(b * edges * storage, (b + 1) * edges * storage);
new LevenbergMarquardt(poseGraphObjective(graph, { measurements: copyOf(0) }).objective).solve();

/** `solve()` run `repeat` times: its result and the fastest time in ms (building the objectives included). */
function timed(solve) {
  let result;
  let fastest = Infinity;
  for (let r = 0; r < repeat; r++) {
    const start = performance.now();
    result = solve();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return [result, fastest];
}

// One objective for the whole batch: one Jacobian pattern, one symbolic analysis, B independent problems.
const [batch, batchMs] = timed(() => new LevenbergMarquardt(poseGraphObjective(graph, { measurements }).objective).solve());
const batchPoses = batch.values('poses');

// The same copies one after another, each its own objective of batch 1.
const [single, singleMs] = timed(() =>
  Array.from({ length: copies }, (_, b) => new LevenbergMarquardt(poseGraphObjective(graph, { measurements: copyOf(b) }).objective).solve()),
);

console.log('copy   initial cost     final cost  iterations  status      largest |batch − single| over the poses');
const perCopy = batchPoses.length / copies; // poses × storage
let largest = 0;
for (let b = 0; b < copies; b++) {
  const own = single[b].values('poses');
  let difference = 0;
  for (let i = 0; i < perCopy; i++) difference = Math.max(difference, Math.abs(batchPoses[b * perCopy + i] - own[i]));
  largest = Math.max(largest, difference);
  const sameCost = batch.finalCost[b] === single[b].finalCost[0] && batch.iterations[b] === single[b].iterations[0];
  console.log(
    `${String(b).padStart(4)} ${fmt(batch.initialCost[b], 8).padStart(14)} ${fmt(batch.finalCost[b], 8).padStart(14)} ${String(batch.iterations[b]).padStart(11)}  ` +
      `${batch.status[b].padEnd(10)}  ${difference}${sameCost ? '' : ` (one by one: cost ${single[b].finalCost[0]}, ${single[b].iterations[0]} iterations)`}`,
  );
}
console.log(`\nbatch and one by one: ${largest === 0 ? 'identical results for every copy' : `results differ by up to ${largest}`}`);
const runs = repeat > 1 ? `, fastest of ${repeat} runs` : '';
console.log(`batch:      ${fmt(batchMs)} ms in all, ${fmt(batchMs / copies)} ms per copy${runs}`);
console.log(`one by one: ${fmt(singleMs)} ms in all, ${fmt(singleMs / copies)} ms per copy${runs}`);
console.log(`the batch takes ${fmt(batchMs / singleMs, 3)}× the time of one by one (building the objectives included)`);

// The convergence of every copy: history[b] is copy b's cost after each iteration.
const series = batch.history.map((costs, b) => ({ label: `copy ${b}`, costs }));
const svgPath = path.join(outputFolder(flags.out), 'batch-convergence.svg');
fs.writeFileSync(svgPath, renderConvergenceSvg(series, { band: true, title: `${copies} noisy copies, solved as one batch` }));
console.log(`wrote ${svgPath}`);
