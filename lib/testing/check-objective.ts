/**
 * A whole objective checked by central differences along its own update
 * (each variable's tangent frame, constant elements excluded): the Jacobian
 * J̃ the optimisers see against (r̃(x ⊕ h e_c) − r̃(x ⊕ −h e_c)) / 2h per
 * column, and the gradient J̃ᵀr̃ against (cost(x ⊕ h e_c) − cost(x ⊕ −h e_c))
 * / 2h. With a robust loss only the gradient is compared: the corrected J̃
 * is Ceres' Hessian approximation, not ∂r̃/∂x, while J̃ᵀr̃ = ∇cost exactly.
 * Costs 2n evaluations: for tests and for checking one's own cost terms in
 * context, on small problems.
 */
import { checkOptions, rangeError, typeError } from '../base/check.js';
import { Objective, type State } from '../core/objective.js';

/** Options of {@link checkObjective}. */
export interface CheckObjectiveOptions {
  /** Step h along each column (default 1e-6). */
  step?: number;
  /** Largest accepted error (default 1e-6): |analytic − numeric| / max(1, |numeric|) entry-wise. */
  tolerance?: number;
  /** The point to check at (default: the variables' values). */
  state?: State;
}

/** What {@link checkObjective} found. */
export interface CheckObjectiveResult {
  /** Whether both errors are within the tolerance (the Jacobian's only without a robust loss). */
  ok: boolean;
  /** Largest Jacobian error (NaN when a robust loss makes J̃ not comparable). */
  jacobianError: number;
  /** Largest error of the gradient J̃ᵀr̃ against central differences of the cost. */
  gradientError: number;
  /** One line: the verdict, both errors and the worst entry. */
  report: string;
}

/**
 * Checks an objective's Jacobian and gradient by central differences.
 *
 * @example
 * ```ts
 * import { Between, Objective, SE2, Variable, checkObjective } from 'ariadne';
 * const x = new Variable('x', SE2, new Float64Array([0, 0, 0, 1, 0.2, 0.5]), { constant: [0] });
 * const edge = new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement: new Float64Array([1, 0, 0.4]) });
 * console.log(checkObjective(new Objective([edge])).ok); // true
 * ```
 */
export function checkObjective(objective: Objective, options: CheckObjectiveOptions = {}): CheckObjectiveResult {
  const fn = 'checkObjective';
  if (!(objective instanceof Objective)) throw typeError(fn, 'objective', 'an Objective', objective);
  const o = checkOptions(fn, 'options', options, ['step', 'tolerance', 'state']);
  const h = (o.step as number | undefined) ?? 1e-6;
  const tolerance = (o.tolerance as number | undefined) ?? 1e-6;
  if (!(h > 0 && h < 1)) throw rangeError(fn, 'options.step', 'a number in (0, 1)', `${h}`);
  const { batch: B, m, n, nnz, pattern } = objective;
  const x = (o.state as State | undefined) ?? objective.initialState();
  const at = objective.evaluate(x, { residuals: true, jacobians: true });
  const robust = objective.terms.some((t) => t.loss !== undefined);

  // Dense J̃ per batch element, and g = J̃ᵀr̃.
  const dense = new Float64Array(B * m * n);
  const gradient = new Float64Array(B * n);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < nnz; k++) {
      const v = at.jValues![b * nnz + k]!;
      const row = pattern.rows[k]!;
      const col = pattern.cols[k]!;
      dense[(b * m + row) * n + col]! += v;
      gradient[b * n + col]! += v * at.residuals![b * m + row]!;
    }
  }

  let jacobianError = robust ? NaN : 0;
  let gradientError = 0;
  let worst = '';
  const delta = new Float64Array(B * n);
  const plus = x.map((v) => new Float64Array(v.length));
  const minus = x.map((v) => new Float64Array(v.length));
  for (let c = 0; c < n; c++) {
    delta.fill(0);
    for (let b = 0; b < B; b++) delta[b * n + c] = h;
    objective.retract(x, delta, plus);
    const ep = objective.evaluate(plus, { residuals: true, jacobians: false });
    for (let b = 0; b < B; b++) delta[b * n + c] = -h;
    objective.retract(x, delta, minus);
    const em = objective.evaluate(minus, { residuals: true, jacobians: false });
    for (let b = 0; b < B; b++) {
      const numeric = (ep.cost[b]! - em.cost[b]!) / (2 * h);
      const error = Math.abs(gradient[b * n + c]! - numeric) / Math.max(1, Math.abs(numeric));
      if (!(error <= gradientError)) {
        gradientError = error;
        worst = `gradient of element ${b}, column ${c}: analytic ${gradient[b * n + c]}, numeric ${numeric}`;
      }
      if (robust) continue;
      for (let row = 0; row < m; row++) {
        const num = (ep.residuals![b * m + row]! - em.residuals![b * m + row]!) / (2 * h);
        const e = Math.abs(dense[(b * m + row) * n + c]! - num) / Math.max(1, Math.abs(num));
        if (!(e <= jacobianError)) {
          jacobianError = e;
          worst = `J of element ${b}, row ${row}, column ${c}: analytic ${dense[(b * m + row) * n + c]}, numeric ${num}`;
        }
      }
    }
  }
  const ok = gradientError <= tolerance && (robust || jacobianError <= tolerance);
  const report = `checkObjective: ${ok ? 'ok' : 'FAILED'} (tolerance ${tolerance}, step ${h}): Jacobian error ${robust ? 'not compared (robust loss)' : jacobianError.toExponential(2)}, gradient error ${gradientError.toExponential(2)}${worst ? `; worst: ${worst}` : ''}`;
  return { ok, jacobianError, gradientError, report };
}
