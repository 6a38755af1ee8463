// Box bounds on Vector variables (as Ceres' parameter bounds): the
// coordinates on a bound that −g pushes against are held, the steps are
// projected onto the box and judged as projected; the solution reaches the
// known constrained optimum and says which coordinates are on a bound.
import { Custom, Dogleg, GaussNewton, LevenbergMarquardt, Objective, Prior, SeededRandom, Variable, Vector, Weight } from '../../lib/index.js';
import { DifferentiableSolve } from '../../lib/layer/index.js';
import { runSync, type LinearSteps } from '../../lib/linear/drivers.js';
import { LinearSystem } from '../../lib/linear/linear-system.js';
import { minimize } from '../../lib/optim/minimizer.js';
import { resolveOptions } from '../../lib/optim/options.js';
import type { Strategy } from '../../lib/optim/strategy.js';

const OPTIMIZERS = [LevenbergMarquardt, GaussNewton, Dogleg] as const;

// Coupled fits r = φ(M x) − t, φ(u) = u + c·sin u, x in [−1, 1]⁶ from 0, with
// M (10 × 6) and t per batch element: `rows` holds, per batch element and
// row, M's row then t.
const [N, M] = [6, 10];

function coupledFits(rows: Float64Array, c: number): Objective {
  const x = new Variable('x', Vector(N), new Float64Array(N), { bounds: { lower: Array(N).fill(-1), upper: Array(N).fill(1) } });
  const u = (a: Float64Array, p: Float64Array, i: number) => {
    let s = 0;
    for (let j = 0; j < N; j++) s += a[i * (N + 1) + j]! * p[i * N + j]!;
    return s;
  };
  const fit = new Custom({
    name: 'fit',
    dim: 1,
    variables: [{ variable: x, indices: new Int32Array(M) }],
    auxiliary: [{ name: 'rows', k: N + 1, values: rows, batch: rows.length / (M * (N + 1)) }],
    residual: (count, [p, a], out) => {
      for (let i = 0; i < count; i++) out[i] = u(a!, p!, i) + c * Math.sin(u(a!, p!, i)) - a![i * (N + 1) + N]!;
    },
    jacobians: (count, [p, a], [J]) => {
      for (let i = 0; i < count; i++) {
        const d = 1 + c * Math.cos(u(a!, p!, i));
        for (let j = 0; j < N; j++) J![i * N + j] = d * a![i * (N + 1) + j]!;
      }
    },
  });
  return new Objective([fit]);
}

/** Random rows for B fits: t larger than M's entries, so that the unconstrained minimum is often outside the box. */
function randomRows(random: SeededRandom, B: number): Float64Array {
  return Float64Array.from({ length: B * M * (N + 1) }, (_, i) => (i % (N + 1) === N ? 3 : 1) * random.normal());
}

