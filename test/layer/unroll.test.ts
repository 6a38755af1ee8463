// The unrolled, truncated and DLM backwards of ariadne/layer against central
// differences of the whole forward (DESIGN.md §7). Unroll is the derivative
// of the iterations themselves: against a forward of a few Gauss-Newton steps
// (the truth that very solve, initial values included) it is exact on every
// problem; against the minimum, a converged solve's unroll is off by how far
// the iterates' derivative had converged when the cost stopped changing
// (about K·√ε relative: 1e-8 to 2e-6 here). truncated and dlm are printed.
import {
  Dogleg,
  LevenbergMarquardt,
  NormalEquations,
  Objective,
  Prior,
  RobustLoss,
  Variable,
  Vector,
  Weight,
  manhattanWorld,
  poseGraphObjective,
  sphereWorld,
} from '../../lib/index.js';
import { LinearSystem, type FactorSnapshot } from '../../lib/linear/linear-system.js';
import { solveRecordingSteps, type Trajectory } from '../../lib/layer/unroll.js';
import { DifferentiableSolve, dlm, truncated } from '../../lib/layer/index.js';
import { finiteDifference, relativeError } from '../helpers/layer.js';
import { SOLVE, TARGET, compare, curveFit, curveObjective, makeLayer, poseGraph, type Case } from '../helpers/layer-cases.js';

/** A few Gauss-Newton steps: the forward the finite differences re-run as it is. */
const FEW_STEPS = (steps: number) => ({ mode: 'unroll' as const, gaussNewton: true, solve: { ...SOLVE, maxIterations: steps } });

/** The curve fit started near its solution (Gauss-Newton diverges from the default start). */
const nearStart = (c: Case): Case => ({ ...c, inputs: { ...c.inputs, abc: Float64Array.of(2.3, -1.2, 0.45) } });

const expectAll = (errors: Record<string, number>, target = TARGET) => {
  for (const error of Object.values(errors)) expect(error).toBeLessThan(target);
};

