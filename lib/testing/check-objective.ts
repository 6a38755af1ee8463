/**
 * A whole objective checked by central differences along its own update
 * (each variable's tangent frame, constant elements excluded): the Jacobian
 * J̃ the optimisers see against (r̃(x ⊕ h e_c) − r̃(x ⊕ −h e_c)) / 2h per
 * column, and the gradient J̃ᵀr̃ against (cost(x ⊕ h e_c) − cost(x ⊕ −h e_c))
 * / 2h. With a robust loss only the gradient is compared: the corrected J̃
 * is Ceres' Hessian approximation, not ∂r̃/∂x, while J̃ᵀr̃ = ∇cost exactly.
 * Costs 2n evaluations: for tests and for checking one's own cost terms in
 * context, on small problems.
 *
 * With `inputs`, also the gradient of each instance's cost ½ρ(‖W r‖²) with
 * respect to every auxiliary input θ of its term, per instance, against
 * central differences of the instance costs (each instance reads one entry
 * of θ, so every entry's coordinate c moves at once: 2·t evaluations per
 * input):
 *   measurement or target   ρ′·(W r)ᵀ W ∂r/∂θ        (CostTerm.inputJacobians)
 *   weight W                ρ′·(W r)ᵀ ∂(W r)/∂w      (∂(W r)/∂w is linear in r)
 *   loss radius δ           ½ ∂ρ/∂δ
 * A Lie-group input moves along its right tangent, a plain one by
 * h·max(1, |v|) per stored number (at most half a positive number, so that
 * weights and radii stay valid).
 */
import { checkOptions, rangeError, typeError } from '../base/check.js';
import { auxiliaryValues, restoreAuxiliaryValues, type Auxiliary } from '../core/auxiliary.js';
import type { CostTerm } from '../core/cost-term.js';
import { Objective, type State } from '../core/objective.js';
import { rho, rhoRadius } from '../core/robust-loss.js';
import { applyWeight, diagonalPositions, differenceStep, weightJacobian } from '../core/weight.js';
import { auxiliaryRows, entryOf, termRows } from './term-rows.js';

/** Options of {@link checkObjective}. */
export interface CheckObjectiveOptions {
  /** Step h along each column (default 1e-6). */
  step?: number;
  /** Largest accepted error (default 1e-6): |analytic − numeric| / max(1, |numeric|) entry-wise. */
  tolerance?: number;
  /** The point to check at (default: the variables' values). */
  state?: State;
  /** Also check the gradient with respect to every auxiliary input: measurements, targets, weights, loss radii (default false). */
  inputs?: boolean;
}

/** What {@link checkObjective} found. */
export interface CheckObjectiveResult {
  /** Whether both errors are within the tolerance (the Jacobian's only without a robust loss). */
  ok: boolean;
  /** Largest Jacobian error (NaN when a robust loss makes J̃ not comparable). */
  jacobianError: number;
  /** Largest error of the gradient J̃ᵀr̃ against central differences of the cost. */
  gradientError: number;
  /** With `inputs`: per auxiliary input (by name), the largest error of its instances' cost gradients; else empty. */
  inputErrors: Record<string, number>;
  /** One line: the verdict, the errors and the worst entries. */
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
  const o = checkOptions(fn, 'options', options, ['step', 'tolerance', 'state', 'inputs']);
  if (o.inputs !== undefined && typeof o.inputs !== 'boolean') throw typeError(fn, 'options.inputs', 'a boolean', o.inputs);
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
  const inputs = o.inputs === true ? inputGradientErrors(objective, x, h) : { errors: {}, worst: '', max: 0 };
  const ok = gradientError <= tolerance && (robust || jacobianError <= tolerance) && inputs.max <= tolerance;
  const inputReport = o.inputs === true ? `, input gradient error ${inputs.max.toExponential(2)} (${Object.keys(inputs.errors).length} inputs)` : '';
  const report = `checkObjective: ${ok ? 'ok' : 'FAILED'} (tolerance ${tolerance}, step ${h}): Jacobian error ${robust ? 'not compared (robust loss)' : jacobianError.toExponential(2)}, gradient error ${gradientError.toExponential(2)}${inputReport}${worst ? `; worst: ${worst}` : ''}${inputs.worst ? `; worst input: ${inputs.worst}` : ''}`;
  return { ok, jacobianError, gradientError, inputErrors: inputs.errors, report };
}

/** An auxiliary input of a term with its analytic instance-cost gradient: B·I rows × t. */
interface InputSlope {
  aux: Auxiliary;
  /** The coordinates: tangent dimension of a Lie-group input, else k. */
  t: number;
  slopes: Float64Array;
}

