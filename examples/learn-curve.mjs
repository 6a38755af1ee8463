// Learning a sensor's calibration through the optimiser (ariadne/layer).
// A sensor reads y = k·f(t) + o (+ noise) with an unknown gain k and offset
// o. Each of several curves f(t) = a·exp(b·t) + c is fitted to calibrated
// readings, (y − o)/k: residual a·exp(b·t) + c − (y − o)/k, with (k, o) an
// auxiliary input of the fit shared by every sample of every curve. On a
// training set of curves whose true (a, b, c) are known, (k, o) is learned
// from them: each epoch fits every curve (the forward, one batched solve),
// measures how far the fitted (a, b, c) lie from the true ones (the training
// loss), and takes ∂loss/∂(k, o) from the implicit backward, for one step of
// Adam. The sensor's true gain and offset are known here, so the learned
// ones can be compared with them.
//
//   npm run build:ts && node examples/learn-curve.mjs [--curves 16] [--samples 40] [--epochs 60] [--seed 1] [--out DIR] [--quick]
//
// Output goes to examples/output/ (git-ignored) unless --out names a folder.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Custom, LevenbergMarquardt, Objective, SeededRandom, Variable, Vector, Weight } from 'ariadne';
import { DifferentiableSolve } from 'ariadne/layer';

import { adam, fmt, forwardOrThrow, lossSummary, ms, outputFolder, trainingCurveSvg, trainingFlags } from './common.mjs';

const usage = 'usage: node examples/learn-curve.mjs [--curves B] [--samples N] [--epochs E] [--seed S] [--out DIR] [--quick]';
const { curves, samples, epochs, seed, out, quick } = trainingFlags(usage, {
  curves: { default: 16, quick: 8, min: 1, max: 1e5 },
  samples: { default: 40, quick: 25, min: 4, max: 1e6 },
  epochs: { default: 60, quick: 40, min: 1, max: 1e4 },
});
const random = new SeededRandom(seed);
const start = performance.now();

/** What the example promises (test/examples checks the --quick run against it). */
const PROMISE = { lossFactor: 50, gain: 0.02, offset: 0.02 };

const sigma = 0.05; // the sensor's noise
const SENSOR = { gain: 1.25, offset: -0.4 }; // the truth, unknown to the fit

// The training set: `curves` curves with known (a, b, c), each read at `samples` times t ∈ [0, 4] by the sensor.
const truths = Array.from({ length: curves }, () => [1 + 3 * random.uniform(), -2 + 1.5 * random.uniform(), -1 + 2 * random.uniform()]);
const readings = new Float64Array(curves * samples * 2); // [curves × samples × (t, y)]
truths.forEach(([a, b, c], curve) => {
  for (let i = 0; i < samples; i++) {
    const t = (4 * i) / (samples - 1);
    const y = SENSOR.gain * (a * Math.exp(b * t) + c) + SENSOR.offset + sigma * random.normal();
    readings.set([t, y], 2 * (curve * samples + i));
  }
});

// The fit: one instance per sample, over element 0 of 'abc' (a batch of one
// guess, so every curve of the batch gets its own copy) and its reading; the
// input 'sensor' = (k, o) is one instance shared by all of them.
const abc = new Variable('abc', Vector(3), Float64Array.of(1, -0.5, 0));
const fit = new Custom({
  name: 'curve',
  dim: 1,
  variables: [{ variable: abc, indices: new Int32Array(samples) }],
  auxiliary: [
    { name: 'readings', k: 2, values: readings, batch: curves },
    { name: 'sensor', k: 2, values: Float64Array.of(1, 0) },
  ],
  weight: Weight.scale(Float64Array.of(1 / sigma)),
  residual: (rows, [p, s, kc], r) => {
    for (let i = 0; i < rows; i++) {
      r[i] = p[3 * i] * Math.exp(p[3 * i + 1] * s[2 * i]) + p[3 * i + 2] - (s[2 * i + 1] - kc[2 * i + 1]) / kc[2 * i];
    }
  },
  // ∂r/∂(a, b, c) = (e, a·t·e, 1) with e = exp(b·t). The layer differentiates the inputs (readings, sensor) itself.
  jacobians: (rows, [p, s], [J]) => {
    for (let i = 0; i < rows; i++) {
      const t = s[2 * i];
      const e = Math.exp(p[3 * i + 1] * t);
      J.set([e, p[3 * i] * t * e, 1], 3 * i);
    }
  },
});
// Noisy readings leave residuals at the solution: the exact Hessian makes the implicit gradient exact.
const layer = new DifferentiableSolve(new LevenbergMarquardt(new Objective([fit]), { functionTolerance: 1e-12 }), {
  mode: 'implicit',
  exactHessian: true,
});

