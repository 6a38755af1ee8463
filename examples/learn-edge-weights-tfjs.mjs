// Learning a network that weights a pose graph's edges, end to end through
// the optimiser (ariadne/tfjs). Every edge of a robot's pose graph comes with
// a sensor-quality reading: a noisy signal of how noisy the measurement is.
// Some loop closures are outliers (place recognition matched the wrong place:
// metres off, any angle), and their quality reading is low, though not so low
// that a threshold would tell them from the worst good edges. A small
// TensorFlow.js network (dense layers, then a softplus) maps each edge's
// features, (quality, is a loop closure), to a positive scale of its weight:
// W_e = scale_e·W0. The solve is one op (SolveLayer) whose input is
// 'edges.weight'; each epoch, tf.train.adam's minimize solves a batch of
// noisy copies of the graph (the forward), measures how far the solutions lie
// from the true poses (the training loss), and takes the network's gradient
// through the solve (the implicit backward) and through the network (tfjs).
//
//   npm run build:ts && node examples/learn-edge-weights-tfjs.mjs [--poses 150] [--copies 24] [--epochs 60] [--seed 1] [--out DIR] [--quick]
//
// Only the ratios of the weights move the solution, so the scales are
// divided by their mean (every edge's weight is 1 on average). The network
// starts with a zero last layer: at epoch 0 every edge weighs the same. A
// test world the network never saw (another graph, its own edges, outliers
// and noise) then compares its weights with uniform ones.
// Output goes to examples/output/ (git-ignored) unless --out names a folder.
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { LevenbergMarquardt, SE2, SeededRandom, poseGraphObjective } from 'ariadne';
import { SolveLayer } from 'ariadne/tfjs';

import { chainOdometry, diagonalInformation, fmt, lossSummary, manhattanTruth, ms, outputFolder, trainingCurveSvg, trainingFlags } from './common.mjs';

const usage = 'usage: node examples/learn-edge-weights-tfjs.mjs [--poses N] [--copies B] [--epochs E] [--seed S] [--out DIR] [--quick]';
const { poses, copies, epochs, seed, out, quick } = trainingFlags(usage, {
  poses: { default: 150, quick: 80, min: 10, max: 1e5 },
  copies: { default: 24, quick: 8, min: 1, max: 1000 },
  epochs: { default: 60, quick: 30, min: 1, max: 1e4 },
});
const start = performance.now();

// Production mode only silences tfjs's warnings (in tfjs 4 it changes nothing
// else), among them the cpu backend's banner on stderr that recommends tfjs-node.
tf.enableProdMode();
await tf.setBackend('cpu');

/** What the example promises (test/examples checks the --quick run against it). */
const PROMISE = { lossFactor: 10, outlierWeight: 0.25, testOutlierWeight: 0.5, testFactor: 5 };

// Every edge has noise level·σ: odometry 1 to 2, loop closures 1 to 10 (log-uniform); OUTLIERS of the loop closures are wrong.
const sigma = [0.03, 0.03, 0.01]; // m, m, rad
const OUTLIERS = 0.25;
const W0 = tf.tensor2d([[1 / sigma[0], 0, 0, 1 / sigma[1], 0, 1 / sigma[2]]]); // diag(1/σ), upper triangle: the nominal weight

/**
 * A simulated run of the robot in a Manhattan world: the truth, each edge's
 * noise level, whether it is an outlier, its features, `copies` noisy copies
 * of its measurement, and a SolveLayer over the batch whose input is 'edges.weight'.
 */
