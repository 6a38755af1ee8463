/**
 * Custom: a cost term whose residual the user writes over batched arrays.
 * `residual(rows, inputs, out)` fills out (rows × d) from the inputs (each
 * variable's values, rows × storage, then each auxiliary input, rows × k).
 * With `jacobians`, the user also fills ∂r/∂(right tangent) per variable
 * (rows × d × dof); without, they come from central differences on the
 * manifold, vectorised over rows: column c of J_k is
 *   (r(x_k ⊕ h e_c) − r(x_k ⊖ h e_c)) / 2h,   2·dof_k residual evaluations.
 * With `inputJacobians`, the user fills ∂r/∂(auxiliary input) too (for the
 * differentiable layer); without, they come from central differences
 * (CostTerm.inputJacobians). Check analytic Jacobians with checkCostTerm
 * before trusting them.
 */
import { CostTerm, type ElementRef, type TermOptions } from '../core/cost-term.js';
import { checkOptions, rangeError, typeError } from '../base/check.js';
import type { LieGroup } from '../geometry/lie-group.js';
import { groupOf } from './refs.js';

/**
 * Fills `out` (rows × d) with the residuals of `rows` rows. `inputs` are the
 * variables' values (rows × storage each), then the auxiliary inputs (rows × k
 * each), in the order of {@link CustomOptions}; they are read-only (an
 * auxiliary input may be the stored values themselves, not a copy).
 */
export type ResidualFunction = (rows: number, inputs: readonly Float64Array[], out: Float64Array) => void;
/**
 * Fills `out[k]` (rows × d × dof_k, row-major per row) with ∂r/∂(right tangent
 * of variable k) for every k whose array is given (an undefined entry is not
 * needed). Same `inputs` as the {@link ResidualFunction}.
 */
export type JacobianFunction = (rows: number, inputs: readonly Float64Array[], out: readonly (Float64Array | undefined)[]) => void;

/**
 * Fills `out[a]` (rows × d × t_a, row-major per row) with ∂r/∂(auxiliary
 * input a) for every a whose array is given: along the right tangent of an
 * input with a `group` (t_a = group.dof, Z ⊕ δ = Z·Exp(δ)), else with respect
 * to its k stored numbers (t_a = k). Same `inputs` as the
 * {@link ResidualFunction}; the contract of CostTerm.inputJacobians.
 */
export type InputJacobianFunction = (rows: number, inputs: readonly Float64Array[], out: readonly (Float64Array | undefined)[]) => void;

/** An auxiliary input of a {@link Custom} term (a measurement, a target, ...). */
export interface CustomAuxiliary {
  /** Unique within the objective. */
  name: string;
  /** [1|B] × [1|I] × k. */
  values: Float64Array;
  /** Numbers per instance. */
  k: number;
  /** Batch size of the values (1 or B; default 1). */
  batch?: number;
  /** The manifold the values live on, if any. */
  group?: LieGroup;
}

/** Options of {@link Custom}. */
export interface CustomOptions extends TermOptions {
  /** Residual dimension d. */
  dim: number;
  /** The variables' elements, in the order the functions receive them. */
  variables: ElementRef[];
  /** Auxiliary inputs, received after the variables. */
  auxiliary?: CustomAuxiliary[];
  /** The residual over batched rows. */
  residual: ResidualFunction;
  /** Analytic Jacobians (default: central differences on the manifold). */
  jacobians?: JacobianFunction;
  /** Analytic Jacobians with respect to the auxiliary inputs (default: central differences, see CostTerm.inputJacobians). */
  inputJacobians?: InputJacobianFunction;
  /** Central-difference step of the variables' Jacobians, in tangent units (default 1e-6). */
  step?: number;
}

/**
 * A user-written residual over batched rows.
 *
 * @example
 * ```ts
 * import { Custom, LevenbergMarquardt, Objective, Variable, Vector } from 'ariadne';
 * // Fit y = a·exp(b·t) to samples of y = 2·exp(0.3·t).
 * const t = Array.from({ length: 20 }, (_, i) => i / 4);
 * const y = t.map((ti) => 2 * Math.exp(0.3 * ti));
 * const ab = new Variable('ab', Vector(2), new Float64Array([1, 0]));
 * const fit = new Custom({
 *   dim: 1,
 *   variables: [{ variable: ab, indices: new Int32Array(20) }],
 *   auxiliary: [{ name: 'samples', k: 2, values: Float64Array.from(t.flatMap((ti, i) => [ti, y[i]])) }],
 *   residual: (rows, [p, s], out) => {
 *     for (let i = 0; i < rows; i++) out[i] = p[2 * i] * Math.exp(p[2 * i + 1] * s[2 * i]) - s[2 * i + 1];
 *   },
 * });
 * const result = new LevenbergMarquardt(new Objective([fit])).solve();
 * console.log(Array.from(result.values('ab'), (v) => v.toFixed(4))); // ['2.0000', '0.3000']
 * ```
 */
