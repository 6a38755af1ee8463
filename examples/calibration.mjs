// Hand-eye calibration, a Custom cost over SE3: a camera is bolted to a robot's
// hand at an unknown pose X (camera in hand). When the hand moves by A_i (from
// the robot's joint encoders), the camera sees itself move by B_i (from
// images of a fixed target), and A_i·X = X·B_i. Given noisy pairs (A_i, B_i),
// find X by minimising ½ Σ ‖W·Log((A_i·X)⁻¹·X·B_i)‖². The Jacobian with
// respect to X comes from the group verbs' own Jacobians by the chain rule,
// and is checked against central differences before solving.
//
//   npm run build:ts && node examples/calibration.mjs [--motions 20] [--seed 1] [--quick]
import { Custom, LevenbergMarquardt, Objective, SE3, SO3, SeededRandom, Variable, Weight, checkObjective } from 'ariadne';

import { fmt, numberFlag, parseFlags } from './common.mjs';

const usage = 'usage: node examples/calibration.mjs [--motions N] [--seed S] [--quick]';
const flags = parseFlags(usage, { motions: { type: 'string', default: '20' }, seed: { type: 'string', default: '1' } });
const motions = flags.quick ? 8 : numberFlag(flags, 'motions', 3, 1e6);
const random = new SeededRandom(numberFlag(flags, 'seed', 0, 2 ** 31));
const [sigmaT, sigmaR] = [0.002, 0.002]; // noise of B_i: 2 mm and about 0.1° per axis

// The truth: 5 cm forward, 10 cm up, turned 30° about the axis (1, −1, 1).
const truth = Float64Array.of(0.05, 0, 0.1, ...SO3.exp(Float64Array.of(0.3, -0.3, 0.3)));
// Hand motions A_i: random rotations (X is only determined by motions about
// at least two different axes), translations of about 0.3 m; camera motions
// B_i = X⁻¹·A_i·X, then noise.
const A = SE3.random(motions, random);
for (let i = 0; i < motions; i++) for (let c = 0; c < 3; c++) A[7 * i + c] *= 0.3;
const B = SE3.compose(SE3.between(truth, SE3.compose(A, truth)), SE3.exp(noise(motions)));

/** count tangent vectors of N(0, σ²) noise: σt on the translation part, σr on the rotation part. */
function noise(count) {
  const tangent = new Float64Array(6 * count);
  for (let k = 0; k < tangent.length; k++) tangent[k] = (k % 6 < 3 ? sigmaT : sigmaR) * random.normal();
  return tangent;
}

// The unknown: one SE3 element, starting at the identity (the camera at the hand).
const X = new Variable('X', SE3, SE3.identity());

// One instance per motion pair; each row reads X (element 0) and its A_i and B_i.
// With P = A·X and Q = X·B: r = local(P, Q) = Log(P⁻¹·Q).
const handEye = new Custom({
  name: 'hand-eye',
  dim: 6,
  variables: [{ variable: X, indices: new Int32Array(motions) }],
  auxiliary: [
    { name: 'A', k: 7, values: A, group: SE3 },
    { name: 'B', k: 7, values: B, group: SE3 },
  ],
  weight: Weight.diagonal(Float64Array.of(...Array(3).fill(1 / sigmaT), ...Array(3).fill(1 / sigmaR)), 6),
  residual: (rows, [x, a, b], r) => {
    SE3.local(SE3.compose(a, x), SE3.compose(x, b), r);
  },
  // ∂r/∂X = ∂r/∂P · ∂P/∂X + ∂r/∂Q · ∂Q/∂X, 6×6 blocks per row.
  jacobians: (rows, [x, a, b], [J]) => {
    const [J_P_X, J_Q_X, J_r_P, J_r_Q] = [0, 1, 2, 3].map(() => new Float64Array(36 * rows));
    const P = SE3.compose(a, x, undefined, undefined, J_P_X);
    const Q = SE3.compose(x, b, undefined, J_Q_X);
    SE3.local(P, Q, new Float64Array(6 * rows), J_r_P, J_r_Q);
    for (let o = 0; o < 36 * rows; o += 36) {
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 6; j++) {
          let sum = 0;
          for (let k = 0; k < 6; k++) sum += J_r_P[o + 6 * i + k] * J_P_X[o + 6 * k + j] + J_r_Q[o + 6 * i + k] * J_Q_X[o + 6 * k + j];
          J[o + 6 * i + j] = sum;
        }
      }
    }
  },
});

const objective = new Objective([handEye]);
const check = checkObjective(objective);
console.log(`${motions} motion pairs (A_i, B_i), noise ${sigmaT * 1e3} mm and ${fmt((sigmaR * 180) / Math.PI, 2)}° per axis`);
console.log(
  `checkObjective: analytic Jacobian ${check.ok ? 'agrees with' : 'DIFFERS FROM'} central differences (largest error ${fmt(check.jacobianError, 2)})`,
);

const result = new LevenbergMarquardt(objective).solve();
const estimate = result.values('X');
console.log(`Levenberg-Marquardt: cost ${fmt(result.initialCost[0])} → ${fmt(result.finalCost[0])} in ${result.iterations[0]} iterations: ${result.status[0]}`);

const describe = (x) => `t = (${[0, 1, 2].map((c) => x[c].toFixed(4)).join(', ')}) m, q = (${[3, 4, 5, 6].map((c) => x[c].toFixed(4)).join(', ')})`;
console.log(`true X:      ${describe(truth)}\nestimated X: ${describe(estimate)}`);
const translationError = Math.hypot(...[0, 1, 2].map((c) => estimate[c] - truth[c]));
const rotationError = Math.hypot(...SO3.local(truth.subarray(3), estimate.subarray(3))); // the angle of R_true⁻¹·R_estimate
console.log(`error: translation ${fmt(translationError * 1e3, 3)} mm, rotation ${fmt((rotationError * 180) / Math.PI, 3)}°`);