function simulate(worldSeed) {
  const world = manhattanTruth({ poses, seed: worldSeed });
  const { edges, odometry, exact } = world;
  const random = new SeededRandom(worldSeed + 1000);
  const level = new Float64Array(edges);
  const outlier = new Uint8Array(edges);
  const error = new Float64Array(edges * 3); // a wrong match's error: up to 1.5 m in x and y, any angle
  const features = new Float32Array(edges * 2); // (quality, 1 for a loop closure)
  for (let e = 0; e < edges; e++) {
    level[e] = odometry[e] ? 1 + random.uniform() : 10 ** random.uniform();
    outlier[e] = !odometry[e] && random.uniform() < OUTLIERS ? 1 : 0;
    if (outlier[e]) error.set([3 * random.uniform() - 1.5, 3 * random.uniform() - 1.5, (2 * random.uniform() - 1) * Math.PI], 3 * e);
    // The quality reading: −log10 of the noise level (0 to −1) read with noise 0.2; a wrong match reads −1.2 ± 0.3.
    const quality = outlier[e] ? -1.2 + 0.3 * random.normal() : -Math.log10(level[e]) + 0.2 * random.normal();
    features.set([quality, odometry[e] ? 0 : 1], 2 * e);
  }
  const measurements = new Float64Array(copies * edges * 3);
  for (let b = 0; b < copies; b++) {
    for (let e = 0; e < edges; e++) {
      for (let c = 0; c < 3; c++) {
        measurements[(b * edges + e) * 3 + c] = exact[3 * e + c] + error[3 * e + c] + level[e] * sigma[c] * random.normal();
      }
    }
  }
  SE2.normalize(measurements, measurements);
  chainOdometry(world, measurements); // the first guess: copy 0's odometry from the true first pose
  const { objective } = poseGraphObjective({ ...world.graph, information: diagonalInformation(edges, sigma) }, { measurements });
  // Solved tightly (the implicit gradient assumes ∇f(x*) = 0), with the exact Hessian: the copies' residuals do not vanish.
  const layer = new SolveLayer(new LevenbergMarquardt(objective, { functionTolerance: 1e-12 }), {
    inputs: ['edges.weight'],
    mode: 'implicit',
    exactHessian: true,
  });
  return {
    ...world,
    level,
    outlier,
    layer,
    features: tf.tensor2d(features, [edges, 2]),
    truth: tf.tensor3d(Float32Array.from(world.truth), [1, poses, 3]),
  };
}
const training = simulate(seed);
const test = simulate(seed + 1);

// The network: features → 16 → 16 → 1 (tanh between), then a softplus. Seeded initialisers make runs repeatable.
const network = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [2], units: 16, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed }) }),
    tf.layers.dense({ units: 16, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }),
    tf.layers.dense({ units: 1, kernelInitializer: 'zeros' }),
  ],
});

/** Each edge's weight scale, softplus(network(features)) divided by its mean: [edges, 1]. */
function scales(world) {
  const s = tf.softplus(network.apply(world.features));
  return tf.div(s, tf.mean(s));
}

/**
 * The mean over the copies' poses of ‖p − p_true‖² + (θ − θ_true)² (m², rad²;
 * the angle difference wrapped) of the solve with weight scales `scale`
 * ([edges, 1]): the training loss, a scalar tensor.
 */
function poseLoss(world, scale) {
  const W = tf.reshape(tf.mul(scale, W0), world.layer.inputShape('edges.weight'));
  const x = world.layer.unpack(world.layer.apply([W]))['poses']; // [copies, poses, 3]
  const [dp, dTheta] = tf.split(tf.sub(x, world.truth), [2, 1], 2);
  const wrapped = tf.atan2(tf.sin(dTheta), tf.cos(dTheta));
  return tf.div(tf.add(tf.sum(tf.square(dp)), tf.sum(tf.square(wrapped))), copies * poses);
}

/** The mean weight scale of the odometry edges, the inlier loop closures and the outliers. */
function meanWeights(world, scale) {
  const sums = [0, 0, 0];
  const counts = [0, 0, 0];
  scale.forEach((s, e) => {
    const kind = world.odometry[e] ? 0 : world.outlier[e] ? 2 : 1;
    sums[kind] += s;
    counts[kind]++;
  });
  return sums.map((sum, k) => sum / counts[k]);
}

const outliers = training.outlier.reduce((a, b) => a + b, 0);
console.log(
  `a Manhattan world of ${poses} poses: ${training.edges - training.closures} odometry edges, ${training.closures} loop closures (${outliers} outliers); ` +
    `${copies} noisy copies${quick ? ' (--quick)' : ''}`,
);
console.log(`noise: level·σ, σ = (${sigma.join(', ')}) (m, m, rad), level 1 to 2 on odometry and 1 to 10 on loop closures; outliers up to 1.5 m and π off`);
console.log('features per edge: (quality reading, is a loop closure); the weights start equal');
console.log('loss: mean squared pose error against the truth, ‖Δp‖² + Δθ² (m², rad²); tf.train.adam on the network through the solve\n');
console.log('epoch         loss   W odometry   W loop closures   W outliers');

