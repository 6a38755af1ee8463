/**
 * Custom: a cost term whose residual the user writes over batched arrays.
 * `residual(rows, inputs, out)` fills out (rows × d) from the inputs (each
 * variable's values, rows × storage, then each auxiliary input, rows × k).
 * With `jacobians`, the user also fills ∂r/∂(right tangent) per variable
 * (rows × d × dof); without, they come from central differences on the
 * manifold, vectorised over rows: column c of J_k is
 *   (r(x_k ⊕ h e_c) − r(x_k ⊖ h e_c)) / 2h,   2·dof_k residual evaluations,
 * with a relative step h = step·max(|x_c|, stepFloor) per row (or an
 * absolute one), or Ridders' extrapolation over halving steps.
 * With `inputJacobians`, the user fills ∂r/∂(auxiliary input) too (for the
 * differentiable layer); without, they come from central differences
 * (CostTerm.inputJacobians). Check analytic Jacobians with checkCostTerm
 * before trusting them.
 */
import { CostTerm, type ElementRef, type TermOptions } from '../core/cost-term.js';
import { checkOneOf, checkOptions, rangeError, typeError } from '../base/check.js';
import type { LieGroup } from '../geometry/lie-group.js';
import { centralSides, tangentMagnitude } from '../core/tangent.js';
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
  /**
   * The central-difference step of the variables' Jacobians when
   * `jacobians` is not given: one number for every variable, or per
   * variable a number or one number per tangent coordinate (default 1e-6).
   * Relative by default (see `stepMode`).
   */
  step?: number | readonly (number | readonly number[])[];
  /**
   * 'relative' (the default, as Ceres, for a Vector variable): each
   * coordinate's step is `step` times |x_c|, but not below
   * `step`·`stepFloor`; a Lie group's tangent (a displacement) is stepped by
   * `step` itself; 'absolute': `step` as given, in tangent units. (Until
   * this version `step` was absolute; a Vector of large values, such as map
   * coordinates, wants 'absolute' or per-coordinate steps.)
   */
  stepMode?: 'relative' | 'absolute';
  /**
   * Relative steps stop shrinking below this magnitude: h = step·max(|x_c|,
   * stepFloor) (default 1, so that a parameter near 0, or one that only
   * shifts the residual, is stepped as in absolute mode). A parameter whose
   * own scale sets the residual's curvature (a time constant of 1e-7) wants
   * it lowered, or its own step.
   */
  stepFloor?: number;
  /**
   * Ridders' extrapolation instead of one central difference, for more
   * digits: from a first step 1e-2 times the coordinate's magnitude, halved
   * up to 10 times, the Richardson tableau of central differences, keeping
   * per entry the value with the smallest error estimate (about 1e-12
   * relative on smooth residuals, at up to 22 residual evaluations per
   * coordinate); where that estimate is above 1e-8 relative, or the value
   * is more than 1e-3 from the central difference (the steps were too coarse
   * for the residual), the central difference is kept.
   * Default false.
   */
  ridders?: boolean;
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
  /** Per variable, per tangent coordinate: the step (relative or absolute). */
  readonly #steps: Float64Array[];
  /** The relative steps' floor, or undefined for absolute steps. */
  readonly #floor: number | undefined;
  readonly #ridders: boolean;

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
      'stepMode',
      'stepFloor',
      'ridders',
    ]);
    if (!Array.isArray(o.variables) || o.variables.length === 0)
      throw typeError(fn, 'options.variables', 'a non-empty array of Variables or { variable, indices }', o.variables);
    if (typeof o.residual !== 'function') throw typeError(fn, 'options.residual', 'a function (rows, inputs, out) => void', o.residual);
    if (o.jacobians !== undefined && typeof o.jacobians !== 'function')
      throw typeError(fn, 'options.jacobians', 'a function (rows, inputs, out) => void', o.jacobians);
    if (o.inputJacobians !== undefined && typeof o.inputJacobians !== 'function')
      throw typeError(fn, 'options.inputJacobians', 'a function (rows, inputs, out) => void', o.inputJacobians);
    if (o.ridders !== undefined && typeof o.ridders !== 'boolean') throw typeError(fn, 'options.ridders', 'a boolean', o.ridders);
    const stepMode = o.stepMode === undefined ? 'relative' : checkOneOf(fn, 'options.stepMode', o.stepMode, ['relative', 'absolute'] as const);
    if (o.stepFloor !== undefined && typeof o.stepFloor !== 'number') throw typeError(fn, 'options.stepFloor', 'a number', o.stepFloor);
    const stepFloor = o.stepFloor === undefined ? 1 : (o.stepFloor as number);
    if (!(stepFloor > 0 && Number.isFinite(stepFloor))) throw rangeError(fn, 'options.stepFloor', 'a finite number > 0', String(stepFloor));
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
    this.#steps = numericSteps(fn, o.step, this.#groups);
    this.#floor = stepMode === 'relative' ? stepFloor : undefined;
    this.#ridders = o.ridders === true;
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
    this.#groups.forEach((group, k) => {
      const j = jacobians[k];
      if (j === undefined) return;
      for (let c = 0; c < group.dof; c++) this.#numericColumn(rows, inputs, k, c, j);
    });
  }

  /**
   * Column c of variable k's Jacobian (rows × d × dof) by central
   * differences along tangent coordinate c, every row at once: one step h
   * per row, or Ridders' tableau.
   */
  #numericColumn(rows: number, inputs: readonly Float64Array[], k: number, c: number, j: Float64Array): void {
    const d = this.dim;
    const group = this.#groups[k]!;
    const dof = group.dof;
    const x = inputs[k]!;
    const base = this.#steps[k]![c]!;
    // Per row: the step's scale (the coordinate's magnitude, at least the floor; 1 for absolute steps).
    const floor = this.#floor;
    const scale = new Float64Array(rows);
    for (let row = 0; row < rows; row++) scale[row] = floor === undefined ? 1 : Math.max(tangentMagnitude(group, x, row, c), floor);
    const shifted = inputs.slice();
    const steps = new Float64Array(rows);
    /** The central differences with step h·scale per row, rows × d. */
    const central = (h: number): Float64Array => {
      for (let row = 0; row < rows; row++) steps[row] = h * scale[row]!;
      const { plus, minus, width } = centralSides(group, x, rows, d, c, steps, (moved, out) => {
        shifted[k] = moved;
        this.#residual(rows, shifted, out);
      });
      const column = new Float64Array(rows * d);
      for (let row = 0; row < rows; row++) for (let a = 0; a < d; a++) column[row * d + a] = (plus[row * d + a]! - minus[row * d + a]!) / width[row]!;
      return column;
    };
    const column = central(base);
    if (this.#ridders) {
      // Ridders' best entries where their error estimate is small and they agree with the central
      // difference to its own accuracy; else (steps too coarse for the residual) the central difference.
      const { best, error } = ridders(central, RIDDERS_FIRST_STEP);
      for (let e = 0; e < column.length; e++) {
        const size = Math.max(Math.abs(best[e]!), Math.abs(column[e]!), Number.MIN_VALUE);
        if (error[e]! <= RIDDERS_TRUST * size && Math.abs(best[e]! - column[e]!) <= RIDDERS_AGREEMENT * size) column[e] = best[e]!;
      }
    }
    for (let row = 0; row < rows; row++) for (let a = 0; a < d; a++) j[(row * d + a) * dof + c] = column[row * d + a]!;
  }
}