export class Custom extends CostTerm {
  readonly #groups: LieGroup[];
  readonly #residual: ResidualFunction;
  readonly #jacobians: JacobianFunction | undefined;
  readonly #inputJacobians: InputJacobianFunction | undefined;
  readonly #step: number;

  constructor(options: CustomOptions) {
    const fn = 'Custom';
    const o = checkOptions(fn, 'options', options, [
      'name',
      'weight',
      'loss',
      'dim',
      'variables',
      'auxiliary',
      'residual',
      'jacobians',
      'inputJacobians',
      'step',
    ]);
    if (!Array.isArray(o.variables) || o.variables.length === 0)
      throw typeError(fn, 'options.variables', 'a non-empty array of Variables or { variable, indices }', o.variables);
    if (typeof o.residual !== 'function') throw typeError(fn, 'options.residual', 'a function (rows, inputs, out) => void', o.residual);
    if (o.jacobians !== undefined && typeof o.jacobians !== 'function')
      throw typeError(fn, 'options.jacobians', 'a function (rows, inputs, out) => void', o.jacobians);
    if (o.inputJacobians !== undefined && typeof o.inputJacobians !== 'function')
      throw typeError(fn, 'options.inputJacobians', 'a function (rows, inputs, out) => void', o.inputJacobians);
    const step = (o.step as number | undefined) ?? 1e-6;
    if (typeof step !== 'number' || !(step > 0 && step < 1)) throw rangeError(fn, 'options.step', 'a number in (0, 1)', `${String(step)}`);
    const auxiliary = (o.auxiliary as CustomAuxiliary[] | undefined) ?? [];
    if (!Array.isArray(auxiliary)) throw typeError(fn, 'options.auxiliary', 'an array of { name, values, k }', auxiliary);
    const name = (o.name as string | undefined) ?? 'custom';
    const variables = o.variables as unknown[];
    super(fn, {
      name,
      dim: o.dim as number,
      variables: variables.map((ref, k) => ({ arg: `options.variables[${k}]`, ref })),
      auxiliary: auxiliary.map((a, k) => ({ arg: `options.auxiliary[${k}]`, name: a.name, values: a.values, k: a.k, batch: a.batch, group: a.group })),
      weight: o.weight,
      loss: o.loss,
    });
    this.#groups = variables.map((ref, k) => groupOf(fn, `options.variables[${k}]`, ref));
    this.#residual = o.residual as ResidualFunction;
    this.#jacobians = o.jacobians as JacobianFunction | undefined;
    this.#inputJacobians = o.inputJacobians as InputJacobianFunction | undefined;
    this.#step = step;
  }

  /** The user's `inputJacobians`, or central differences (the base class') without it. */
  override inputJacobians(rows: number, inputs: readonly Float64Array[], jacobians: readonly (Float64Array | undefined)[]): void {
    if (this.#inputJacobians) this.#inputJacobians(rows, inputs, jacobians);
    else super.inputJacobians(rows, inputs, jacobians);
  }

  evaluate(rows: number, inputs: readonly Float64Array[], residuals: Float64Array, jacobians: readonly (Float64Array | undefined)[]): void {
    this.#residual(rows, inputs, residuals);
    if (jacobians.every((j) => j === undefined)) return;
    if (this.#jacobians) {
      this.#jacobians(rows, inputs, jacobians);
      return;
    }
    const d = this.dim;
    const h = this.#step;
    const plus = new Float64Array(rows * d);
    const minus = new Float64Array(rows * d);
    this.#groups.forEach((group, k) => {
      const j = jacobians[k];
      if (j === undefined) return;
      const dof = group.dof;
      const x = inputs[k]!;
      const shifted = inputs.slice();
      const delta = new Float64Array(rows * dof);
      for (let c = 0; c < dof; c++) {
        for (const [sign, out] of [
          [1, plus],
          [-1, minus],
        ] as const) {
          delta.fill(0);
          for (let row = 0; row < rows; row++) delta[row * dof + c] = sign * h;
          shifted[k] = group.retract(x, delta);
          this.#residual(rows, shifted, out);
        }
        for (let row = 0; row < rows; row++) {
          for (let a = 0; a < d; a++) j[(row * d + a) * dof + c] = (plus[row * d + a]! - minus[row * d + a]!) / (2 * h);
        }
      }
    });
  }
}
