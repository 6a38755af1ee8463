// The implicit backward of ariadne/layer against central differences of the
// whole forward (re-solved, polished; test/helpers/layer.ts), per input, as
// DESIGN.md §7 prescribes: exactHessian within 1e-6 on every problem, J̃ᵀJ̃
// within 1e-6 where the residuals vanish at x* (its error printed on noisy
// problems, where it is biased). Weight and loss-radius gradients on noisy
// problems only (they vanish with the residuals).
import {
  Custom,
  LevenbergMarquardt,
  Objective,
  RobustLoss,
  SeededRandom,
  Variable,
  Vector,
  Weight,
  manhattanWorld,
  poseGraphObjective,
  sphereWorld,
} from '../../lib/index.js';
import { DifferentiableSolve } from '../../lib/layer/index.js';
import { finiteDifference, relativeError } from '../helpers/layer.js';
import { SOLVE, TARGET, TRUST, compare, curveFit, makeLayer, poseGraph } from '../helpers/layer-cases.js';

describe('implicit backward against finite differences of the whole forward', () => {
  test('(a) curve fitting: J̃ᵀJ̃ exact at zero residual; exactHessian exact with noise and with a Cauchy loss', () => {
    expect(compare('curve, zero residual', curveFit(0, { exactHessian: false }), ['samples'])['samples']).toBeLessThan(TARGET);
    const noisy = compare('curve, noisy', curveFit(0.3, { exactHessian: true }), ['samples']);
    expect(noisy['samples']).toBeLessThan(TARGET);
    // Strongly curved (its third derivatives make FD(1e-4) and FD(5e-5) differ by 1e-6): smaller steps.
    const robust = compare('curve, Cauchy', curveFit(0.3, { exactHessian: true }, RobustLoss.cauchy(0.5)), ['samples', 'curve.weight', 'curve.loss'], {
      scale: 2e-5,
    });
    for (const error of Object.values(robust)) expect(error).toBeLessThan(TARGET);
    // The Gauss-Newton matrix is biased on the noisy fit: printed, and large enough to matter.
    expect(compare('curve, noisy', curveFit(0.3, { exactHessian: false }), ['samples'])['samples']).toBeGreaterThan(1e-3);
  });

  test('(b) 2D pose graph, measurements and full square-root information', () => {
    const world = () => manhattanWorld({ poses: 20, seed: 5 });
    expect(
      compare('SE2 graph, zero residual', poseGraph(world(), { exactHessian: false }, { zero: true }), ['edges.measurement'])['edges.measurement'],
    ).toBeLessThan(TARGET);
    // With the poses' values too: the fixed vertex's are parameters (the others' initial values have no effect).
    const withPoses = poseGraph(world(), { exactHessian: true });
    withPoses.inputs['poses'] = world().graph.poses;
    const exact = compare('SE2 graph, noisy', withPoses, ['edges.measurement', 'edges.weight', 'poses']);
    for (const error of Object.values(exact)) expect(error).toBeLessThan(TARGET);
    compare('SE2 graph, noisy', poseGraph(world(), { exactHessian: false }), ['edges.measurement', 'edges.weight']);
  });

  test('(c) SE3 graph with quaternion measurements given at norms other than 1', () => {
    const world = sphereWorld({ rings: 3, perRing: 5, seed: 2 });
    const graphCase = poseGraph(world, { exactHessian: true });
    // Quaternions scaled by 2 (and one flipped): used as σ s/‖s‖, and differentiated through that map.
    const measurement = graphCase.inputs['edges.measurement']!.slice();
    for (let e = 0; e < measurement.length / 7; e++) for (let c = 3; c < 7; c++) measurement[7 * e + c]! *= e === 0 ? -2 : 2;
    graphCase.inputs['edges.measurement'] = measurement;
    graphCase.inputs['poses'] = world.graph.poses.map((v, i) => (i % 7 >= 3 ? 2 * v : v));
    // W's 21 numbers per edge: those of the first four edges (one of them a loop closure).
    const closure = world.graph.to.findIndex((to, e) => to - world.graph.from[e]! !== 1);
    const weightCoordinates = Int32Array.from([0, 1, 2, closure].flatMap((e) => Array.from({ length: 21 }, (_, c) => 21 * e + c)));
    const errors = compare('SE3 graph, noisy', graphCase, ['edges.measurement', 'edges.weight', 'poses'], {
      coordinates: { 'edges.weight': weightCoordinates },
    });
    for (const error of Object.values(errors)) expect(error).toBeLessThan(TARGET);
  });

  test('(e) a batch of two curves: per-element samples, a weight and a log radius shared by the batch and the instances', () => {
    const random = new SeededRandom(4);
    const count = 12;
    const samples = new Float64Array(2 * 2 * count);
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < count; i++) {
        const t = (3 * i) / (count - 1);
        samples.set([t, (2 + b) * Math.exp(-t) + 0.3 * random.normal()], 2 * (b * count + i));
      }
    }
    const ab = new Variable('ab', Vector(2), Float64Array.of(1, -0.5, 1, -0.5), { batch: 2 });
    const term = new Custom({
      name: 'curve',
      dim: 1,
      variables: [{ variable: ab, indices: new Int32Array(count) }],
      auxiliary: [{ name: 'samples', k: 2, values: samples, batch: 2 }],
      weight: Weight.scale(Float64Array.of(5)),
      loss: RobustLoss.welsch(1),
      residual: (rows, [p, s], r) => {
        for (let i = 0; i < rows; i++) r[i] = p![2 * i]! * Math.exp(p![2 * i + 1]! * s![2 * i]!) - s![2 * i + 1]!;
      },
      jacobians: (rows, [p, s], [J]) => {
        for (let i = 0; i < rows; i++) {
          const e = Math.exp(p![2 * i + 1]! * s![2 * i]!);
          J!.set([e, p![2 * i]! * s![2 * i]! * e], 2 * i);
        }
      },
    });
    const layer = new DifferentiableSolve(new LevenbergMarquardt(new Objective([term]), SOLVE), { exactHessian: true });
    const inputs = { samples, 'curve.weight': Float64Array.of(5), 'curve.loss': Float64Array.of(0) };
    const errors = compare('two curves, Welsch', { layer, inputs }, ['samples', 'curve.weight', 'curve.loss']);
    for (const error of Object.values(errors)) expect(error).toBeLessThan(TARGET);
  });

  test('(d) robust 2D pose graph: the log loss radius of a Cauchy loss', () => {
    const errors = compare('SE2 graph, Cauchy', poseGraph(manhattanWorld({ poses: 20, seed: 8 }), { exactHessian: true }, { loss: RobustLoss.cauchy(2) }), [
      'edges.loss',
      'edges.measurement',
    ]);
    for (const error of Object.values(errors)) expect(error).toBeLessThan(TARGET);
  });
});