/** Ridders' first step, relative to the coordinate's magnitude (Ceres' ridders_relative_initial_step_size). */
const RIDDERS_FIRST_STEP = 1e-2;
/** Most halvings of Ridders' step. */
const RIDDERS_STEPS = 10;
/** Ridders' entry is used where its error estimate is at most this, relative… */
const RIDDERS_TRUST = 1e-8;
/** …and it agrees with the central difference to this, relative (the central difference's own accuracy, with room). */
const RIDDERS_AGREEMENT = 1e-3;

/**
 * Ridders' extrapolation of central(h) to h → 0, per entry: the Richardson
 * tableau T[i][m] = (4^m T[i][m−1] − T[i−1][m−1]) / (4^m − 1) over the
 * steps h₀/2^i, the value with the smallest error estimate
 * max(|T[i][m] − T[i][m−1]|, |T[i][m] − T[i−1][m−1]|) kept; an entry stops
 * when the diagonal grows worse than twice its best error.
 */
function ridders(central: (h: number) => Float64Array, first: number): { best: Float64Array; error: Float64Array } {
  let previous: Float64Array[] = [];
  let best = new Float64Array(0);
  let error = new Float64Array(0);
  let done = new Uint8Array(0);
  for (let i = 0, h = first; i < RIDDERS_STEPS; i++, h /= 2) {
    const row = [central(h)];
    if (i === 0) {
      best = row[0]!.slice();
      error = new Float64Array(best.length).fill(Infinity);
      done = new Uint8Array(best.length);
    }
    for (let m = 1; m <= i; m++) {
      const factor = 4 ** m;
      const t = new Float64Array(best.length);
      for (let e = 0; e < t.length; e++) {
        t[e] = (factor * row[m - 1]![e]! - previous[m - 1]![e]!) / (factor - 1);
        const estimate = Math.max(Math.abs(t[e]! - row[m - 1]![e]!), Math.abs(t[e]! - previous[m - 1]![e]!));
        if (!done[e] && estimate < error[e]!) {
          error[e] = estimate;
          best[e] = t[e]!;
        }
      }
      row.push(t);
    }
    if (i > 0) {
      for (let e = 0; e < best.length; e++) if (Math.abs(row[i]![e]! - previous[i - 1]![e]!) >= 2 * error[e]!) done[e] = 1;
      if (done.every((x) => x === 1)) break;
    }
    previous = row;
  }
  return { best, error };
}

/** options.step checked and expanded: per variable, one step per tangent coordinate. */
function numericSteps(fn: string, step: unknown, groups: readonly LieGroup[]): Float64Array[] {
  const one = (arg: string, value: unknown): number => {
    if (typeof value !== 'number') throw typeError(fn, arg, 'a number', value);
    if (!(value > 0 && value < 1)) throw rangeError(fn, arg, 'a number in (0, 1)', String(value));
    return value;
  };
  if (step === undefined || typeof step === 'number' || typeof step !== 'object' || step === null || !Array.isArray(step)) {
    if (step !== undefined && typeof step !== 'number')
      throw typeError(fn, 'options.step', 'a number, or per variable a number or an array of one number per tangent coordinate', step);
    const h = step === undefined ? 1e-6 : one('options.step', step);
    return groups.map((g) => new Float64Array(g.dof).fill(h));
  }
  if (step.length !== groups.length) {
    throw rangeError(
      fn,
      'options.step',
      `one entry per variable (${groups.length}; per-coordinate steps of variable k are the array step[k])`,
      `${step.length} entries`,
    );
  }
  return groups.map((g, k) => {
    const entry: unknown = step[k];
    if (typeof entry === 'number' || !Array.isArray(entry)) return new Float64Array(g.dof).fill(one(`options.step[${k}]`, entry));
    if (entry.length !== g.dof) throw rangeError(fn, `options.step[${k}]`, `one step per tangent coordinate (${g.dof})`, `${entry.length} steps`);
    return Float64Array.from(entry, (v, c) => one(`options.step[${k}][${c}]`, v));
  });
}
