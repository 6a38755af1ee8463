import {
  Custom,
  Dogleg,
  GaussNewton,
  LevenbergMarquardt,
  Objective,
  Prior,
  SE2,
  SeededRandom,
  Variable,
  Vector,
  noisyMeasurements,
  poseGraphObjective,
  type OptimizerOptions,
} from '../../lib/index.js';
import { Program } from '../../lib/core/program.js';
import { runSync } from '../../lib/linear/drivers.js';
import { LinearSystem } from '../../lib/linear/linear-system.js';
import { minimize } from '../../lib/optim/minimizer.js';
import { resolveOptions } from '../../lib/optim/options.js';
import type { Strategy } from '../../lib/optim/strategy.js';
import { drawnGraphFeatures, gridGraph, gridTruth } from '../helpers/graphs.js';
import { denseSolve, relativeError } from '../helpers/problems.js';
import { wrap } from '../io/pose-graph-cost.js';

const optimizers = { LevenbergMarquardt, GaussNewton, Dogleg } as const;

/** y = a·exp(b·t) + c sampled without noise, for B parameter sets at once. */
function exponentialFit(batch: number) {
  const t = Float64Array.from({ length: 40 }, (_, i) => i / 10);
  const truth = Float64Array.from({ length: batch * 3 }, (_, i) => [2, -0.7, 0.5][i % 3]! * (1 + 0.1 * Math.floor(i / 3)));
  const samples = new Float64Array(batch * t.length * 2);
  for (let b = 0; b < batch; b++) {
    const [a, k, c] = truth.subarray(b * 3, b * 3 + 3);
    t.forEach((ti, i) => samples.set([ti, a! * Math.exp(k! * ti) + c!], (b * t.length + i) * 2));
  }
  // Near enough for plain Gauss-Newton, which is not globally convergent (b = 0 would make JᵀJ singular).
  const params = new Variable('params', Vector(3), new Float64Array([1.5, -0.4, 0.2]));
  const residual = (rows: number, [p, s]: readonly Float64Array[], out: Float64Array) => {
    for (let i = 0; i < rows; i++) out[i] = p![3 * i]! * Math.exp(p![3 * i + 1]! * s![2 * i]!) + p![3 * i + 2]! - s![2 * i + 1]!;
  };
  const fit = new Custom({
    name: 'fit',
    dim: 1,
    variables: [{ variable: params, indices: new Int32Array(t.length) }],
    auxiliary: [{ name: 'samples', values: samples, k: 2, batch }],
    residual,
  });
  return { objective: new Objective([fit]), truth };
}

/**
 * r = A x − b (x ∈ ℝ³, 12 rows, J = A given) for B right-hand sides, and its
 * minimiser from the normal equations AᵀA x = Aᵀb solved here by dense
 * Cholesky, with the minimum ½‖A x − b‖² per element.
 */
function linearLeastSquares(batch: number) {
  const rows = 12;
  const random = new SeededRandom(23);
  const A = random.normals(rows * 3);
  const b = random.normals(batch * rows);
  const x = new Variable('x', Vector(3), new Float64Array(3));
  const fit = new Custom({
    name: 'linear',
    dim: 1,
    variables: [{ variable: x, indices: new Int32Array(rows) }],
    auxiliary: [
      { name: 'A', values: A, k: 3 },
      { name: 'b', values: b, k: 1, batch },
    ],
    residual: (count, [p, a, y], out) => {
      for (let i = 0; i < count; i++) out[i] = a![3 * i]! * p![3 * i]! + a![3 * i + 1]! * p![3 * i + 1]! + a![3 * i + 2]! * p![3 * i + 2]! - y![i]!;
    },
    jacobians: (count, [, a], [j]) => j!.set(a!.subarray(0, 3 * count)),
  });
  const AtA = new Float64Array(9);
  for (let i = 0; i < rows; i++) for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) AtA[3 * r + c]! += A[3 * i + r]! * A[3 * i + c]!;
  const solutions: Float64Array[] = [];
  const minima: number[] = [];
  for (let e = 0; e < batch; e++) {
    const Atb = new Float64Array(3);
    for (let i = 0; i < rows; i++) for (let r = 0; r < 3; r++) Atb[r]! += A[3 * i + r]! * b[e * rows + i]!;
    const solution = denseSolve(AtA, Atb);
    let cost = 0;
    for (let i = 0; i < rows; i++) cost += (A[3 * i]! * solution[0]! + A[3 * i + 1]! * solution[1]! + A[3 * i + 2]! * solution[2]! - b[e * rows + i]!) ** 2 / 2;
    solutions.push(solution);
    minima.push(cost);
  }
  return { objective: new Objective([fit]), solutions, minima };
}

