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

import { LevenbergMarquardt, RobustLoss, SE2, SeededRandom, poseGraphObjective } from 'ariadne';
import { DifferentiableSolve } from 'ariadne/layer';

import {
  adam,
  chainOdometry,
  diagonalInformation,
  fmt,
  forwardOrThrow,
  lossSummary,
  manhattanTruth,
  ms,
  outputFolder,
  poseError,
  trainingCurveSvg,
  trainingFlags,
} from './common.mjs';

const usage = 'usage: node examples/learn-loss-radius.mjs [--poses N] [--copies B] [--epochs E] [--radius δ] [--seed S] [--out DIR] [--quick]';
const {
  poses,
  copies,
  epochs,
  radius: initialRadius,
  seed,
  out,
  quick,
} = trainingFlags(usage, {
  poses: { default: 150, quick: 80, min: 10, max: 1e5 },
  copies: { default: 32, quick: 16, min: 1, max: 1000 },
  epochs: { default: 40, quick: 30, min: 1, max: 1e4 },
  radius: { default: 20, min: 0.01, max: 1e6, integer: false },
});
const start = performance.now();

/** What the example promises (test/examples checks the --quick run against it). */
const PROMISE = { lossFactor: 10, radiusFactor: 2, gridExcess: 0.1 };

// The world: a Manhattan walk whose true poses are known (its own noisy
// measurements are not used). Every edge has noise σ; in each copy a
// fraction of the loop closures are outliers.
const sigma = [0.03, 0.03, 0.01]; // m, m, rad
const OUTLIERS = 0.3;
const world = manhattanTruth({ poses, seed });
const { graph, truth, odometry, edges, closures, exact } = world;
const random = new SeededRandom(seed + 1000);
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

chainOdometry(world, measurements); // the first guess: copy 0's odometry (never an outlier) from the true first pose

// The true information, diag(1/σ²), on every edge, and a Cauchy loss whose radius the layer sets.
const information = diagonalInformation(edges, sigma);
const { objective } = poseGraphObjective({ ...graph, information }, { measurements, loss: RobustLoss.cauchy(initialRadius) });
// Solved tightly (the implicit gradient assumes ∇f(x*) = 0); the exact
// Hessian (with the Cauchy loss' own curvature) makes the gradient exact.
const optimizer = new LevenbergMarquardt(objective, { functionTolerance: 1e-12, maxIterations: 200 });
const layer = new DifferentiableSolve(optimizer, { mode: 'implicit', exactHessian: true });

/** Solves with radius exp(logRadius); the training loss (the mean squared pose error, poseError) and its gradient. */
function solve(logRadius) {
  const { values } = forwardOrThrow(layer, { 'edges.loss': Float64Array.of(logRadius) });
  return poseError(values['poses'], truth);
}

console.log(
  `a Manhattan world of ${poses} poses: ${edges - closures} odometry edges, ${closures} loop closures; ${copies} noisy copies${quick ? ' (--quick)' : ''}`,
);
console.log(`noise σ = (${sigma.join(', ')}) (m, m, rad) on every edge; ${fmt((100 * outliers) / (copies * closures), 3)}% of the loop closures are outliers`);
console.log('Cauchy loss on every edge; loss: mean squared pose error against the truth, ‖Δp‖² + Δθ² (m², rad²); Adam on log δ\n');
console.log('epoch         loss   radius δ');

const logRadius = [Math.log(initialRadius)];
// β2 = 0.9, not 0.999: the gradient shrinks a hundredfold as δ nears the loss' flat floor, and the step should not stay scaled by the first ones.
const step = adam({ rate: 0.3, beta1: 0.8, beta2: 0.9 });
const history = [];
for (let epoch = 0; ; epoch++) {
  const { loss, gradient } = solve(logRadius[0]);
  history.push({ loss, radius: Math.exp(logRadius[0]) });
  console.log(`${String(epoch).padStart(5)} ${fmt(loss).padStart(12)}   ${fmt(Math.exp(logRadius[0])).padStart(8)}`);
  if (epoch === epochs) break;
  step(logRadius, layer.backward({ poses: gradient })['edges.loss']); // ∂L/∂log δ
}
const trainingTime = ms(start);

// The reference: the training loss on a grid of radii √2^k, 0.5 to 32.
const grid = Array.from({ length: 13 }, (_, k) => Math.SQRT2 ** (k - 2)).map((radius) => ({ radius, loss: solve(Math.log(radius)).loss }));
console.log(`\nthe training loss on a grid of radii:\n${grid.map((p) => `${fmt(p.radius).padStart(11)} ${fmt(p.loss).padStart(12)}`).join('\n')}`);
const best = grid.reduce((a, b) => (b.loss < a.loss ? b : a));
layer.dispose();

const last = history.at(-1);
const off = Math.max(last.radius / best.radius, best.radius / last.radius);
console.log(`\n${lossSummary(history, PROMISE.lossFactor)}`);
console.log(`the grid's best: δ = ${fmt(best.radius)}, loss ${fmt(best.loss)}`);
console.log(
  `learned radius: ${fmt(last.radius)}, a factor ${fmt(off, 3)} from the grid's best (promised: within ${PROMISE.radiusFactor}); ` +
    `its loss is ${fmt(100 * (last.loss / best.loss - 1), 2)}% above the grid's best (promised: at most ${100 * PROMISE.gridExcess}%)`,
);
console.log(`${epochs} epochs in ${trainingTime}, ${ms(start)} with the grid`);

const svgPath = path.join(outputFolder(out), 'learn-loss-radius.svg');
const svg = trainingCurveSvg(`Learning a Cauchy loss radius (${poses} poses, ${copies} copies with outliers)`, [
  { label: 'training loss (m², rad²)', values: history.map((h) => h.loss), log: true, reference: best.loss, referenceLabel: "grid's best loss" },
  { label: 'radius δ', values: history.map((h) => h.radius), log: true, reference: best.radius, referenceLabel: "grid's best radius" },
]);
fs.writeFileSync(svgPath, svg);
console.log(`wrote ${svgPath}`);
