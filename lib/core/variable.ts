/**
 * A Variable is a named block of `count` elements of one manifold (one pose,
 * or all the poses of a graph) for each batch element. Its values are stored
 * batch-major: element e of batch element b starts at (b·count + e)·storage.
 * A Variable of batch 1 in an objective of batch B is copied into B
 * independent elements: its value broadcasts, its unknowns never do.
 *
 * Constant elements are removed from the system (Ceres'
 * SetParameterBlockConstant); they are the same for every batch element.
 */
import type { LieGroup } from '../geometry/lie-group.js';
import { MAX_INT32, checkInteger, checkOneOf, checkOptions, checkTypedArray, describe, rangeError, typeError } from '../base/check.js';
import type { TangentFrame } from './tangent.js';

/** Options of a {@link Variable}. */
export interface VariableOptions {
  /** Batch size B of the values (default 1). */
  batch?: number;
  /** Indices of the elements held constant. */
  constant?: ArrayLike<number>;
  /** The frame of the optimiser's update (see {@link TangentFrame}); default 'body', x ⊕ δ = x·Exp(δ). */
  tangent?: TangentFrame;
  /**
   * Box bounds of a Vector(n) variable, as Ceres' parameter bounds: n lower
   * and/or n upper limits per coordinate (±Infinity for none), the same for
   * every element and batch element. Every optimiser (Levenberg-Marquardt,
   * Gauss-Newton and Dogleg) holds the coordinates on a bound that the
   * gradient pushes against, computes its step in the others, and projects
   * each candidate onto the box (judging the projected step); the initial
   * values must lie in it. {@link SolveResult.activeBounds} says which
   * coordinates end on a bound.
   */
  bounds?: VariableBounds;
}

/** A Vector variable's box as checked: n lower and n upper limits. */
export interface Box {
  /** Lower limits, -Infinity where none. */
  readonly lower: Float64Array;
  /** Upper limits, Infinity where none. */
  readonly upper: Float64Array;
}

/** Box bounds of a Vector variable, per coordinate (see {@link VariableOptions.bounds}). */
export interface VariableBounds {
  /** n lower limits (-Infinity for none; default none). */
  lower?: ArrayLike<number>;
  /** n upper limits (Infinity for none; default none). */
  upper?: ArrayLike<number>;
}

const NAME = /^[A-Za-z_][\w.:-]*$/;

/** Checks a name for variables and auxiliary inputs: non-empty, starts with a letter or `_`. */
export function checkName(fn: string, arg: string, name: unknown): string {
  if (typeof name !== 'string') throw typeError(fn, arg, 'a string', name);
  if (!NAME.test(name)) throw rangeError(fn, arg, 'a name of letters, digits, _ . : - starting with a letter or _', `'${name}'`);
  return name;
}

/** options.bounds checked: a Vector's lower and upper limits per coordinate (±Infinity where not given), lower ≤ upper. */
export function checkBounds(fn: string, group: LieGroup, bounds: unknown): { lower: Float64Array; upper: Float64Array } {
  if (!group.name.startsWith('Vector')) throw rangeError(fn, 'options.bounds', 'given for a Vector variable only', `bounds on ${group.name}`);
  const b = checkOptions(fn, 'options.bounds', bounds, ['lower', 'upper']);
  const limits = (name: 'lower' | 'upper', none: number): Float64Array => {
    const arg = `options.bounds.${name}`;
    const value = b[name];
    if (value === undefined) return new Float64Array(group.storage).fill(none);
    if (value === null || typeof value !== 'object' || typeof (value as ArrayLike<number>).length !== 'number')
      throw typeError(fn, arg, `an array of ${group.storage} numbers`, value);
    const out = Float64Array.from(value as ArrayLike<number>);
    if (out.length !== group.storage) throw rangeError(fn, arg, `${group.storage} numbers (one per coordinate)`, `${out.length}`);
    out.forEach((v, i) => {
      if (Number.isNaN(v)) throw rangeError(fn, arg, 'numbers (±Infinity for none)', `NaN at index ${i}`);
    });
    return out;
  };
  const lower = limits('lower', -Infinity);
  const upper = limits('upper', Infinity);
  lower.forEach((l, i) => {
    if (!(l <= upper[i]!)) throw rangeError(fn, 'options.bounds', 'lower ≤ upper in every coordinate', `${l} > ${upper[i]} at coordinate ${i}`);
  });
  return { lower, upper };
}

/** Values inside the box, or a RangeError naming the first outside. */
export function checkInBounds(fn: string, arg: string, values: Float64Array, { lower, upper }: { lower: Float64Array; upper: Float64Array }): void {
  const n = lower.length;
  for (let i = 0; i < values.length; i++) {
    const c = i % n;
    if (!(values[i]! >= lower[c]! && values[i]! <= upper[c]!)) {
      throw rangeError(fn, arg, `within options.bounds ([${lower[c]}, ${upper[c]}] at coordinate ${c})`, `${values[i]} at index ${i}`);
    }
  }
}