describe('optimisers', () => {
  for (const [name, Optimizer] of Object.entries(optimizers)) {
    test(`${name} fits a batch of exponentials to their true parameters`, () => {
      const { objective, truth } = exponentialFit(4);
      const result = new Optimizer(objective).solve();
      expect(result.status).toEqual(['converged', 'converged', 'converged', 'converged']);
      const p = result.values('params');
      for (let i = 0; i < truth.length; i++) expect(p[i]).toBeCloseTo(truth[i]!, 6);
      for (const cost of result.finalCost) expect(cost).toBeLessThan(1e-12);
    });

    test(`${name} reaches the minimiser of a linear least-squares problem, solved in the test by its normal equations`, () => {
      const { objective, solutions, minima } = linearLeastSquares(3);
      const result = new Optimizer(objective, { functionTolerance: 0, parameterTolerance: 0 }).solve();
      expect(result.status).toEqual(['converged', 'converged', 'converged']);
      // A cost-based stop resolves x to about √ε of the normal equations' solution.
      const x = result.values('x');
      for (let e = 0; e < 3; e++) {
        expect(relativeError(x.subarray(3 * e, 3 * e + 3), solutions[e]!)).toBeLessThan(1e-7);
        expect(Math.abs(result.finalCost[e]! - minima[e]!) / minima[e]!).toBeLessThan(1e-12);
      }
    });

    test(`${name} finds the true poses of a grid graph whose measurements agree with them (cost 0), from perturbed poses`, () => {
      const side = 5;
      const truth = gridTruth(side);
      const graph = gridGraph(side, 0, 31); // measurements between the true poses, no noise
      const random = new SeededRandom(32);
      const fixed = new Set(graph.fixed); // held constant at the truth
      const poses = truth.map((v, i) => (fixed.has(Math.floor(i / 3)) ? v : v + 0.1 * random.normal()));
      // Tolerances 0: the stop is the gradient tolerance (the defaults stop ~1e-8·‖x‖ short of it).
      const result = new Optimizer(poseGraphObjective({ ...graph, poses }).objective, { functionTolerance: 0, parameterTolerance: 0 }).solve();
      expect(result.status[0]).toBe('converged');
      expect(result.initialCost[0]).toBeGreaterThan(10);
      expect(result.finalCost[0]).toBeLessThan(1e-18); // the stop at ‖Jᵀr‖∞ ≤ 1e-10 leaves ~1e-20
      const solved = result.values('poses');
      let worst = 0;
      for (let i = 0; i < truth.length; i++) worst = Math.max(worst, Math.abs(i % 3 === 2 ? wrap(solved[i]! - truth[i]!) : solved[i]! - truth[i]!));
      expect(worst).toBeLessThan(1e-10);
    });

    test(`${name} solves a noisy SE2 grid graph`, () => {
      const graph = gridGraph(6, 0.05, 11);
      const { objective } = poseGraphObjective(graph);
      const result = new Optimizer(objective).solve();
      expect(result.status[0]).toBe('converged');
      expect(result.finalCost[0]).toBeLessThan(result.initialCost[0]!);
      expect(result.history[0]![0]).toBe(result.initialCost[0]);
      expect(result.history[0]).toHaveLength(result.iterations[0]! + 1);
      expect(result.history[0]![result.iterations[0]!]).toBe(result.finalCost[0]);
    });
  }

  test('values(name, element) is one batch element of values(name); history has iterations + 1 costs per element', () => {
    const graph = gridGraph(4, 0.05, 13);
    const measurements = noisyMeasurements(graph, 3, 0.02, 5);
    const result = new LevenbergMarquardt(poseGraphObjective(graph, { measurements }).objective).solve();
    const all = result.values('poses');
    const per = all.length / 3;
    for (let b = 0; b < 3; b++) {
      expect(result.values('poses', b)).toEqual(all.subarray(b * per, (b + 1) * per));
      expect(result.bestValues('poses', b)).toEqual(result.bestValues('poses').subarray(b * per, (b + 1) * per));
      expect(result.history[b]).toHaveLength(result.iterations[b]! + 1);
    }
    expect(() => result.values('poses', 3)).toThrow(new RangeError("SolveResult.values: 'element' must be an integer in [0, 2], got 3"));
    expect(() => result.values('poses', 0.5)).toThrow(RangeError);
  });

  test('Levenberg-Marquardt, Gauss-Newton and Dogleg reach the same minimum', () => {
    const graph = gridGraph(5, 0.05, 12);
    const costs = Object.values(optimizers).map((O) => new O(poseGraphObjective(graph).objective).solve().finalCost[0]!);
    for (const c of costs) expect(Math.abs(c - costs[0]!) / costs[0]!).toBeLessThan(1e-6);
  });

  test('every batch element iterates exactly as it would alone', () => {
    const graph = gridGraph(6, 0.02, 13);
    const batch = 5;
    const measurements = noisyMeasurements(graph, batch, 0.05, 7);
    for (const Optimizer of Object.values(optimizers)) {
      const together = new Optimizer(poseGraphObjective(graph, { measurements }).objective).solve();
      const poses = together.values('poses');
      const per = graph.poses.length;
      for (let b = 0; b < batch; b++) {
        const alone = new Optimizer(
          poseGraphObjective(graph, { measurements: measurements.subarray(b * graph.measurements.length, (b + 1) * graph.measurements.length) }).objective,
        ).solve();
        expect(together.iterations[b]).toBe(alone.iterations[0]);
        expect(together.status[b]).toBe(alone.status[0]);
        expect(together.finalCost[b]).toBe(alone.finalCost[0]);
        expect(Array.from(poses.subarray(b * per, (b + 1) * per))).toEqual(Array.from(alone.values('poses')));
      }
    }
  });

  test('a batch solved in two halves whose work overlaps (two or more threads) gives exactly what one pass gives', () => {
    // 5 × ~760 edges × 18 Jacobian entries: enough to overlap. Seed 4's graph has every feature of
    // gridGraph (edges on constant poses only, a self-loop, shuffled edges) and elements that stop apart.
    expect(drawnGraphFeatures(4)).toEqual({ constantEdges: true, selfLoops: true, shuffled: true });
    const graph = gridGraph(20, 0.1, 4);
    const batch = 5;
    const measurements = noisyMeasurements(graph, batch, 0.3, 3);
    const stopTimes = new Set<string>();
    const views = jest.spyOn(Program.prototype, 'elementRange');
    for (const Optimizer of Object.values(optimizers)) {
      const run = (threads: number) => {
        const lines: string[] = [];
        const seen: { iteration: number; cost: number[]; running: number }[] = [];
        const result = new Optimizer(poseGraphObjective(graph, { measurements }).objective, {
          linearSolver: { threads },
          verbose: (line) => lines.push(line.slice(0, line.lastIndexOf(' ', line.trimEnd().length - 1))), // without total_time
          onIteration: ({ iteration, cost, running }) => seen.push({ iteration, cost: Array.from(cost), running }),
        }).solve();
        return { result, lines, seen };
      };
      const one = run(1);
      const halves = run(2);
      for (const key of ['status', 'reason', 'iterations', 'initialCost', 'finalCost', 'bestCost', 'history'] as const) {
        expect(halves.result[key]).toEqual(one.result[key]);
      }
      expect(halves.result.values('poses')).toEqual(one.result.values('poses'));
      expect(halves.result.bestValues('poses')).toEqual(one.result.bestValues('poses'));
      stopTimes.add(Array.from(one.result.iterations).join());
      expect(halves.lines).toEqual(one.lines);
      expect(halves.seen).toEqual(one.seen);
      expect(halves.seen.map((s) => s.iteration)).toEqual(Array.from({ length: Math.max(...one.result.iterations) }, (_, i) => i + 1));
    }
    expect(stopTimes).toContain('6,7,7,8,7'); // Levenberg-Marquardt's elements stop at different iterations
    expect(views.mock.calls).toEqual(
      Array.from({ length: 3 }, () => [
        [0, 2],
        [2, 5],
      ]).flat(),
    );
    views.mockRestore();
  });

  test('an error thrown by onIteration leaves the overlapping halves cleanly', () => {
    const graph = gridGraph(20, 0.05, 22);
    const { objective } = poseGraphObjective(graph, { measurements: noisyMeasurements(graph, 4, 0.05, 1) });
    const failing = new LevenbergMarquardt(objective, {
      linearSolver: { threads: 2 },
      onIteration: ({ iteration }) => {
        if (iteration === 2) throw new Error('stop here');
      },
    });
    expect(() => failing.solve()).toThrow('stop here');
    expect(new LevenbergMarquardt(objective, { linearSolver: { threads: 2 } }).solve().converged).toBe(true);
  });

  test('EXPECTED FAILURE - non-finite residuals at the initial values fail that element only', () => {
    const x = new Variable('x', Vector(1), Float64Array.of(1, -1), { batch: 2 });
    const sqrtTerm = new Custom({
      dim: 1,
      variables: [x],
      residual: (rows, [v], out) => {
        for (let i = 0; i < rows; i++) out[i] = Math.sqrt(v![i]!) - 2;
      },
    });
    const result = new LevenbergMarquardt(new Objective([sqrtTerm])).solve();
    expect(result.status).toEqual(['converged', 'failed']);
    expect(result.reason[1]).toBe(
      "non-finite residual or Jacobian at the initial values: term 'custom', instance 0: its residual is NaN (NaN: not written, or computed from NaN)",
    );
    expect(result.values('x')[0]).toBeCloseTo(4, 6);
  });

  test('EXPECTED FAILURE - solveAsync gives what solve gives when elements fail (NaN steps stay out of J·y)', async () => {
    const x = new Variable('x', Vector(1), Float64Array.of(1, -1, 9), { batch: 3 });
    const sqrtTerm = new Custom({
      dim: 1,
      variables: [x],
      residual: (rows, [v], out) => {
        for (let i = 0; i < rows; i++) out[i] = Math.sqrt(v![i]!) - 2;
      },
    });
    for (const Optimizer of Object.values(optimizers)) {
      const sync = new Optimizer(new Objective([sqrtTerm])).solve();
      const async = await new Optimizer(new Objective([sqrtTerm])).solveAsync();
      expect(async.status).toEqual(sync.status);
      expect(async.status[1]).toBe('failed');
      expect(async.iterations).toEqual(sync.iterations);
      expect(async.values('x')).toEqual(sync.values('x'));
    }
    // A singular Gauss-Newton system in one element of two.
    const graph = gridGraph(3, 0.05, 14);
    const free = { ...graph, fixed: new Int32Array(0) };
    const measurements = noisyMeasurements(free, 2, 0.01, 3);
    const sync = new GaussNewton(poseGraphObjective(free, { measurements }).objective).solve();
    const async = await new GaussNewton(poseGraphObjective(free, { measurements }).objective).solveAsync();
    expect(async.status).toEqual(['failed', 'failed']);
    expect(async.reason).toEqual(sync.reason);
  });

  test('EXPECTED FAILURE - Gauss-Newton on a singular system fails with the reason', () => {
    const graph = gridGraph(3, 0.05, 14);
    const { objective } = poseGraphObjective({ ...graph, fixed: new Int32Array(0) }); // gauge freedom
    const result = new GaussNewton(objective).solve();
    expect(result.status[0]).toBe('failed');
    expect(result.reason[0]).toMatch(/^the Gauss-Newton system JᵀJ is not positive definite .*; LevenbergMarquardt damps it$/);
  });

  test('stops at the iteration limit and reports it', () => {
    const graph = gridGraph(6, 0.1, 15);
    const result = new LevenbergMarquardt(poseGraphObjective(graph).objective, { maxIterations: 2 }).solve();
    expect(result.status[0]).toBe('iteration-limit');
    expect(result.iterations[0]).toBe(2);
    expect(result.reason[0]).toBe('iteration limit (2) reached');
  });

  test('never modifies the variables; the solution is in the result', () => {
    const x = new Variable('x', SE2, Float64Array.of(1, 2, 0.3));
    const before = x.values;
    const result = new LevenbergMarquardt(new Objective([new Prior({ variable: x, target: new Float64Array(3) })])).solve();
    expect(x.values).toEqual(before);
    expect(Array.from(result.values('x'), (v) => Math.abs(v) < 1e-9)).toEqual([true, true, true]);
  });

  test('prints an iteration table and calls onIteration', () => {
    const lines: string[] = [];
    const seen: number[] = [];
    const options: OptimizerOptions = { verbose: (line) => lines.push(line), onIteration: (info) => seen.push(info.iteration) };
    const result = new LevenbergMarquardt(poseGraphObjective(gridGraph(4, 0.05, 16)).objective, options).solve();
    expect(lines[0]).toMatch(/^iter\s+cost\s+cost_change\s+\|gradient\|\s+\|step\|\s+tr_ratio\s+tr_radius\s+total_time$/);
    expect(lines.length).toBe(result.iterations[0]! + 2);
    expect(seen).toEqual(Array.from({ length: result.iterations[0]! }, (_, i) => i + 1));
  });

  test('solveAsync gives the same result and can be aborted', async () => {
    const graph = gridGraph(6, 0.05, 17);
    const sync = new LevenbergMarquardt(poseGraphObjective(graph).objective).solve();
    const async = await new LevenbergMarquardt(poseGraphObjective(graph).objective).solveAsync();
    expect(async.finalCost).toEqual(sync.finalCost);
    expect(async.iterations).toEqual(sync.iterations);
    const controller = new AbortController();
    const pending = new LevenbergMarquardt(poseGraphObjective(graph).objective, { onIteration: () => controller.abort() }).solveAsync({
      signal: controller.signal,
    });
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  test('a time limit of 0 takes no step', () => {
    const { objective } = poseGraphObjective(gridGraph(6, 0.1, 18));
    const none = new LevenbergMarquardt(objective, { timeLimit: 0 }).solve();
    expect([none.status[0], none.iterations[0], none.finalCost[0]]).toEqual(['time-limit', 0, none.initialCost[0]]);
    expect(none.reason[0]).toBe('time limit (0 s) reached before the first step');
    // Nor the final factorisation of the observability check: its time is up.
    expect(none.rankDeficient).toEqual([undefined]);
  });

  test('BAD CALL - bad options name the option', () => {
    const { objective } = poseGraphObjective(gridGraph(3, 0.05, 19));
    expect(() => new LevenbergMarquardt(objective, { functionTolerance: -1 })).toThrow(
      new RangeError("LevenbergMarquardt: 'options.functionTolerance' must be a finite number ≥ 0, got -1"),
    );
    expect(() => new Dogleg(objective, { maxIterations: -1 })).toThrow(
      new RangeError("Dogleg: 'options.maxIterations' must be an integer in [0, 1000000000], got -1"),
    );
    expect(() => new GaussNewton(objective, { parameterTolerance: NaN })).toThrow(/'options.parameterTolerance' must be a finite number ≥ 0, got NaN/);
    expect(() => new LevenbergMarquardt(objective, { maxIteration: 3 } as never)).toThrow(/'options' must be an object with keys among/);
    expect(() => new LevenbergMarquardt({} as never)).toThrow(new TypeError("LevenbergMarquardt: 'objective' must be an Objective, got an object"));
  });

  test('BAD CALL - trust-region options: one requirement per option; a relation names an option the caller gave', () => {
    const { objective } = poseGraphObjective(gridGraph(3, 0.05, 19));
    const bad = (options: OptimizerOptions) => () => new Dogleg(objective, options);
    const range = (message: string) => new RangeError(`Dogleg: ${message}`);
    expect(bad({ initialTrustRegionRadius: 1e20 })).toThrow(
      range("'options.initialTrustRegionRadius' must be at most 'options.maxTrustRegionRadius' (10000000000000000, the default), got 100000000000000000000"),
    );
    expect(bad({ initialTrustRegionRadius: 1e-40 })).toThrow(
      range("'options.initialTrustRegionRadius' must be at least 'options.minTrustRegionRadius' (1e-32, the default), got 1e-40"),
    );
    expect(bad({ minTrustRegionRadius: 1, initialTrustRegionRadius: 0.5 })).toThrow(
      range("'options.minTrustRegionRadius' must be at most 'options.initialTrustRegionRadius' (0.5), got 1"),
    );
    expect(bad({ minDiagonal: 2, maxDiagonal: 1 })).toThrow(range("'options.minDiagonal' must be at most 'options.maxDiagonal' (1), got 2"));
    expect(bad({ maxDiagonal: 1e-7 })).toThrow(range("'options.maxDiagonal' must be at least 'options.minDiagonal' (0.000001, the default), got 1e-7"));
    expect(bad({ minRelativeDecrease: 1 })).toThrow(range("'options.minRelativeDecrease' must be a number in (0, 1), got 1"));
    for (const shrink of [-1, 0, 1, NaN])
      expect(bad({ trustRegionShrink: shrink })).toThrow(range(`'options.trustRegionShrink' must be a number in (0, 1), got ${shrink}`));
    expect(bad({ trustRegionGrowth: 1 })).toThrow(range("'options.trustRegionGrowth' must be a finite number > 1, got 1"));
    expect(bad({ initialTrustRegionRadius: 0 })).toThrow(range("'options.initialTrustRegionRadius' must be a finite number > 0, got 0"));
    expect(bad({ maxTrustRegionRadius: '1' as never })).toThrow(new TypeError("Dogleg: 'options.maxTrustRegionRadius' must be a number, got a string"));
  });

  test("a recorder sees every iteration's decisions: replaying the accepted steps from the initial point gives the solution to the bit", () => {
    const graph = gridGraph(5, 0.1, 7);
    const { objective } = poseGraphObjective(graph, { measurements: noisyMeasurements(graph, 2, 0.05, 3) });
    const { program } = objective;
    const options = resolveOptions('LevenbergMarquardt', {});
    const system = new LinearSystem(program.pattern, program.batch);
    const records: { accepted: Uint8Array; candidates: Uint8Array; delta: Float64Array; radius: Float64Array }[] = [];
    const strategy = (new LevenbergMarquardt(objective) as unknown as { strategy(batch: number, o: typeof options): Strategy }).strategy(
      program.batch,
      options,
    );
    const result = runSync(
      minimize(
        program,
        strategy,
        options,
        system,
        performance.now(),
        () => {},
        (r) => records.push({ accepted: r.accepted.slice(), candidates: r.candidates.slice(), delta: r.delta.slice(), radius: r.radius.slice() }),
      ),
      system,
    );
    system.dispose();
    expect(records.length).toBe(Math.max(...result.iterations));
    let x = program.initialState();
    for (const r of records) {
      for (let b = 0; b < program.batch; b++) {
        if (!r.candidates[b]) expect(r.delta.subarray(b * program.n, (b + 1) * program.n).every((v) => v === 0)).toBe(true);
      }
      const next = x.map((v) => v.slice());
      program.retract(x, r.delta, next, r.accepted);
      x = next;
    }
    expect(x[0]).toEqual(result.values('poses'));
    expect(records[0]!.radius).toEqual(Float64Array.of(1e4, 1e4)); // the initial radius: λ = 1e-4
  });

  test('the optimisers pass the damping bounds and the radius bounds on', () => {
    const { objective } = poseGraphObjective(gridGraph(6, 0.05, 11));
    const standard = new LevenbergMarquardt(objective).solve();
    // A large lower bound on D damps more: another path, the same minimum.
    const damped = new LevenbergMarquardt(objective, { minDiagonal: 1e2 }).solve();
    expect(damped.history[0]).not.toEqual(standard.history[0]);
    expect(Math.abs(damped.finalCost[0]! - standard.finalCost[0]!) / standard.finalCost[0]!).toBeLessThan(1e-6);
    // A maximum radius bounds λ = 1/radius from below: another path.
    const capped = new LevenbergMarquardt(objective, { maxTrustRegionRadius: 1e4 }).solve();
    expect(capped.history[0]).not.toEqual(standard.history[0]);
    // r = atan(10x) from x = 1: the undamped first step overshoots (cost 2.16 → 2.44) and is rejected,
    // which halves the radius: below a minimum radius equal to the initial one, the element stops.
    const x = new Variable('x', Vector(1), Float64Array.of(1));
    const atan = new Objective([
      new Custom({
        dim: 1,
        variables: [{ variable: x, indices: [0] }],
        residual: (rows, [v], out) => {
          for (let i = 0; i < rows; i++) out[i] = Math.atan(10 * v![i]!);
        },
      }),
    ]);
    const stopped = new LevenbergMarquardt(atan, { initialTrustRegionRadius: 1e16, minTrustRegionRadius: 1e16 }).solve();
    expect([stopped.reason[0], stopped.iterations[0]]).toEqual(['minimum trust region radius reached', 1]);
    const goesOn = new LevenbergMarquardt(atan, { initialTrustRegionRadius: 1e16 }).solve();
    expect(goesOn.status[0]).toBe('converged');
    expect(goesOn.iterations[0]).toBeGreaterThan(1);
  });

  test('the trust-region options change the path as they say', () => {
    // A smaller growth factor keeps Dogleg's radius smaller: more iterations to the same minimum.
    const { objective } = poseGraphObjective(gridGraph(6, 0.05, 11));
    const options = { initialTrustRegionRadius: 1e-2 };
    const standard = new Dogleg(objective, options).solve();
    const slow = new Dogleg(objective, { ...options, trustRegionGrowth: 1.1 }).solve();
    expect(standard.status[0]).toBe('converged');
    expect(slow.iterations[0]).toBeGreaterThan(standard.iterations[0]!);
    expect(Math.abs(slow.finalCost[0]! - standard.finalCost[0]!) / standard.finalCost[0]!).toBeLessThan(1e-6);
    // A minimum relative decrease near 1 rejects steps that the default accepts.
    const strict = new LevenbergMarquardt(objective, { minRelativeDecrease: 0.99 }).solve();
    const loose = new LevenbergMarquardt(objective).solve();
    expect(strict.iterations[0]).not.toBe(loose.iterations[0]);
  });
});
