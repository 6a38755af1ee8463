/**
 * The truth for the differentiable layer's gradients (DESIGN.md §7): central
 * finite differences of the whole forward, each perturbed problem re-solved
 * warm-started at x* and then polished by undamped Gauss-Newton steps until
 * ‖∇f‖∞ stops falling (rounding level), so that the reference is not limited
 * by where the optimiser's cost-based tolerances stop. Steps h = s·max(1, |θ|)
 * and h/2, s = 1e-4 as DESIGN.md says (smaller on strongly curved problems,
 * where the polished solutions keep rounding below truncation); the
 * reference is trusted only where the two agree to 1e-7·‖g_FD‖.
 */
import { NormalEquations } from '../../lib/linear/normal-equations.js';
import type { Objective } from '../../lib/core/objective.js';
import type { State } from '../../lib/core/program.js';
import type { DifferentiableSolve } from '../../lib/layer/index.js';

/** x polished by undamped Gauss-Newton steps until ‖∇f‖∞ stops falling (at most `steps`). */
export function polish(objective: Objective, state: State, steps = 60): State {
  const ne = new NormalEquations(objective.pattern, objective.batch);
  let x = state.map((v) => v.slice());
  let best = Infinity;
  try {
    for (let k = 0; k < steps; k++) {
      const evaluation = objective.evaluate(x, { residuals: true, jacobians: true });
      const { gradient } = ne.linearize(evaluation.jValues!, evaluation.residuals!);
      const size = gradient.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      if (size === 0 || (k > 8 && size >= best)) break;
      best = Math.min(best, size);
      ne.factor(new Float64Array(objective.batch), 'identity');
      const step = ne.solve(gradient.map((v) => -v));
      const next = x.map((v) => v.slice());
      objective.retract(x, step, next);
      x = next;
    }
  } finally {
    ne.dispose();
  }
  return x;
}

/** Storage difference with an angle's wrap undone (a difference beyond π is a wrap). */
export function unwrapped(a: number, b: number): number {
  const d = a - b;
  return Math.abs(d) > Math.PI ? d - 2 * Math.PI * Math.round(d / (2 * Math.PI)) : d;
}

/** What finiteDifference differences: the input's coordinates (default all), the relative step (default 1e-4), the forward as solved instead of the polished minimum, and L itself where it is not linear (else L = Σ upstream·x*). */
export interface FiniteDifferenceOptions {
  coordinates?: Int32Array;
  scale?: number;
  asSolved?: boolean;
  loss?: (values: Record<string, Float64Array>) => number;
}

export interface FiniteDifference {
  /** The central difference at step s, at `coordinates`. */
  gradient: Float64Array;
  /** The input's coordinates differentiated (all unless a subset was asked for). */
  coordinates: Int32Array;
  /** ‖FD(h) − FD(h/2)‖ / ‖FD(h)‖: below 1e-7 the reference is trusted. */
  disagreement: number;
}

/**
 * ∂L/∂θ for L = Σ upstream·(x*(θ) − x*) (per variable, wraps undone; or options.loss) by
 * central differences of layer.forward over input `name`, the other inputs
 * as in `inputs`, every solve warm-started at `solution` and polished (or,
 * `asSolved`, the forward's own result from the given initial values: the
 * truth for a solve of a fixed number of steps); at the given coordinates
 * of the input only, or at all of them.
 */
export function finiteDifference(
  layer: DifferentiableSolve,
  inputs: Record<string, Float64Array>,
  name: string,
  solution: Record<string, Float64Array>,
  upstream: Record<string, Float64Array>,
  options: FiniteDifferenceOptions = {},
): FiniteDifference {
  const { coordinates, scale = 1e-4, asSolved = false, loss: nonlinear } = options;
  const variables = layer.objective.variables;
  const loss = (given: Record<string, Float64Array>): number => {
    // asSolved: the forward as it is (its iterations from the given initial values), not the minimum.
    // Warm-started at x* unless the input is a variable's values (its constant elements are parameters).
    const forward = layer.forward(asSolved || name in solution ? given : { ...given, ...solution });
    const values = variables.map((v) => forward.values[v.name]!);
    const x = asSolved ? values : polish(layer.objective, values);
    if (nonlinear) return nonlinear(Object.fromEntries(variables.map((v, vi) => [v.name, x[vi]!])));
    let sum = 0;
    variables.forEach((v, vi) => {
      const u = upstream[v.name];
      if (u === undefined) return;
      const at = solution[v.name]!;
      for (let i = 0; i < u.length; i++) sum += u[i]! * unwrapped(x[vi]![i]!, at[i]!);
    });
    return sum;
  };
  const base = inputs[name]!;
  const picked = coordinates ?? Int32Array.from(base, (_, j) => j);
  const at = (scale: number): Float64Array =>
    Float64Array.from(picked, (j) => {
      const value = base[j]!;
      const h = scale * Math.max(1, Math.abs(value));
      const up = base.slice();
      up[j] = value + h;
      const down = base.slice();
      down[j] = value - h;
      return (loss({ ...inputs, [name]: up }) - loss({ ...inputs, [name]: down })) / (2 * h);
    });
  const gradient = at(scale);
  const half = at(scale / 2);
  return { gradient, coordinates: picked, disagreement: relativeError(half, gradient) };
}

/** ‖a − b‖₂ / ‖b‖₂ (0 when both vanish). */
export function relativeError(a: Float64Array, b: Float64Array): number {
  let difference = 0;
  let size = 0;
  for (let i = 0; i < b.length; i++) {
    difference += (a[i]! - b[i]!) ** 2;
    size += b[i]! ** 2;
  }
  return size === 0 ? Math.sqrt(difference) : Math.sqrt(difference / size);
}