describe('unrolled backward against finite differences of the whole forward', () => {
  test('(a) curve fitting: exact for a few steps (initial values too) and for converged solves', () => {
    expectAll(compare('curve, 3 GN steps', nearStart(curveFit(0.3, FEW_STEPS(3))), ['samples', 'abc'], { asSolved: true }));
    expectAll(compare('curve, noisy, LM', curveFit(0.3, { mode: 'unroll' }), ['samples']));
    expectAll(compare('curve, noisy, GN', nearStart(curveFit(0.3, { mode: 'unroll', gaussNewton: true })), ['samples']));
    compare('curve, noisy', curveFit(0.3, { mode: truncated(3) }), ['samples']);
    compare('curve, noisy', curveFit(0.3, { mode: dlm(1e-4) }), ['samples']);
  });

  test('truncated(k) is the derivative of the last k steps from the point before them held fixed', () => {
    // Four Gauss-Newton steps differentiated through their last two, against two steps re-run from x₂.
    const first = nearStart(curveFit(0.3, FEW_STEPS(2)));
    const x2 = first.layer.forward(first.inputs).values['abc']!;
    first.layer.dispose();
    const layer = nearStart(curveFit(0.3, { mode: truncated(2), gaussNewton: true, solve: { ...SOLVE, maxIterations: 4 } }));
    const { values } = layer.layer.forward(layer.inputs);
    const upstream = { abc: Float64Array.of(0.3, -1.1, 0.7) };
    const analytic = layer.layer.backward(upstream);
    expect(analytic['abc']).toEqual(new Float64Array(3)); // the start is held constant
    const lastTwo = curveFit(0.3, FEW_STEPS(2));
    const truth = finiteDifference(lastTwo.layer, { ...lastTwo.inputs, abc: x2 }, 'samples', values, upstream, { asSolved: true });
    const error = relativeError(analytic['samples']!, truth.gradient);
    console.log(`curve, truncated(2) of 4 GN steps against the last two re-run: samples ${error.toExponential(2)}`);
    expect(error).toBeLessThan(TARGET);
    layer.layer.dispose();
    lastTwo.layer.dispose();
  });

  test('(b) 2D pose graph: measurements and full square-root information', () => {
    const world = () => manhattanWorld({ poses: 20, seed: 5 });
    expectAll(compare('SE2 graph, 4 GN steps', poseGraph(world(), FEW_STEPS(4)), ['edges.measurement', 'edges.weight'], { asSolved: true }));
    // The initial values after one step (after a few, x depends on them only at rounding level).
    const one = poseGraph(world(), FEW_STEPS(1));
    one.inputs['poses'] = world().graph.poses;
    expectAll(compare('SE2 graph, 1 GN step', one, ['poses'], { asSolved: true }));
    expectAll(compare('SE2 graph, noisy', poseGraph(world(), { mode: 'unroll' }), ['edges.measurement', 'edges.weight']));
    compare('SE2 graph, noisy', poseGraph(world(), { mode: truncated(2) }), ['edges.measurement']);
    compare('SE2 graph, noisy', poseGraph(world(), { mode: dlm(1e-4) }), ['edges.measurement', 'edges.weight']);
  });

  test('(c) SE3 graph with quaternion measurements and initial values given at norm 2', () => {
    const world = sphereWorld({ rings: 3, perRing: 5, seed: 2 });
    for (const setup of [FEW_STEPS(1), { mode: 'unroll' as const }]) {
      const graphCase = poseGraph(world, setup);
      const scaled = (x: Float64Array) => x.map((v, i) => (i % 7 >= 3 ? 2 * v : v));
      graphCase.inputs['edges.measurement'] = scaled(graphCase.inputs['edges.measurement']!);
      const names = ['edges.measurement'];
      if (setup.mode === 'unroll' && 'gaussNewton' in setup) {
        graphCase.inputs['poses'] = scaled(world.graph.poses);
        names.push('poses');
      }
      expectAll(compare(`SE3 graph, ${'gaussNewton' in setup ? '1 GN step' : 'noisy'}`, graphCase, names, { asSolved: 'gaussNewton' in setup }));
    }
  });

  test('(d) robust problems: weight and log loss radius', () => {
    const cauchy = () => RobustLoss.cauchy(0.5);
    expectAll(
      compare('curve, Cauchy, 4 GN steps', nearStart(curveFit(0.3, FEW_STEPS(4), cauchy())), ['samples', 'curve.weight', 'curve.loss'], {
        asSolved: true,
        scale: 2e-5,
      }),
    );
    // Converged: the cost stops changing while the iterates' derivative is still some 1e-6 from its limit.
    expectAll(compare('curve, Cauchy', curveFit(0.3, { mode: 'unroll' }, cauchy()), ['samples', 'curve.weight', 'curve.loss'], { scale: 2e-5 }), 1e-5);
    const graph = () => manhattanWorld({ poses: 20, seed: 8 });
    expectAll(
      compare('SE2 graph, Cauchy, 4 GN steps', poseGraph(graph(), FEW_STEPS(4), { loss: RobustLoss.cauchy(2) }), ['edges.loss', 'edges.measurement'], {
        asSolved: true,
      }),
    );
    expectAll(compare('SE2 graph, Cauchy', poseGraph(graph(), { mode: 'unroll' }, { loss: RobustLoss.cauchy(2) }), ['edges.loss', 'edges.measurement']), 1e-5);
    compare('SE2 graph, Cauchy', poseGraph(graph(), { mode: dlm(1e-4) }, { loss: RobustLoss.cauchy(2) }), ['edges.loss']);
  });
});

