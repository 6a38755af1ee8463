/**
 * The differentiable layer's test problems (DESIGN.md §7) and the comparison
 * of a backward with central differences of the whole forward
 * (test/helpers/layer.ts), shared by the tests of each backward mode.
 */
import {
  Custom,
  GaussNewton,
  LevenbergMarquardt,
  Objective,
  RobustLoss,
  SeededRandom,
  Variable,
  Vector,
  Weight,
  poseGraphObjective,
  type OptimizerOptions,
} from '../../lib/index.js';
import type { SyntheticWorld } from '../../lib/io/synthetic.js';
import { DifferentiableSolve, type DifferentiableSolveOptions } from '../../lib/layer/index.js';
import { finiteDifference, relativeError } from './layer.js';

export const SOLVE = { functionTolerance: 0, parameterTolerance: 0, gradientTolerance: 1e-13, maxIterations: 200 };
export const TRUST = 1e-7;
export const TARGET = 1e-6;

export interface Case {
  layer: DifferentiableSolve;
  inputs: Record<string, Float64Array>;
}

/** How a case's layer solves and differentiates: the layer's options, Gauss-Newton instead of Levenberg-Marquardt, the solver's options (default SOLVE). */
export interface Setup extends DifferentiableSolveOptions {
  gaussNewton?: boolean;
  solve?: OptimizerOptions;
}

/** The layer over `objective` as `setup` says. */
export function makeLayer(objective: Objective, { gaussNewton, solve = SOLVE, ...options }: Setup): DifferentiableSolve {
  return new DifferentiableSolve(gaussNewton ? new GaussNewton(objective, solve) : new LevenbergMarquardt(objective, solve), options);
}

/**
 * y = a·exp(b·t) + c, per batch element b over `count` samples (t, y) with
 * σ = 0.05 (W = 20), from (2.5 + b)·exp(−1.3 t) + 0.5 plus `noise`·N(0, 1);
 * abc starts at (1, −0.5, 0). Inputs: the samples, the weight and, with a
 * loss, its log radius `logRadius`.
 */
export function curveObjective(noise: number, options: { loss?: RobustLoss; logRadius?: number; batch?: number; count?: number } = {}) {
  const { loss, logRadius = 0, batch = 1, count = 20 } = options;
  const random = new SeededRandom(3);
  const samples = new Float64Array(2 * batch * count);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < count; i++) {
      const t = (4 * i) / (count - 1);
      samples.set([t, (2.5 + b) * Math.exp(-1.3 * t) + 0.5 + noise * random.normal()], 2 * (b * count + i));
    }
  }
  const abc = new Variable(
    'abc',
    Vector(3),
    Float64Array.from({ length: 3 * batch }, (_, i) => [1, -0.5, 0][i % 3]!),
    { batch },
  );
  const term = new Custom({
    name: 'curve',
    dim: 1,
    variables: [{ variable: abc, indices: new Int32Array(count) }],
    auxiliary: [{ name: 'samples', k: 2, values: samples, batch }],
    weight: Weight.scale(Float64Array.of(20)),
    loss,
    residual: (rows, [p, s], r) => {
      for (let i = 0; i < rows; i++) r[i] = p![3 * i]! * Math.exp(p![3 * i + 1]! * s![2 * i]!) + p![3 * i + 2]! - s![2 * i + 1]!;
    },
    jacobians: (rows, [p, s], [J]) => {
      for (let i = 0; i < rows; i++) {
        const e = Math.exp(p![3 * i + 1]! * s![2 * i]!);
        J!.set([e, p![3 * i]! * s![2 * i]! * e, 1], 3 * i);
      }
    },
  });
  const inputs: Record<string, Float64Array> = { samples, 'curve.weight': Float64Array.of(20) };
  if (loss) inputs['curve.loss'] = Float64Array.of(logRadius);
  return { objective: new Objective([term]), inputs };
}

/** curveObjective's single curve with `noise`, an optional loss of radius 0.5, under a layer set up as `setup` says. */
export function curveFit(noise: number, setup: Setup, loss?: RobustLoss): Case {
  const { objective, inputs } = curveObjective(noise, { loss, logRadius: Math.log(0.5) });
  return { layer: makeLayer(objective, setup), inputs };
}

/** A pose graph of a generated world with its measurements and square-root information as inputs; `zero`: measurements made consistent with the solution (zero residuals at x*). */
export function poseGraph(world: SyntheticWorld, setup: Setup, options: { zero?: boolean; loss?: RobustLoss } = {}): Case {
  const pg = poseGraphObjective(world.graph, { loss: options.loss });
  const layer = makeLayer(pg.objective, setup);
  const inputs: Record<string, Float64Array> = { 'edges.measurement': pg.edges.auxiliary[0]!.values, 'edges.weight': pg.edges.weight!.aux.values };
  if (options.loss) inputs['edges.loss'] = Float64Array.of(Math.log(2));
  if (options.zero) {
    const x = layer.forward(inputs).values['poses']!;
    const st = pg.group.storage;
    const pick = (indices: Int32Array) => {
      const out = new Float64Array(indices.length * st);
      indices.forEach((e, i) => out.set(x.subarray(e * st, (e + 1) * st), i * st));
      return out;
    };
    inputs['edges.measurement'] = pg.group.between(pick(world.graph.from), pick(world.graph.to));
  }
  return { layer, inputs };
}

/** What a backward is compared with: the input coordinates (default all), the relative step, and whether the truth is the forward as solved (a fixed number of steps) rather than the minimum. */
export interface Comparison {
  coordinates?: Record<string, Int32Array>;
  scale?: number;
  asSolved?: boolean;
}

/** The analytic gradient and the finite-difference truth per input; returns the errors. */
export function compare(
  label: string,
  { layer, inputs }: Case,
  names: readonly string[],
  { coordinates = {}, scale, asSolved }: Comparison = {},
): Record<string, number> {
  try {
    const forward = layer.forward(inputs);
    expect(forward.info.every((e) => e.gradientZeroReason === null)).toBe(true);
    const random = new SeededRandom(11);
    const upstream: Record<string, Float64Array> = {};
    for (const [name, x] of Object.entries(forward.values)) upstream[name] = x.map(() => random.normal());
    const factorizations = layer.factorizationCount;
    const analytic = layer.backward(upstream);
    if (layer.mode === 'implicit') expect(layer.factorizationCount).toBe(factorizations); // the implicit backward factors nothing
    const errors: Record<string, number> = {};
    for (const name of names) {
      const fd = finiteDifference(layer, inputs, name, forward.values, upstream, { coordinates: coordinates[name], scale, asSolved });
      console.log(`${label}: ${name} finite differences at h and h/2 differ by ${fd.disagreement.toExponential(2)}`);
      expect(fd.disagreement).toBeLessThan(TRUST);
      errors[name] = relativeError(
        Float64Array.from(fd.coordinates, (j) => analytic[name]![j]!),
        fd.gradient,
      );
    }
    console.log(`${label} (${describeMode(layer)}): ${names.map((n) => `${n} ${errors[n]!.toExponential(2)}`).join(', ')}`);
    return errors;
  } finally {
    layer.dispose();
  }
}

/** The layer's backward as the tests print it. */
function describeMode(layer: DifferentiableSolve): string {
  const { mode } = layer;
  if (mode === 'implicit') return layer.exactHessian ? 'implicit, exactHessian' : 'implicit, J̃ᵀJ̃';
  return typeof mode === 'string' ? mode : mode.kind === 'truncated' ? `truncated(${mode.steps})` : `dlm(${mode.epsilon})`;
}
