// Wrong derivatives are reported, never called converged: a Jacobian the
// term never writes is caught in every solve (the library NaN-poisons it),
// and options.checkDerivatives compares every term's Jacobians with central
// differences at each new point, failing the element with the term, the
// variable, the instance and the error.
import {
  Custom,
  GaussNewton,
  LevenbergMarquardt,
  Objective,
  Prior,
  SE2,
  SO2,
  SeededRandom,
  Variable,
  Vector,
  manhattanWorld,
  noisyMeasurements,
  poseGraphObjective,
} from '../../lib/index.js';

/** y = a·exp(b·t) over 10 samples of (2, −0.5), from (1, 0); `jacobians` as given. */
function curve(jacobians?: (rows: number, inputs: readonly Float64Array[], out: readonly (Float64Array | undefined)[]) => void) {
  const ab = new Variable('ab', Vector(2), Float64Array.of(1, 0));
  const t = Array.from({ length: 10 }, (_, i) => i / 3);
  const term = new Custom({
    name: 'decay',
    dim: 1,
    variables: [{ variable: ab, indices: new Int32Array(10) }],
    auxiliary: [{ name: 'samples', k: 2, values: Float64Array.from(t.flatMap((ti) => [ti, 2 * Math.exp(-0.5 * ti)])) }],
    residual: (rows, [p, s], out) => {
      for (let i = 0; i < rows; i++) out[i] = p![2 * i]! * Math.exp(p![2 * i + 1]! * s![2 * i]!) - s![2 * i + 1]!;
    },
    jacobians,
  });
  return new Objective([term]);
}

/** The analytic Jacobian, times `sign`. */
const exponential =
  (sign: number) =>
  (rows: number, [p, s]: readonly Float64Array[], [J]: readonly (Float64Array | undefined)[]) => {
    for (let i = 0; i < rows; i++) {
      const e = Math.exp(p![2 * i + 1]! * s![2 * i]!);
      J!.set([sign * e, sign * p![2 * i]! * s![2 * i]! * e], 2 * i);
    }
  };