/** The largest error per input of every term (see the module comment), with the worst entry described. */
function inputGradientErrors(objective: Objective, x: State, h: number): { errors: Record<string, number>; worst: string; max: number } {
  const B = objective.batch;
  const errors: Record<string, number> = {};
  let worst = '';
  let max = 0;
  objective.terms.forEach((term, ti) => {
    const I = term.instances;
    const instanceCosts = () => objective.evaluate(x, { residuals: false, jacobians: false, instanceCosts: true }).instanceCosts![ti]!;
    for (const { aux, t, slopes } of inputSlopes(objective, term, x)) {
      const stored = auxiliaryValues(aux).values.slice();
      const entries = stored.length / aux.k;
      let error = 0;
      try {
        for (let c = 0; c < t; c++) {
          const diagonal = term.weight?.aux === aux ? diagonalPositions(term.weight.kind, term.weight.d) : undefined;
          const [up, width] = moved(aux, stored, entries, t, c, h, 1, diagonal);
          aux.setValues(up);
          const plus = instanceCosts().slice();
          const [down] = moved(aux, stored, entries, t, c, h, -1, diagonal);
          aux.setValues(down);
          const minus = instanceCosts();
          for (let b = 0; b < B; b++) {
            for (let i = 0; i < I; i++) {
              const row = b * I + i;
              // A masking (zero) weight entry is not moved: its cost depends on it through its square, so ∂/∂w = 0.
              const w = width[entryOf(aux, b, i)]!;
              const numeric = w === 0 ? 0 : (plus[row]! - minus[row]!) / w;
              const analytic = slopes[row * t + c]!;
              const e = Math.abs(analytic - numeric) / Math.max(1, Math.abs(numeric));
              if (!(e <= error)) error = e;
              if (!(e <= max)) {
                max = e;
                worst = `'${aux.name}' of element ${b}, instance ${i}, coordinate ${c}: analytic ${analytic}, numeric ${numeric}`;
              }
            }
          }
        }
      } finally {
        restoreAuxiliaryValues(aux, stored);
      }
      errors[aux.name] = error;
    }
  });
  return { errors, worst, max };
}

/**
 * The values of `aux` with coordinate c of every entry moved by sign·h:
 * along the right tangent for a Lie-group input, else by h·max(1, |v|) (on
 * a weight's diagonal, `diagonal`, at most v/2, and not at all at 0, so that
 * it stays ≥ 0); and per entry the width of the central difference.
 */
function moved(
  aux: Auxiliary,
  stored: Float64Array,
  entries: number,
  t: number,
  c: number,
  h: number,
  sign: 1 | -1,
  diagonal: Uint8Array | undefined,
): [Float64Array, Float64Array] {
  const width = new Float64Array(entries);
  if (aux.group) {
    const delta = new Float64Array(entries * t);
    for (let e = 0; e < entries; e++) delta[e * t + c] = sign * h;
    return [aux.group.retract(stored, delta), width.fill(2 * h)];
  }
  const values = stored.slice();
  for (let e = 0; e < entries; e++) {
    const v = stored[e * t + c]!;
    const step = differenceStep(v, h, diagonal?.[c] === 1);
    values[e * t + c] = v + sign * step;
    width[e] = 2 * step;
  }
  return [values, width];
}

/**
 * ∂(½ρ(‖W r‖²))/∂θ per instance row (b·I + i) for each auxiliary input θ
 * of `term` at state x: ρ′·uᵀ ∂u/∂θ with u = W r, and ½ ∂ρ/∂δ for the radius.
 */
function inputSlopes(objective: Objective, term: CostTerm, x: State): InputSlope[] {
  const B = objective.batch;
  const I = term.instances;
  const rows = B * I;
  const d = term.dim;
  const inputs = termRows(
    term,
    B,
    term.variables.map((u) => x[objective.variables.indexOf(u.variable)]!),
  );
  const r = new Float64Array(rows * d);
  term.evaluate(
    rows,
    inputs,
    r,
    term.variables.map(() => undefined),
  );
  const weight = term.weight;
  const w = weight ? auxiliaryRows(weight.aux, B, I) : undefined;
  const u = r.slice();
  if (weight) applyWeight(weight.kind, d, w!, rows, u, []);
  // ρ′ and ½ ∂ρ/∂δ per row (1 and nothing without a loss).
  const rho1 = new Float64Array(rows).fill(1);
  const halfDRho = new Float64Array(rows);
  if (term.loss) {
    const radius = auxiliaryRows(term.loss.radius, B, I);
    const three = new Float64Array(3);
    for (let row = 0; row < rows; row++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += u[row * d + a]! ** 2;
      rho(term.loss.kind, s, radius[row]!, three, 0);
      rho1[row] = three[1]!;
      rhoRadius(term.loss.kind, s, radius[row]!, three, 0);
      halfDRho[row] = 0.5 * three[0]!;
    }
  }
  /** ρ′·uᵀ(∂u/∂θ) per row, from ∂u/∂θ (rows × d × t). */
  const slopes = (du: Float64Array, t: number): Float64Array => {
    const g = new Float64Array(rows * t);
    for (let row = 0; row < rows; row++) {
      for (let c = 0; c < t; c++) {
        let sum = 0;
        for (let a = 0; a < d; a++) sum += u[row * d + a]! * du[(row * d + a) * t + c]!;
        g[row * t + c] = rho1[row]! * sum;
      }
    }
    return g;
  };
  const jacobians = term.auxiliary.map((aux) => new Float64Array(rows * d * (aux.group?.dof ?? aux.k)));
  term.inputJacobians(rows, inputs, jacobians);
  const out = term.auxiliary.map((aux, a): InputSlope => {
    const t = aux.group?.dof ?? aux.k;
    // ∂u/∂θ = W ∂r/∂θ.
    if (weight) applyWeight(weight.kind, d, w!, rows, new Float64Array(rows * d), [{ values: jacobians[a]!, cols: t }]);
    return { aux, t, slopes: slopes(jacobians[a]!, t) };
  });
  if (weight) {
    const k = weight.aux.k;
    const du = new Float64Array(rows * d * k);
    weightJacobian(weight.kind, d, rows, r, du);
    out.push({ aux: weight.aux, t: k, slopes: slopes(du, k) });
  }
  if (term.loss) out.push({ aux: term.loss.radius, t: 1, slopes: halfDRho });
  return out;
}