// Set by Variable's static block: reads #values for the objective.
let readValues: (variable: Variable) => Float64Array;

/**
 * A block of manifold elements to optimise.
 *
 * @example
 * ```ts
 * import { SE2, Variable } from 'ariadne';
 * // Three 2D poses, the first held constant.
 * const poses = new Variable('poses', SE2, new Float64Array([0, 0, 0, 1, 0, 0, 2, 0, 0]), { constant: [0] });
 * console.log(poses.count, poses.batch, poses.isConstant(0)); // 3 1 true
 * ```
 */
export class Variable {
  /** Unique within an objective; results are read by it ({@link SolveResult.values}). */
  readonly name: string;
  /** The manifold of every element. */
  readonly group: LieGroup;
  /** Elements per batch element. */
  readonly count: number;
  /** Batch size of the values: 1 (shared initial values) or B. */
  readonly batch: number;
  /** The frame of the optimiser's update: 'body' (x·Exp(δ)) or 'world'. */
  readonly tangent: TangentFrame;
  /** Per coordinate (storage), the box of a bounded Vector variable (lower and upper, ±Infinity where none); undefined without bounds. */
  readonly bounds: Box | undefined;
  #values: Float64Array;
  readonly #constant: Uint8Array;

  /**
   * @param values batch·count·storage numbers (validated and normalised: SE2
   *   angles wrapped, quaternions must be unit within 1e-6); copied
   */
  constructor(name: string, group: LieGroup, values: Float64Array, options: VariableOptions = {}) {
    const fn = 'Variable';
    this.name = checkName(fn, 'name', name);
    if (typeof group !== 'object' || group === null || typeof (group as LieGroup).storage !== 'number') {
      throw typeError(fn, 'group', 'a Lie group (SO2, SE2, SO3, SE3 or Vector(n))', group);
    }
    this.group = group;
    const o = checkOptions(fn, 'options', options, ['batch', 'constant', 'tangent', 'bounds']);
    this.tangent = o.tangent === undefined ? 'body' : checkOneOf(fn, 'options.tangent', o.tangent, ['body', 'world'] as const);
    this.batch = o.batch === undefined ? 1 : checkInteger(fn, 'options.batch', o.batch, 1, MAX_INT32);
    const v = checkTypedArray(fn, 'values', values, Float64Array);
    const per = this.batch * group.storage;
    if (v.length === 0 || v.length % per !== 0) {
      throw rangeError(fn, 'values', `a non-empty multiple of batch ${this.batch} × storage ${group.storage} numbers long`, `length ${v.length}`);
    }
    group.validate(v, fn, 'values');
    this.count = v.length / per;
    this.#values = group.normalize(v);
    this.#constant = new Uint8Array(this.count);
    if (o.constant !== undefined) this.setConstant(o.constant as ArrayLike<number>);
    this.bounds = o.bounds === undefined ? undefined : checkBounds(fn, group, o.bounds);
    if (this.bounds) checkInBounds(fn, 'values', this.#values, this.bounds);
  }

  /** A copy of the values (batch·count·storage). */
  get values(): Float64Array {
    return this.#values.slice();
  }

  /** Replaces the values (same length); the optimisers start from them. */
  setValues(values: Float64Array): void {
    const fn = 'Variable.setValues';
    const v = checkTypedArray(
      fn,
      'values',
      values,
      Float64Array,
      this.#values.length,
      `batch ${this.batch} × count ${this.count} × storage ${this.group.storage}`,
    );
    this.group.validate(v, fn, 'values');
    if (this.bounds) checkInBounds(fn, 'values', v, this.bounds);
    this.#values = this.group.normalize(v);
  }

  /** Holds the given elements constant (or releases them with `constant = false`). */
  setConstant(indices: ArrayLike<number>, constant = true): void {
    const fn = 'Variable.setConstant';
    if (typeof indices !== 'object' || indices === null || typeof indices.length !== 'number') {
      throw typeError(fn, 'indices', 'an array of element indices', indices);
    }
    for (let k = 0; k < indices.length; k++) {
      const e = indices[k];
      if (typeof e !== 'number' || !Number.isInteger(e) || e < 0 || e >= this.count) {
        throw rangeError(fn, `indices[${k}]`, `an element index in [0, ${this.count})`, describe(e));
      }
      this.#constant[e] = constant ? 1 : 0;
    }
  }

  /** Whether element `element` is held constant. */
  isConstant(element: number): boolean {
    return this.#constant[element] === 1;
  }

  static {
    readValues = (variable) => variable.#values;
  }
}

/** The values without a copy, for the objective (which never writes them). Not exported from the package. */
export function variableValues(variable: Variable): Float64Array {
  return readValues(variable);
}