describe('derivatives that are wrong are reported', () => {
  test('EXPECTED FAILURE - a Jacobian the term never writes fails the solve, naming the term and the variable', () => {
    for (const Optimizer of [LevenbergMarquardt, GaussNewton]) {
      const result = new Optimizer(curve(() => {})).solve();
      expect(result.status[0]).toBe('failed');
      expect(result.reason[0]).toBe(
        "non-finite residual or Jacobian at the initial values: term 'decay', instance 0: its Jacobian with respect to 'ab' holds NaN (NaN: an entry the term did not write, or computed from NaN)",
      );
    }
  });

  test('EXPECTED FAILURE - a Jacobian of the wrong sign: checkDerivatives fails the element with the term, variable, instance and error', () => {
    // Without the check the wrong sign goes unnoticed: no step decreases the cost and LM calls it converged where it started.
    const unchecked = new LevenbergMarquardt(curve(exponential(-1))).solve();
    expect(unchecked.status[0]).toBe('converged');
    expect(unchecked.values('ab')).toEqual(Float64Array.of(1, 0));
    const checked = new LevenbergMarquardt(curve(exponential(-1)), { checkDerivatives: true }).solve();
    expect(checked.status[0]).toBe('failed');
    expect(checked.reason[0]).toBe(
      "the Jacobian of term 'decay' with respect to 'ab' (element 0) at instance 0 is off from central differences by 2.00 relative (tolerance 0.000001)",
    );
    expect(checked.iterations[0]).toBe(0);
  });

  test('right Jacobians pass the check at every point: the same solve as without it', () => {
    const right = new LevenbergMarquardt(curve(exponential(1)), { checkDerivatives: { tolerance: 1e-7 } }).solve();
    expect(right.status[0]).toBe('converged');
    expect(right.values('ab')).toEqual(new LevenbergMarquardt(curve(exponential(1))).solve().values('ab'));
    // Pose graphs (the fused Between kernels, two noisy copies) too.
    const { graph } = manhattanWorld({ poses: 30, seed: 2 });
    const { objective } = poseGraphObjective(graph, { measurements: noisyMeasurements(graph, 2, 0.02, 5) });
    const checked = new LevenbergMarquardt(objective, { checkDerivatives: true }).solve();
    expect(checked.status.every((s) => s === 'converged')).toBe(true);
    expect(checked.finalCost).toEqual(new LevenbergMarquardt(objective).solve().finalCost);
  });

  test("no false alarms: a residual next to Log's ±π cut, a position far from the origin", () => {
    for (const [group, start, target] of [
      [SO2, [0], [Math.PI - 5e-7]],
      [SE2, [0, 0, 0], [1, 0, Math.PI - 5e-7]],
    ] as const) {
      const x = new Variable('x', group, Float64Array.from(start));
      const result = new LevenbergMarquardt(new Objective([new Prior({ variable: x, target: Float64Array.from(target) })]), { checkDerivatives: true }).solve();
      expect(result.status[0]).toBe('converged');
    }
    // A range-only fix in map coordinates (5e5, 4e6) with its analytic Jacobian.
    const beacons = Float64Array.of(5e5 + 3, 4e6, 5e5, 4e6 + 4, 5e5 - 2, 4e6 - 1, 5e5 + 1, 4e6 + 2);
    const truth = [5e5 + 0.4, 4e6 + 0.7]; // the ranges are exact from here
    const ranges = Float64Array.from({ length: 4 }, (_, i) => Math.hypot(truth[0]! - beacons[2 * i]!, truth[1]! - beacons[2 * i + 1]!));
    const p = new Variable('p', Vector(2), Float64Array.of(5e5, 4e6));
    const term = new Custom({
      name: 'range',
      dim: 1,
      variables: [{ variable: p, indices: new Int32Array(4) }],
      auxiliary: [
        {
          name: 'beacon',
          k: 3,
          values: Float64Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? ranges[Math.floor(i / 3)]! : beacons[Math.floor(i / 3) * 2 + (i % 3)]!)),
        },
      ],
      residual: (rows, [x, s], r) => {
        for (let i = 0; i < rows; i++) r[i] = Math.hypot(x![2 * i]! - s![3 * i]!, x![2 * i + 1]! - s![3 * i + 1]!) - s![3 * i + 2]!;
      },
      jacobians: (rows, [x, s], [J]) => {
        for (let i = 0; i < rows; i++) {
          const [dx, dy] = [x![2 * i]! - s![3 * i]!, x![2 * i + 1]! - s![3 * i + 1]!];
          J!.set([dx / Math.hypot(dx, dy), dy / Math.hypot(dx, dy)], 2 * i);
        }
      },
    });
    const objective = new Objective([term]);
    const fix = new LevenbergMarquardt(objective, { checkDerivatives: true }).solve();
    expect(fix.status[0]).toBe('converged');
    expect(fix.values('p')).toEqual(new LevenbergMarquardt(objective).solve().values('p'));
  });

  test('a batch: only the element whose Jacobian is off at its point fails', () => {
    // Jacobian wrong only where a > 1.5: element 1 starts there.
    const ab = new Variable('ab', Vector(2), Float64Array.of(1, 0, 1.8, 0), { batch: 2 });
    const random = new SeededRandom(1);
    const samples = Float64Array.from({ length: 20 }, (_, i) => (i % 2 ? 1 + 0.01 * random.normal() : i / 6));
    const term = new Custom({
      name: 'flat',
      dim: 1,
      variables: [{ variable: ab, indices: new Int32Array(10) }],
      auxiliary: [{ name: 'samples', k: 2, values: samples }],
      residual: (rows, [p, s], out) => {
        for (let i = 0; i < rows; i++) out[i] = p![2 * i]! + p![2 * i + 1]! * s![2 * i]! - s![2 * i + 1]!;
      },
      jacobians: (rows, [p, s], [J]) => {
        for (let i = 0; i < rows; i++) J!.set([p![2 * i]! > 1.5 ? 0.5 : 1, s![2 * i]!], 2 * i);
      },
    });
    const result = new LevenbergMarquardt(new Objective([term]), { checkDerivatives: true }).solve();
    expect(result.status).toEqual(['converged', 'failed']);
    expect(result.reason[1]).toMatch(
      /^the Jacobian of term 'flat' with respect to 'ab' \(element 0\) at instance 0 is off from central differences by 0\.500 relative/,
    );
  });

  test('BAD CALL - checkDerivatives of the wrong type or tolerance', () => {
    const objective = curve(exponential(1));
    expect(() => new LevenbergMarquardt(objective, { checkDerivatives: 'yes' as never })).toThrow(
      new TypeError("LevenbergMarquardt: 'options.checkDerivatives' must be a boolean or { tolerance }, got a string"),
    );
    expect(() => new LevenbergMarquardt(objective, { checkDerivatives: { tolerance: 0 } })).toThrow(RangeError);
    expect(() => new LevenbergMarquardt(objective, { checkDerivatives: { tol: 1 } as never })).toThrow(/'options.checkDerivatives' .*tol/);
  });
});