/** The training loss, the mean over the curves of ‖(a, b, c)* − (a, b, c)_true‖², and ∂L/∂(a, b, c)*. */
function parameterError(x) {
  const gradient = new Float64Array(x.length);
  let loss = 0;
  for (let j = 0; j < x.length; j++) {
    const d = x[j] - truths[Math.floor(j / 3)][j % 3];
    loss += d ** 2 / curves;
    gradient[j] = (2 * d) / curves;
  }
  return { loss, gradient };
}

console.log(`${curves} curves y = a·exp(b·t) + c with known (a, b, c), ${samples} readings each on t ∈ [0, 4]${quick ? ' (--quick)' : ''}`);
console.log(`the sensor reads gain·y + offset + N(0, ${sigma}²), true gain ${SENSOR.gain} and offset ${SENSOR.offset}; the fit starts from (1, 0)`);
console.log('loss: mean squared error of the fitted (a, b, c); Adam on (log gain, offset)\n');
console.log('epoch         loss     gain    offset');

// Adam on θ = (log k, o): the gain stays positive.
const theta = [0, 0];
// Little momentum (β1 = 0.5): with the default 0.9 the two parameters overshoot and circle the minimum.
const step = adam({ rate: 0.05, beta1: 0.5 });
const history = [];
for (let epoch = 0; ; epoch++) {
  const sensor = Float64Array.of(Math.exp(theta[0]), theta[1]);
  const { values } = forwardOrThrow(layer, { sensor }, 'curve');
  const { loss, gradient } = parameterError(values['abc']);
  history.push({ loss, gain: sensor[0], offset: sensor[1] });
  console.log(`${String(epoch).padStart(5)} ${fmt(loss).padStart(12)} ${sensor[0].toFixed(4).padStart(8)} ${sensor[1].toFixed(4).padStart(9)}`);
  if (epoch === epochs) break;
  // ∂L/∂(k, o) from the layer (summed over every sample of every curve, as the input is shared); ∂L/∂log k = k·∂L/∂k.
  const [dk, dOffset] = layer.backward({ abc: gradient })['sensor'];
  step(theta, [dk * sensor[0], dOffset]);
}
layer.dispose();

const last = history.at(-1);
console.log(`\n${lossSummary(history, PROMISE.lossFactor)}`);
console.log(
  `learned gain ${last.gain.toFixed(4)} (true ${SENSOR.gain}, off by ${fmt(Math.abs(last.gain - SENSOR.gain), 2)}; promised: within ${PROMISE.gain}), ` +
    `offset ${last.offset.toFixed(4)} (true ${SENSOR.offset}, off by ${fmt(Math.abs(last.offset - SENSOR.offset), 2)}; promised: within ${PROMISE.offset})`,
);
console.log(`${epochs} epochs in ${ms(start)}`);

const svgPath = path.join(outputFolder(out), 'learn-curve.svg');
const svg = trainingCurveSvg(`Learning a sensor's gain and offset through ${curves} curve fits`, [
  { label: 'training loss', values: history.map((h) => h.loss), log: true },
  { label: 'gain', values: history.map((h) => h.gain), reference: SENSOR.gain, referenceLabel: 'true gain' },
  { label: 'offset', values: history.map((h) => h.offset), reference: SENSOR.offset, referenceLabel: 'true offset' },
]);
fs.writeFileSync(svgPath, svg);
console.log(`wrote ${svgPath}`);
