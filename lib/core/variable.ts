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
}

const NAME = /^[A-Za-z_][\w.:-]*$/;

/** Checks a name for variables and auxiliary inputs: non-empty, starts with a letter or `_`. */
export function checkName(fn: string, arg: string, name: unknown): string {
  if (typeof name !== 'string') throw typeError(fn, arg, 'a string', name);
  if (!NAME.test(name)) throw rangeError(fn, arg, 'a name of letters, digits, _ . : - starting with a letter or _', `'${name}'`);
  return name;
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
    const o = checkOptions(fn, 'options', options, ['batch', 'constant', 'tangent']);
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