describe('gauge freedom', () => {
  test('(e) an unfixed pose graph and a gauge-invariant loss (a distance between two poses): exact with μ regularisation', () => {
    const world = manhattanWorld({ poses: 20, seed: 5 });
    const graph = { ...world.graph, fixed: new Int32Array(0) };
    // L = ‖p₁₂ − p₃‖²: the same for every rigid motion of the solution; ∂L/∂x* at x*.
    const distance = ({ poses }: Record<string, Float64Array>) => (poses![36]! - poses![9]!) ** 2 + (poses![37]! - poses![10]!) ** 2;
    const upstreamAt = (poses: Float64Array) => {
      const u = new Float64Array(poses.length);
      for (let c = 0; c < 2; c++) {
        const d = poses[3 * 12 + c]! - poses[3 * 3 + c]!;
        u[3 * 12 + c] = 2 * d;
        u[3 * 3 + c] = -2 * d;
      }
      return u;
    };
    for (const setup of [{ exactHessian: true }, { mode: 'unroll' as const }]) {
      const layer = makeLayer(poseGraphObjective(graph).objective, setup);
      const inputs = { 'edges.measurement': poseGraphObjective(graph).edges.auxiliary[0]!.values };
      const forward = layer.forward(inputs);
      if (setup.exactHessian) expect(forward.info[0]!.regularized).toBe(true);
      const upstream = { poses: upstreamAt(forward.values['poses']!) };
      const analytic = layer.backward(upstream)['edges.measurement']!;
      // The truth on the same graph with vertex 0 held: its solutions are the unfixed ones up to a rigid motion, which L ignores.
      const anchored = makeLayer(poseGraphObjective(world.graph).objective, {});
      const fd = finiteDifference(anchored, inputs, 'edges.measurement', anchored.forward(inputs).values, upstream, { loss: distance });
      anchored.dispose();
      expect(fd.disagreement).toBeLessThan(TRUST);
      const error = relativeError(analytic, fd.gradient);
      console.log(
        `unfixed SE2 graph, distance loss (${setup.exactHessian ? 'implicit, exactHessian, regularised' : 'unroll'}): edges.measurement ${error.toExponential(2)}`,
      );
      expect(error).toBeLessThan(TARGET);
      layer.dispose();
    }
  });

  test('a pose graph with no fixed vertex: H + μI is factored, flagged, and the gradient is finite', () => {
    const { graph } = manhattanWorld({ poses: 15, seed: 3 });
    const pg = poseGraphObjective({ ...graph, fixed: new Int32Array(0) });
    for (const exactHessian of [false, true]) {
      const layer = new DifferentiableSolve(new LevenbergMarquardt(pg.objective, SOLVE), { exactHessian });
      const forward = layer.forward({ 'edges.measurement': pg.edges.auxiliary[0]!.values });
      expect(forward.info[0]).toMatchObject({
        regularized: true,
        hessian: exactHessian ? 'exact' : 'gauss-newton',
        hessianFallback: null,
        gradientZeroReason: null,
      });
      const gradient = layer.backward({ poses: forward.values['poses']!.map((_, i) => (i % 3 === 2 ? 0 : 1)) })['edges.measurement']!;
      expect(gradient.every(Number.isFinite)).toBe(true);
      layer.dispose();
    }
  });

  test('an A that factors with a pivot ≤ 1e-12 of its diagonal is regularised as a singular one (flagged), and the gradient is that of the determined combination', () => {
    // r = (a + b − y₁, 2⁻²⁵·b − y₂): A = JᵀJ = [[1, 1], [1, 1 + 2⁻⁵⁰]] exactly, whose second pivot is 2⁻⁵⁰ ≈ 8.9e-16 of its diagonal.
    // L = (a + b)² = y₁² at x*: ∂L/∂y = (2y₁, 0).
    const tiny = 2 ** -25;
    const ab = new Variable('ab', Vector(2), new Float64Array(2));
    const term = new Custom({
      name: 'pair',
      dim: 2,
      variables: [{ variable: ab, indices: new Int32Array(1) }],
      auxiliary: [{ name: 'y', k: 2, values: Float64Array.of(3, 1e-8) }],
      residual: (rows, [x, y], r) => {
        for (let i = 0; i < rows; i++) r.set([x![2 * i]! + x![2 * i + 1]! - y![2 * i]!, tiny * x![2 * i + 1]! - y![2 * i + 1]!], 2 * i);
      },
      jacobians: (rows, _, [J]) => {
        for (let i = 0; i < rows; i++) J!.set([1, 1, 0, tiny], 4 * i);
      },
    });
    const objective = new Objective([term]);
    const solved = new LevenbergMarquardt(objective, SOLVE).solve();
    expect(solved.rankDeficient[0]).toMatchObject({ variable: 'ab', element: 0, coordinate: 1 });
    expect(solved.rankDeficient[0]!.pivotRatio).toBeCloseTo(2 ** -50, 20);
    for (const exactHessian of [false, true]) {
      const layer = new DifferentiableSolve(new LevenbergMarquardt(objective, SOLVE), { exactHessian });
      const forward = layer.forward({ y: Float64Array.of(3, 1e-8) });
      expect(forward.info[0]).toMatchObject({ regularized: true, gradientZeroReason: null });
      const x = forward.values['ab']!;
      const u = 2 * (x[0]! + x[1]!);
      const gradient = layer.backward({ ab: Float64Array.of(u, u) })['y']!;
      expect(relativeError(gradient, Float64Array.of(6, 0))).toBeLessThan(1e-6);
      layer.dispose();
    }
  });
});