// Little momentum (β1 = 0.5): with the default 0.9 the loss overshoots its floor and climbs back for ten epochs.
const optimizer = tf.train.adam(0.05, 0.5);
const history = [];
let tensors;
for (let epoch = 0; ; epoch++) {
  const scale = tf.tidy(() => scales(training).dataSync());
  const [odometry, inliers, wrong] = meanWeights(training, scale);
  // minimize returns the loss before its step; the last epoch only evaluates.
  const lossTensor =
    epoch < epochs ? optimizer.minimize(() => poseLoss(training, scales(training)), true) : tf.tidy(() => poseLoss(training, scales(training)));
  const loss = lossTensor.dataSync()[0];
  lossTensor.dispose();
  history.push({ loss, inliers, wrong });
  console.log(`${String(epoch).padStart(5)} ${fmt(loss).padStart(12)} ${fmt(odometry).padStart(12)} ${fmt(inliers).padStart(17)} ${fmt(wrong).padStart(12)}`);
  if (epoch === 1) tensors = tf.memory().numTensors;
  if (epoch === epochs) break;
}
const trainingTime = ms(start);

// A reference: the loss with weights from the true noise, 1/level (outliers at 1e-3).
const lossWith = (world, scale) => tf.tidy(() => poseLoss(world, tf.tensor2d(scale, [world.edges, 1])).dataSync()[0]);
const trueScale = (world) => Float32Array.from(world.level, (level, e) => (world.outlier[e] ? 1e-3 : 1 / level));
const trueLoss = lossWith(training, trueScale(training));

// The test world: the network's weights against uniform ones (and those from the true noise).
const learnedScale = tf.tidy(() => scales(test).dataSync());
const [uniform, learned, oracle] = [new Float32Array(test.edges).fill(1), learnedScale, trueScale(test)].map((scale) => lossWith(test, scale));
const testWeights = meanWeights(test, learnedScale);

const last = history.at(-1);
console.log(`\n${lossSummary(history, PROMISE.lossFactor)}`);
console.log(`training loss with weights from the true noise: ${fmt(trueLoss)}`);
console.log(
  `mean weight of the loop closures: inliers ${fmt(last.inliers)}, outliers ${fmt(last.wrong)}, ${fmt(last.wrong / last.inliers, 3)} of the inliers' ` +
    `(promised: at most ${PROMISE.outlierWeight})`,
);
console.log(
  `test world (another graph, ${test.closures} loop closures, ${test.outlier.reduce((a, b) => a + b, 0)} outliers): ` +
    `the network weighs its outliers ${fmt(testWeights[2] / testWeights[1], 3)} of its inlier loop closures (promised: at most ${PROMISE.testOutlierWeight})`,
);
console.log(
  `test loss with uniform weights ${fmt(uniform)}, learned ${fmt(learned)}, ${fmt(uniform / learned, 3)}× lower (promised: at least ${PROMISE.testFactor}×); ` +
    `with weights from the true noise ${fmt(oracle)}`,
);
console.log(`tfjs tensors: ${tensors} after epoch 1, ${tf.memory().numTensors} after the last (no leak)`);

training.layer.dispose();
test.layer.dispose();
optimizer.dispose();
network.dispose();
tf.dispose([W0, training.features, training.truth, test.features, test.truth]);
console.log(`tfjs tensors left after disposing everything: ${tf.memory().numTensors}`);
console.log(`${epochs} epochs in ${trainingTime}, ${ms(start)} with the test`);

const svgPath = path.join(outputFolder(out), 'learn-edge-weights-tfjs.svg');
const svg = trainingCurveSvg(`Learning per-edge weights with a tfjs network (${poses} poses, ${copies} copies)`, [
  { label: 'training loss (m², rad²)', values: history.map((h) => h.loss), log: true, reference: trueLoss, referenceLabel: 'weights from the true noise' },
  { label: 'mean weight, inlier loop closures', values: history.map((h) => h.inliers), log: true, reference: 1, referenceLabel: 'uniform' },
  { label: 'mean weight, outliers', values: history.map((h) => h.wrong), log: true, reference: 1, referenceLabel: 'uniform' },
]);
fs.writeFileSync(svgPath, svg);
console.log(`wrote ${svgPath}`);