describe('box bounds', () => {
  test('a quadratic bowl with its minimum outside the box: the nearest corner, both bounds active (LM, GN and Dogleg)', () => {
    for (const Optimizer of OPTIMIZERS) {
      const x = new Variable('x', Vector(2), Float64Array.of(0, 0.5), { bounds: { upper: [1, Infinity], lower: [-Infinity, 0] } });
      const result = new Optimizer(new Objective([new Prior({ variable: x, target: Float64Array.of(2, -1) })])).solve();
      expect(result.status[0]).toBe('converged');
      expect(Array.from(result.values('x'))).toEqual([1, 0]);
      expect(Array.from(result.activeBounds('x'))).toEqual([1, -1]);
      expect(result.finalCost[0]).toBeCloseTo(0.5 * (1 + 1), 12);
    }
  });

  test('a curve fit with a bound on one parameter reaches the optimum of the fit with that parameter fixed at the bound (LM and Dogleg)', () => {
    // y = a·exp(b·t) + c, samples of a = 2, b = −0.7, c = 0.5; c ≤ 0.3 is binding.
    const t = Array.from({ length: 20 }, (_, i) => i / 4);
    const samples = Float64Array.from(t.flatMap((ti) => [ti, 2 * Math.exp(-0.7 * ti) + 0.5]));
    const model = (abc: Variable) =>
      new Custom({
        name: 'curve',
        dim: 1,
        variables: [{ variable: abc, indices: new Int32Array(20) }],
        auxiliary: [{ name: 'samples', k: 2, values: samples }],
        weight: Weight.scale(Float64Array.of(10)),
        residual: (rows, [p, s], r) => {
          for (let i = 0; i < rows; i++) r[i] = p![3 * i]! * Math.exp(p![3 * i + 1]! * s![2 * i]!) + p![3 * i + 2]! - s![2 * i + 1]!;
        },
      });
    const SOLVE = { functionTolerance: 1e-15, parameterTolerance: 1e-15, gradientTolerance: 1e-12, maxIterations: 500 };
    const bounded = new Variable('abc', Vector(3), Float64Array.of(1, -0.3, 0), { bounds: { upper: [Infinity, Infinity, 0.3] } });
    // The reference: c held at 0.3 (a third coordinate that cannot move: its own constant variable through the same model).
    const ab = new Variable('ab', Vector(2), Float64Array.of(1, -0.3));
    const c = new Variable('c', Vector(1), Float64Array.of(0.3), { constant: [0] });
    const reference = new LevenbergMarquardt(
      new Objective([
        new Custom({
          name: 'curve',
          dim: 1,
          variables: [
            { variable: ab, indices: new Int32Array(20) },
            { variable: c, indices: new Int32Array(20) },
          ],
          auxiliary: [{ name: 'samples', k: 2, values: samples }],
          weight: Weight.scale(Float64Array.of(10)),
          residual: (rows, [p, q, s], r) => {
            for (let i = 0; i < rows; i++) r[i] = p![2 * i]! * Math.exp(p![2 * i + 1]! * s![2 * i]!) + q![i]! - s![2 * i + 1]!;
          },
        }),
      ]),
      SOLVE,
    ).solve();
    const want = reference.values('ab');
    for (const Optimizer of [LevenbergMarquardt, Dogleg]) {
      const constrained = new Optimizer(new Objective([model(bounded)]), SOLVE).solve();
      expect(constrained.status[0]).toBe('converged');
      expect(Array.from(constrained.activeBounds('abc'))).toEqual([0, 0, 1]);
      const got = constrained.values('abc');
      expect(Math.abs(got[0]! - want[0]!)).toBeLessThan(1e-7);
      expect(Math.abs(got[1]! - want[1]!)).toBeLessThan(1e-7);
      expect(got[2]).toBe(0.3);
      expect(constrained.finalCost[0]).toBeCloseTo(reference.finalCost[0]!, 10);
    }
  });

  // The fits of coupledFits, random: most end with several coordinates on a
  // bound. The solution is checked against the KKT conditions (∂F/∂x_j = 0
  // where x_j is inside, pointing out of the box where it is on a bound) and
  // against Levenberg-Marquardt's. Dogleg's step only projected (its points
  // not reduced to the free coordinates) ended on a face away from the
  // optimum (a KKT violation above 1e-4, up to 25): 204 of these 500 linear
  // fits and 95 of the nonlinear ones.
  test('500 random coupled linear and 500 nonlinear bounded fits: Dogleg converges to the KKT point, with the active set and cost of LM', () => {
    const B = 500;
    const SOLVE = { functionTolerance: 1e-15, parameterTolerance: 1e-15, gradientTolerance: 1e-10, maxIterations: 500 };
    const random = new SeededRandom(7);
    for (const c of [0, 0.5]) {
      const rows = randomRows(random, B);
      // The largest violation of the KKT conditions at element b's x: the gradient Jᵀr inside, its outward part on a bound.
      const kkt = (b: number, x: Float64Array) => {
        const g = new Float64Array(N);
        for (let i = 0; i < M; i++) {
          const a = rows.subarray((b * M + i) * (N + 1), (b * M + i + 1) * (N + 1));
          const s = x.reduce((sum, xj, j) => sum + a[j]! * xj, 0);
          const r = s + c * Math.sin(s) - a[N]!;
          for (let j = 0; j < N; j++) g[j] += (1 + c * Math.cos(s)) * a[j]! * r;
        }
        return Math.max(...Array.from(g, (gj, j) => (x[j]! <= -1 ? Math.max(0, -gj) : x[j]! >= 1 ? Math.max(0, gj) : Math.abs(gj))));
      };
      const dogleg = new Dogleg(coupledFits(rows, c), SOLVE).solve();
      const lm = new LevenbergMarquardt(coupledFits(rows, c), SOLVE).solve();
      let [violation, cost, severalActive] = [0, 0, 0];
      for (let b = 0; b < B; b++) {
        const active = Array.from(dogleg.activeBounds('x', b));
        expect([b, dogleg.status[b]]).toEqual([b, 'converged']);
        expect([b, active]).toEqual([b, Array.from(lm.activeBounds('x', b))]);
        violation = Math.max(violation, kkt(b, dogleg.values('x', b)), dogleg.gradientNorm[b]!);
        cost = Math.max(cost, Math.abs(dogleg.finalCost[b]! - lm.finalCost[b]!) / lm.finalCost[b]!);
        if (active.filter((a) => a !== 0).length >= 2) severalActive++;
      }
      // Gradients start at tens: 1e-4 is about 1e-6 of them (measured: 2e-7 linear, 6e-6 nonlinear; LM's 5e-7 and 3e-6).
      expect(violation).toBeLessThan(1e-4);
      expect(cost).toBeLessThan(1e-9); // measured 1e-15 and 4e-14
      expect(severalActive).toBeGreaterThan(B / 4);
    }
  });

  test('Dogleg with bounds factors only after an accepted step: a rejected one reuses its reduced points (the held coordinates change only with x)', () => {
    const random = new SeededRandom(11);
    let [rejected, onBound] = [0, 0];
    for (let problem = 0; problem < 20; problem++) {
      const objective = coupledFits(randomRows(random, 1), 0.9);
      const { program } = objective;
      const options = resolveOptions('Dogleg', { functionTolerance: 1e-12 });
      const strategy = (new Dogleg(objective) as unknown as { strategy(batch: number, o: typeof options): Strategy }).strategy(1, options);
      const system = new LinearSystem(program.pattern, 1);
      // Per iteration: the factorisations during it, and whether its step was accepted.
      const factors: number[] = [];
      const accepted: boolean[] = [];
      let count = 0;
      function* counting<T>(steps: LinearSteps<T>): LinearSteps<T> {
        let next = steps.next();
        while (!next.done) {
          if (next.value.op === 'factor') count++;
          next = steps.next(yield next.value);
        }
        return next.value;
      }
      const record = (r: { accepted: Uint8Array }) => {
        factors.push(count);
        accepted.push(r.accepted[0] === 1);
        count = 0;
      };
      const result = runSync(counting(minimize(program, strategy, options, system, performance.now(), () => {}, record)), system);
      system.dispose();
      expect(result.status[0]).toBe('converged');
      if (result.activeBounds('x').some((a) => a !== 0)) onBound++;
      expect(factors[0]).toBeGreaterThan(0);
      for (let k = 1; k < factors.length; k++) expect([problem, k, factors[k]! > 0]).toEqual([problem, k, accepted[k - 1]]);
      rejected += accepted.filter((a) => !a).length;
    }
    expect(rejected).toBeGreaterThan(20); // measured 324
    expect(onBound).toBe(20);
  });

  test('BAD CALL - the differentiable layer refuses bounds (not differentiated there yet)', () => {
    const x = new Variable('x', Vector(2), Float64Array.of(0, 0.5), { bounds: { upper: [1, Infinity] } });
    const objective = new Objective([new Prior({ variable: x, target: Float64Array.of(2, -1) })]);
    expect(() => new DifferentiableSolve(new LevenbergMarquardt(objective))).toThrow(
      /'optimizer' must be an optimiser of an objective without box bounds .*got bounds on variable 'x'/,
    );
  });

  test('BAD CALL - bounds on a non-Vector, of the wrong length, crossed, or initial values outside', () => {
    const v =
      (options: object, values = Float64Array.of(0, 0)) =>
      () =>
        new Variable('x', Vector(2), values, options);
    expect(v({ bounds: { lower: [0] } })).toThrow(new RangeError("Variable: 'options.bounds.lower' must be 2 numbers (one per coordinate), got 1"));
    expect(v({ bounds: { lower: [1, 0], upper: [0, 1] } })).toThrow(/'options.bounds' must be lower ≤ upper in every coordinate, got 1 > 0 at coordinate 0/);
    expect(v({ bounds: { lower: [0.5, -Infinity] } })).toThrow(
      /'values' must be within options.bounds \(\[0.5, Infinity\] at coordinate 0\), got 0 at index 0/,
    );
    expect(v({ bounds: { lower: 'x' } })).toThrow(TypeError);
    expect(() => new Variable('q', Vector(1), Float64Array.of(0), { bounds: { upper: [NaN] } })).toThrow(/NaN at index 0/);
  });
});