describe('modes: what each refuses and releases', () => {
  const { objective, edges } = poseGraphObjective(manhattanWorld({ poses: 8, seed: 1 }).graph);
  const inputs = { 'edges.measurement': edges.auxiliary[0]!.values };

  test('bad modes name the argument', () => {
    expect(() => truncated(0)).toThrow(new RangeError("truncated: 'k' must be an integer ≥ 1 (the steps unrolled), got 0"));
    expect(() => truncated(1.5)).toThrow(RangeError);
    expect(() => dlm(0)).toThrow(new RangeError("dlm: 'epsilon' must be a finite number > 0, got 0"));
    expect(() => dlm(-1)).toThrow(RangeError);
    const lm = new LevenbergMarquardt(objective);
    expect(() => new DifferentiableSolve(lm, { mode: 'unroll', exactHessian: true })).toThrow(
      new RangeError("DifferentiableSolve: 'options.exactHessian' must be true only with options.mode 'implicit', got true with 'unroll'"),
    );
    expect(() => new DifferentiableSolve(lm, { mode: dlm(1e-3), exactHessian: true })).toThrow(/true with dlm\(0.001\)/);
    expect(() => new DifferentiableSolve(lm, { mode: 'unrolled' as never })).toThrow(RangeError);
    expect(() => new DifferentiableSolve(lm, { mode: { kind: 'truncated', steps: 0 } as never })).toThrow(/'options.mode.steps' must be an integer ≥ 1/);
    expect(() => new DifferentiableSolve(new Dogleg(objective), { mode: 'unroll' })).toThrow(
      new RangeError(
        "DifferentiableSolve: 'options.mode' must be 'implicit' or dlm(ε) for Dogleg (unroll and truncated differentiate Gauss-Newton and Levenberg-Marquardt steps), got 'unroll'",
      ),
    );
    expect(() => new DifferentiableSolve(new Dogleg(objective), { mode: truncated(2) })).toThrow(/got truncated\(2\)/);
  });

  test("the unrolled backward reuses the forward's factor of each kept step: it factors nothing, the steps' factors counted in retainedBytes and freed by the backward", () => {
    for (const mode of ['unroll', truncated(2)] as const) {
      const layer = new DifferentiableSolve(new LevenbergMarquardt(objective), { mode });
      const { values, result } = layer.forward(inputs);
      const kept = layer.retainedBytes;
      const pathOnly = values['poses']!.byteLength * (Math.min(result.iterations[0]!, mode === 'unroll' ? Infinity : 2) + 2);
      expect(kept).toBeGreaterThan(pathOnly); // the states alone, and the factors besides
      const before = layer.factorizationCount;
      const gradient = layer.backward({ poses: values['poses']!.map(() => 1) })['edges.measurement']!;
      expect(layer.factorizationCount).toBe(before);
      expect(gradient.every(Number.isFinite)).toBe(true);
      expect(layer.retainedBytes).toBeLessThan(kept);
      layer.dispose();
    }
  });

  test('every step factor a forward takes is freed: kept only where some element unrolls the step, freed when the forward throws', () => {
    const taken: FactorSnapshot[] = [];
    const original = LinearSystem.prototype.snapshot;
    const spy = jest.spyOn(LinearSystem.prototype, 'snapshot').mockImplementation(function (this: LinearSystem) {
      const snapshot = original.call(this);
      taken.push(snapshot);
      return snapshot;
    });
    try {
      // Two curves, one far from its fit (many steps), one near (few): truncated(1) unrolls one step of each.
      const { objective: curves, inputs: curveInputs } = curveObjective(0.1, { batch: 2 });
      const layer = new DifferentiableSolve(new LevenbergMarquardt(curves, SOLVE), { mode: truncated(1) });
      const { result } = layer.forward({ ...curveInputs, abc: Float64Array.of(1, -0.5, 0, 3.5, -1.3, 0.5) });
      expect(result.iterations[0]).toBeGreaterThan(result.iterations[1]!);
      expect(taken.length).toBeGreaterThan(2);
      expect(taken.filter((s) => !s.disposed()).length).toBeLessThanOrEqual(2);
      layer.backward({ abc: new Float64Array(6).fill(1) });
      expect(taken.every((s) => s.disposed())).toBe(true);
      layer.dispose();

      taken.length = 0;
      let calls = 0;
      const throwing = new LevenbergMarquardt(curves, {
        ...SOLVE,
        onIteration: () => {
          if (++calls === 3) throw new Error('stop here');
        },
      });
      const failing = new DifferentiableSolve(throwing, { mode: 'unroll' });
      expect(() => failing.forward({ ...curveInputs, abc: Float64Array.of(1, -0.5, 0, 3.5, -1.3, 0.5) })).toThrow('stop here');
      expect(taken.length).toBeGreaterThan(3);
      expect(taken.every((s) => s.disposed())).toBe(true);
      failing.dispose();
    } finally {
      spy.mockRestore();
    }
  });

  test('an unrolled forward allows one backward; the implicit and dlm ones allow several', () => {
    for (const mode of ['unroll', truncated(2), 'implicit', dlm(1e-4)] as const) {
      const layer = new DifferentiableSolve(new LevenbergMarquardt(objective), { mode });
      const { values } = layer.forward(inputs);
      const first = layer.backward({ poses: values['poses']!.map(() => 1) });
      expect(first['edges.measurement']!.every(Number.isFinite)).toBe(true);
      if (mode === 'unroll' || (typeof mode === 'object' && mode.kind === 'truncated')) {
        expect(() => layer.backward({ poses: values['poses']! })).toThrow(/used by the previous backward/);
        layer.forward(inputs);
        expect(() => layer.backward({ poses: values['poses']! })).not.toThrow();
      } else {
        expect(layer.backward({ poses: values['poses']!.map(() => 1) })).toEqual(first);
      }
      layer.dispose();
      expect(() => layer.backward({})).toThrow(/disposed/);
    }
  });
});

