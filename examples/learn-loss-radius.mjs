// Learning a robust loss's radius through the optimiser (ariadne/layer).
// A pose graph whose loop closures are partly wrong (place recognition
// matched the wrong place: the measurement is off by metres and any angle)
// is solved with a Cauchy loss on every edge, ρ(s) = δ²·log(1 + s/δ²) of the
// squared whitened residual s. Too large a radius δ trusts the outliers; too
// small a one doubts good edges too. The layer's input 'edges.loss' is
// log δ: each epoch solves a batch of noisy copies of the graph (the
// forward), measures how far the solutions lie from the true poses (the
// training loss), and takes ∂loss/∂log δ from the implicit backward, for
// one step of Adam.
//
//   npm run build:ts && node examples/learn-loss-radius.mjs [--poses 150] [--copies 32] [--epochs 40] [--radius 20] [--seed 1] [--out DIR] [--quick]
//
// There is no true radius to compare with; the reference is the best radius
// on a grid (each point one cold solve), printed after the training.
// Output goes to examples/output/ (git-ignored) unless --out names a folder.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { LevenbergMarquardt, RobustLoss, SE2, SeededRandom, manhattanWorld, poseGraphObjective } from 'ariadne';
import { DifferentiableSolve } from 'ariadne/layer';

import { fmt, ms, numberFlag, outputFolder, parseFlags, trainingCurveSvg } from './common.mjs';

const usage = 'usage: node examples/learn-loss-radius.mjs [--poses N] [--copies B] [--epochs E] [--radius δ] [--seed S] [--out DIR] [--quick]';
const flags = parseFlags(usage, {
  poses: { type: 'string', default: '150' },
  copies: { type: 'string', default: '32' },
  epochs: { type: 'string', default: '40' },
  radius: { type: 'string', default: '20' },
  seed: { type: 'string', default: '1' },
  out: { type: 'string' },
});
const poses = flags.quick ? 80 : numberFlag(flags, 'poses', 10, 1e5);
const copies = flags.quick ? 16 : numberFlag(flags, 'copies', 1, 1000);
const epochs = flags.quick ? 30 : numberFlag(flags, 'epochs', 1, 1e4);
const initialRadius = numberFlag(flags, 'radius', 0.01, 1e6, { integer: false });
const seed = numberFlag(flags, 'seed', 0, 2 ** 31);
const start = performance.now();

/** What the example promises (test/examples checks the --quick run against it). */
const PROMISE = { lossFactor: 10, radiusFactor: 2, gridExcess: 0.1 };

// The world: a Manhattan walk whose true poses are known (its own noisy
// measurements are not used). Every edge has noise σ; in each copy a
// fraction of the loop closures are outliers.
const sigma = [0.03, 0.03, 0.01]; // m, m, rad
const OUTLIERS = 0.3;
const { graph, truth, odometry } = manhattanWorld({ poses, seed });
const edges = graph.from.length;
const closures = edges - odometry.reduce((a, b) => a + b, 0);
const random = new SeededRandom(seed + 1000);
const pick = (indices) => Float64Array.from({ length: 3 * indices.length }, (_, j) => truth[3 * indices[Math.floor(j / 3)] + (j % 3)]);
const exact = SE2.between(pick(graph.from), pick(graph.to));
const measurements = new Float64Array(copies * edges * 3);
let outliers = 0;
for (let b = 0; b < copies; b++) {
  for (let e = 0; e < edges; e++) {
    const z = measurements.subarray((b * edges + e) * 3, (b * edges + e + 1) * 3);
    for (let c = 0; c < 3; c++) z[c] = exact[3 * e + c] + sigma[c] * random.normal();
    if (!odometry[e] && random.uniform() < OUTLIERS) {
      // A wrong match: up to 3 m off in x and y, any angle.
      outliers++;
      z[0] += 6 * random.uniform() - 3;
      z[1] += 6 * random.uniform() - 3;
      z[2] += (2 * random.uniform() - 1) * Math.PI;
    }
  }
}
SE2.normalize(measurements, measurements);

// The first guess, shared by the copies: copy 0's odometry (never an outlier) chained from the first pose (true, and held fixed).
graph.poses.set(truth.subarray(0, 3));
for (let e = 0; e < edges; e++) {
  const at = (i) => graph.poses.subarray(3 * i, 3 * i + 3);
  if (odometry[e]) SE2.compose(at(graph.from[e]), measurements.subarray(3 * e, 3 * e + 3), at(graph.to[e]));
}

// The true information, diag(1/σ²), on every edge, and a Cauchy loss whose radius the layer sets.
const information = new Float64Array(edges * 6);
for (let e = 0; e < edges; e++) information.set([1 / sigma[0] ** 2, 0, 0, 1 / sigma[1] ** 2, 0, 1 / sigma[2] ** 2], 6 * e);
const { objective } = poseGraphObjective({ ...graph, information }, { measurements, loss: RobustLoss.cauchy(initialRadius) });
// Solved tightly (the implicit gradient assumes ∇f(x*) = 0); the exact
// Hessian (with the Cauchy loss' own curvature) makes the gradient exact.
const optimizer = new LevenbergMarquardt(objective, { functionTolerance: 1e-12, maxIterations: 200 });
const layer = new DifferentiableSolve(optimizer, { mode: 'implicit', exactHessian: true });

