// Curve fitting with a Custom cost term: fit y = a·exp(b·t) + c to noisy
// samples, with analytic Jacobians (checked against central differences);
// then the same data with outliers, fitted by plain least squares and with
// the Huber and Cauchy robust losses; then many data sets fitted at once, as
// one batch.
//
//   npm run build:ts && node examples/curve-fitting.mjs [--samples 60] [--sets 8] [--seed 1] [--quick]
import { Custom, LevenbergMarquardt, Objective, RobustLoss, SeededRandom, Variable, Vector, Weight, checkObjective } from 'ariadne';

import { fmt, numberFlag, parseFlags } from './common.mjs';

const usage = 'usage: node examples/curve-fitting.mjs [--samples N] [--sets B] [--seed S] [--quick]';
const flags = parseFlags(usage, {
  samples: { type: 'string', default: '60' },
  sets: { type: 'string', default: '8' },
  seed: { type: 'string', default: '1' },
});
const samples = flags.quick ? 30 : numberFlag(flags, 'samples', 4, 1e6);
const sets = flags.quick ? 4 : numberFlag(flags, 'sets', 1, 1e5);
const random = new SeededRandom(numberFlag(flags, 'seed', 0, 2 ** 31));

const sigma = 0.05; // the noise of every sample
const truth = [2.5, -1.3, 0.5]; // a, b, c

/** n samples (t, y) of a·exp(b·t) + c on t ∈ [0, 4] with N(0, σ²) noise; `outliers` of them, spread evenly, moved by 1 to 3 up or down. */
function makeSamples([a, b, c], n, outliers = 0) {
  const spikes = new Set(Array.from({ length: outliers }, (_, j) => Math.floor(((j + 0.5) * n) / outliers)));
  const ty = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = (4 * i) / (n - 1);
    const spike = spikes.has(i) ? (random.uniform() < 0.5 ? -1 : 1) * (1 + 2 * random.uniform()) : 0;
    ty.set([t, a * Math.exp(b * t) + c + sigma * random.normal() + spike], 2 * i);
  }
  return ty;
}

// The unknowns: one Vector(3) element [a, b, c]. Batch 1: in a batched
// objective every data set gets its own copy, starting from this guess.
const abc = new Variable('abc', Vector(3), Float64Array.of(1, -0.5, 0));

/**
 * The cost ½ Σ ρ(((a·exp(b·t) + c − y)/σ)²) over `sets` data sets of
 * samples.length / (2·sets) samples each. One instance per sample: each reads
 * element 0 of abc and its row (t, y) of the auxiliary input 'samples'.
 * The residual and Jacobian functions see `rows` rows at once (every sample
 * of every data set), with the inputs in the order variables, auxiliary.
 */
function exponentialFit(ty, sets = 1, loss = undefined) {
  return new Custom({
    name: 'exponential',
    dim: 1,
    variables: [{ variable: abc, indices: new Int32Array(ty.length / (2 * sets)) }],
    auxiliary: [{ name: 'samples', k: 2, values: ty, batch: sets }],
    weight: Weight.scale(Float64Array.of(1 / sigma)),
    loss,
    residual: (rows, [p, s], r) => {
      for (let i = 0; i < rows; i++) r[i] = p[3 * i] * Math.exp(p[3 * i + 1] * s[2 * i]) + p[3 * i + 2] - s[2 * i + 1];
    },
    // ∂r/∂(a, b, c) = (e, a·t·e, 1) with e = exp(b·t): one 1×3 block per row.
    jacobians: (rows, [p, s], [J]) => {
      for (let i = 0; i < rows; i++) {
        const t = s[2 * i];
        const e = Math.exp(p[3 * i + 1] * t);
        J.set([e, p[3 * i] * t * e, 1], 3 * i);
      }
    },
  });
}

const row = (label, [a, b, c], note = '') => `  ${label.padEnd(16)}${[a, b, c].map((v) => v.toFixed(4).padStart(9)).join('')}${note}`;
const header = `  ${''.padEnd(16)}${['a', 'b', 'c'].map((name) => name.padStart(9)).join('')}`;
const summary = (result, b = 0) =>
  `   cost ${fmt(result.initialCost[b])} → ${fmt(result.finalCost[b])}, ${result.iterations[b]} iterations, ${result.status[b]}`;

console.log(`y = a·exp(b·t) + c, ${samples} samples on t ∈ [0, 4], noise σ = ${sigma}`);

// 1. Gaussian noise only.
const clean = new Objective([exponentialFit(makeSamples(truth, samples))]);
const check = checkObjective(clean);
console.log(
  `checkObjective: analytic Jacobian ${check.ok ? 'agrees with' : 'DIFFERS FROM'} central differences (largest error ${fmt(check.jacobianError, 2)})`,
);
const fit = new LevenbergMarquardt(clean).solve();
console.log(`\n1. Least squares\n${header}\n${row('true', truth)}\n${row('least squares', fit.values('abc'), summary(fit))}`);

// 2. The same curve with outliers: plain least squares against two robust losses (radius in units of σ).
const outliers = Math.max(2, Math.round(samples / 10));
const spiky = makeSamples(truth, samples, outliers);
console.log(`\n2. With ${outliers} outliers among the ${samples} samples\n${header}\n${row('true', truth)}`);
for (const [label, loss] of [
  ['least squares', undefined],
  ['huber δ=1.345', RobustLoss.huber(1.345)],
  ['cauchy δ=2.385', RobustLoss.cauchy(2.385)],
]) {
  const result = new LevenbergMarquardt(new Objective([exponentialFit(spiky, 1, loss)])).solve();
  console.log(row(label, result.values('abc'), summary(result)));
}

// 3. `sets` data sets, each from its own curve, in one batched solve: the
// samples are a [sets × samples × 2] array; every set is an independent problem.
const truths = Array.from({ length: sets }, () => [1 + 3 * random.uniform(), -2 + 1.5 * random.uniform(), -1 + 2 * random.uniform()]);
const batch = new Float64Array(sets * samples * 2);
truths.forEach((t, b) => batch.set(makeSamples(t, samples), b * samples * 2));
const fits = new LevenbergMarquardt(new Objective([exponentialFit(batch, sets)])).solve();
const solved = fits.values('abc');
console.log(`\n3. ${sets} data sets in one batch: ${fmt(fits.seconds * 1e3, 3)} ms, ${fits.converged ? 'all converged' : 'not all converged'}\n${header}`);
truths.forEach((t, b) => {
  console.log(row(`set ${b} true`, t));
  console.log(row(`set ${b} fit`, solved.subarray(3 * b, 3 * b + 3), summary(fits, b)));
});