describe('what a backward holds to', () => {
  test('a batch element that fails gets a zero gradient in every mode; the others are as if alone', () => {
    for (const setup of [{}, { exactHessian: true }, { mode: 'unroll' as const }, { mode: dlm(1e-4) }, { mode: 'unroll' as const, gaussNewton: true }]) {
      const two = curveObjective(0.3, { batch: 2 });
      // Element 1 starts where exp(b·t) overflows: its solve fails at once.
      const inputs = { ...two.inputs, abc: Float64Array.of(2.3, -1.2, 0.45, 1, 1000, 0) };
      const layer = makeLayer(two.objective, setup);
      const forward = layer.forward(inputs);
      expect(forward.info[1]!.gradientZeroReason).toMatch(/^the solve failed: non-finite residual/);
      const gradient = layer.backward({ abc: Float64Array.of(1, 1, 1, 1, 1, 1) })['samples']!;
      expect(gradient.subarray(40).every((v) => v === 0)).toBe(true);
      expect(gradient.subarray(0, 40).every(Number.isFinite)).toBe(true);
      expect(gradient.subarray(0, 40).some((v) => v !== 0)).toBe(true);
      layer.dispose();
      // Element 0 alone gives the same gradient.
      const one = curveObjective(0.3);
      const alone = makeLayer(one.objective, setup);
      alone.forward({ ...one.inputs, abc: Float64Array.of(2.3, -1.2, 0.45) });
      expect(relativeError(gradient.subarray(0, 40), alone.backward({ abc: Float64Array.of(1, 1, 1) })['samples']!)).toBeLessThan(1e-12);
      alone.dispose();
    }
  });

  test("a backward uses its forward's inputs, whatever another layer's forward or a setValues did in between", () => {
    const { objective, inputs } = curveObjective(0.3);
    const [first, second] = [makeLayer(objective, { exactHessian: true }), makeLayer(objective, { mode: 'unroll' })];
    first.forward(inputs);
    const upstream = { abc: Float64Array.of(1, 2, 3) };
    const before = first.backward(upstream);
    second.forward({ samples: inputs['samples']!.map((v, i) => (i % 2 ? v + 0.2 : v)), 'curve.weight': Float64Array.of(3) });
    objective.terms[0]!.weight!.aux.setValues(Float64Array.of(7));
    expect(first.backward(upstream)).toEqual(before);
    // And the objective keeps what was set last.
    expect(objective.terms[0]!.weight!.aux.values).toEqual(Float64Array.of(7));
    first.dispose();
    second.dispose();
  });

  test("dlm measures from the gradient the forward left: right with the optimiser's default tolerances too", () => {
    for (const solve of [SOLVE, {}]) {
      const { objective, inputs } = curveObjective(0.3);
      const reference = makeLayer(objective, { exactHessian: true, solve });
      const layer = makeLayer(objective, { mode: dlm(1e-4), solve });
      const upstream = { abc: Float64Array.of(0.3, -1.1, 0.7) };
      reference.forward(inputs);
      layer.forward(inputs);
      const error = relativeError(layer.backward(upstream)['samples']!, reference.backward(upstream)['samples']!);
      console.log(
        `curve, dlm(1e-4) against implicit exactHessian at the same forward (${solve === SOLVE ? 'tolerances 0' : 'default tolerances'}): ${error.toExponential(2)}`,
      );
      expect(error).toBeLessThan(1e-2);
      reference.dispose();
      layer.dispose();
    }
  });

  test('Levenberg-Marquardt unroll is the derivative of its own steps (λ, decisions and Jacobi scaling held), clamped damping included', () => {
    for (const [label, solve] of [
      ['Jacobi scaling', { ...SOLVE, maxIterations: 6, initialTrustRegionRadius: 1 }],
      ['no scaling, maxDiagonal 500 (clamped high)', { ...SOLVE, maxIterations: 6, initialTrustRegionRadius: 1, jacobiScaling: false, maxDiagonal: 500 }],
      ['no scaling, minDiagonal 1000 (clamped low)', { ...SOLVE, maxIterations: 6, initialTrustRegionRadius: 1, jacobiScaling: false, minDiagonal: 1000 }],
    ] as const) {
      const { objective, inputs } = curveObjective(0.3);
      const start = Float64Array.of(1, -0.5, 0);
      const layer = makeLayer(objective, { mode: 'unroll', solve });
      layer.forward({ ...inputs, abc: start });
      const upstream = { abc: Float64Array.of(0.3, -1.1, 0.7) };
      const analytic = layer.backward(upstream);
      // The truth: the recorded steps replayed with their λ and S, each one solved again at the moved inputs.
      objective.variables[0]!.setValues(start);
      const { trajectory } = solveRecordingSteps(layer.optimizer, Infinity);
      const replay = replayer(objective, trajectory);
      const loss = (x: Float64Array) => x.reduce((sum, v, i) => sum + v * upstream.abc[i]!, 0);
      const central = (base: Float64Array, f: (v: Float64Array) => Float64Array) =>
        Float64Array.from(base, (v, j) => {
          const h = 1e-5 * Math.max(1, Math.abs(v));
          const [up, down] = [base.slice(), base.slice()];
          up[j]! += h;
          down[j]! -= h;
          return (loss(f(up)) - loss(f(down))) / (2 * h);
        });
      const samplesError = relativeError(
        analytic['samples']!,
        central(inputs['samples']!, (smp) => replay(smp, start)),
      );
      const startError = relativeError(
        analytic['abc']!,
        central(start, (x0) => replay(inputs['samples']!, x0)),
      );
      console.log(`curve, 6 LM iterations, ${label}: samples ${samplesError.toExponential(2)}, initial values ${startError.toExponential(2)}`);
      expect(samplesError).toBeLessThan(TARGET);
      expect(startError).toBeLessThan(TARGET);
      layer.dispose();
    }
  });

  test('a masked instance (scale weight 0): the gradients of its weight and target are 0, the others finite', () => {
    const x = new Variable('x', Vector(2), new Float64Array(2));
    const targets = Float64Array.of(1, 2, 5, 7, -3, 4);
    const prior = new Prior({
      name: 'p',
      variable: { variable: x, indices: new Int32Array(3) },
      target: targets,
      weight: Weight.scale(Float64Array.of(1, 0, 2)),
    });
    const layer = makeLayer(new Objective([prior]), { exactHessian: true });
    layer.forward({ 'p.target': targets, 'p.weight': Float64Array.of(1, 0, 2) });
    const gradient = layer.backward({ x: Float64Array.of(1, -1) });
    expect(gradient['p.weight']![1]).toBe(0);
    expect(Array.from(gradient['p.target']!.subarray(2, 4))).toEqual([0, 0]);
    // x* = (t₀ + 4 t₂) / 5: ∂L/∂t₀ = (1, −1)/5, ∂L/∂t₂ = 4 (1, −1)/5.
    expect(Array.from(gradient['p.target']!).map((v) => +v.toFixed(7) + 0)).toEqual([0.2, -0.2, 0, 0, 0.8, -0.8]);
    layer.dispose();
  });

  test('BAD CALL - a name twice in options.differentiable', () => {
    const { objective } = curveObjective(0.3);
    expect(() => makeLayer(objective, { differentiable: ['samples', 'samples'] })).toThrow(
      new RangeError("DifferentiableSolve: 'options.differentiable[1]' must be a name not given before, got 'samples' again"),
    );
  });
});

/** x_K(samples, x₀) of a recorded Levenberg-Marquardt path: each accepted step solved again, (Â + λD̂) y = −ĝ in the forward's scaling S, δ = S y. */
function replayer(objective: Objective, trajectory: Trajectory) {
  const { steps, scale, minDiagonal, maxDiagonal } = trajectory;
  const ne = new NormalEquations(objective.pattern, 1, { minDiagonal, maxDiagonal });
  const samples = objective.terms[0]!.auxiliary[0]!;
  return (values: Float64Array, start: Float64Array): Float64Array => {
    const kept = samples.values;
    samples.setValues(values);
    let x = [start.slice()];
    for (const step of steps) {
      if (!step.accepted[0]) continue;
      const evaluation = objective.evaluate(x, { residuals: true, jacobians: true, columnScale: scale });
      const { gradient } = ne.linearize(evaluation.jValues!, evaluation.residuals!);
      ne.factor(step.lambda, 'diagonal');
      const y = ne.solve(gradient.map((v) => -v));
      const next = [new Float64Array(3)];
      objective.retract(
        x,
        y.map((v, i) => v * scale[i]!),
        next,
      );
      x = next;
    }
    samples.setValues(kept);
    return x[0]!;
  };
}