/** The training loss, the mean over the copies' poses of ‖p − p_true‖² + (θ − θ_true)² (m², rad²), and ∂L/∂x*. */
function poseError(x) {
  const n = copies * poses;
  const gradient = new Float64Array(x.length);
  let loss = 0;
  for (let k = 0; k < x.length; k++) {
    const t = truth[k % (3 * poses)];
    const d = k % 3 === 2 ? Math.atan2(Math.sin(x[k] - t), Math.cos(x[k] - t)) : x[k] - t;
    loss += d ** 2 / n;
    gradient[k] = (2 * d) / n;
  }
  return { loss, gradient };
}

/** Solves with radius exp(logRadius); the training loss and its gradient. */
function solve(logRadius) {
  const { values, info } = layer.forward({ 'edges.loss': Float64Array.of(logRadius) });
  const failed = info.find((e) => e.gradientZeroReason !== null);
  if (failed) throw new Error(`a copy's solve failed: ${failed.gradientZeroReason}`);
  return poseError(values['poses']);
}

console.log(
  `a Manhattan world of ${poses} poses: ${edges - closures} odometry edges, ${closures} loop closures; ${copies} noisy copies${flags.quick ? ' (--quick)' : ''}`,
);
console.log(`noise σ = (${sigma.join(', ')}) (m, m, rad) on every edge; ${fmt((100 * outliers) / (copies * closures), 3)}% of the loop closures are outliers`);
console.log('Cauchy loss on every edge; loss: mean squared pose error against the truth, ‖Δp‖² + Δθ² (m², rad²); Adam on log δ\n');
console.log('epoch         loss   radius δ');

let logRadius = Math.log(initialRadius);
// β2 = 0.9, not 0.999: the gradient shrinks a hundredfold as δ nears the loss' flat floor, and the step should not stay scaled by the first ones.
const adam = { rate: 0.3, beta1: 0.8, beta2: 0.9, m: 0, v: 0 };
const history = [];
for (let epoch = 0; ; epoch++) {
  const { loss, gradient } = solve(logRadius);
  history.push({ loss, radius: Math.exp(logRadius) });
  console.log(`${String(epoch).padStart(5)} ${fmt(loss).padStart(12)}   ${fmt(Math.exp(logRadius)).padStart(8)}`);
  if (epoch === epochs) break;
  const g = layer.backward({ poses: gradient })['edges.loss'][0]; // ∂L/∂log δ
  adam.m = adam.beta1 * adam.m + (1 - adam.beta1) * g;
  adam.v = adam.beta2 * adam.v + (1 - adam.beta2) * g ** 2;
  logRadius -= (adam.rate * adam.m) / (1 - adam.beta1 ** (epoch + 1)) / (Math.sqrt(adam.v / (1 - adam.beta2 ** (epoch + 1))) + 1e-12);
}
const trainingTime = ms(start);

// The reference: the training loss on a grid of radii √2^k, 0.5 to 32.
const grid = Array.from({ length: 13 }, (_, k) => Math.SQRT2 ** (k - 2)).map((radius) => ({ radius, loss: solve(Math.log(radius)).loss }));
console.log(`\nthe training loss on a grid of radii:\n${grid.map((p) => `${fmt(p.radius).padStart(11)} ${fmt(p.loss).padStart(12)}`).join('\n')}`);
const best = grid.reduce((a, b) => (b.loss < a.loss ? b : a));
layer.dispose();

const first = history[0];
const last = history.at(-1);
const off = Math.max(last.radius / best.radius, best.radius / last.radius);
console.log(`\ntraining loss: ${fmt(first.loss)} → ${fmt(last.loss)}, ${fmt(first.loss / last.loss, 3)}× lower (promised: at least ${PROMISE.lossFactor}×)`);
console.log(`the grid's best: δ = ${fmt(best.radius)}, loss ${fmt(best.loss)}`);
console.log(
  `learned radius: ${fmt(last.radius)}, a factor ${fmt(off, 3)} from the grid's best (promised: within ${PROMISE.radiusFactor}); ` +
    `its loss is ${fmt(100 * (last.loss / best.loss - 1), 2)}% above the grid's best (promised: at most ${100 * PROMISE.gridExcess}%)`,
);
console.log(`${epochs} epochs in ${trainingTime}, ${ms(start)} with the grid`);

const svgPath = path.join(outputFolder(flags.out), 'learn-loss-radius.svg');
const svg = trainingCurveSvg(`Learning a Cauchy loss radius (${poses} poses, ${copies} copies with outliers)`, [
  { label: 'training loss (m², rad²)', values: history.map((h) => h.loss), log: true, reference: best.loss, referenceLabel: "grid's best loss" },
  { label: 'radius δ', values: history.map((h) => h.radius), log: true, reference: best.radius, referenceLabel: "grid's best radius" },
]);
fs.writeFileSync(svgPath, svg);
console.log(`wrote ${svgPath}`);
