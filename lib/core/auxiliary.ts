/**
 * An auxiliary input of a cost term: a measurement, a target, a weight or a
 * loss radius. Its values are shaped [1|B] × [1|instances] × k (batch-major):
 * a batch of 1 is shared by every batch element, one instance by every
 * instance. Every auxiliary input has a unique name within an objective; the
 * differentiable layer keys its inputs by these names.
 */
import type { LieGroup } from '../geometry/lie-group.js';
import { MAX_INT32, checkInteger, checkTypedArray, rangeError } from '../base/check.js';
import { checkName } from './variable.js';

// Set by Auxiliary's static block: read and put back #values for the objective and the layer.
let readValues: (aux: Auxiliary) => Float64Array;
let writeValues: (aux: Auxiliary, values: Float64Array) => void;

export class Auxiliary {
  readonly name: string;
  /** Numbers per instance. */
  readonly k: number;
  /** 1 or B. */
  readonly batch: number;
  /** 1 or the term's instance count. */
  readonly instances: number;
  /** The manifold the values live on (measurements and targets), if any. */
  readonly group: LieGroup | undefined;
  #values: Float64Array;

  /**
   * @param fn, arg name the caller and argument in error messages
   * @param validate checks the values (finite, unit quaternions, positive diagonals, ...)
   */
  constructor(
    fn: string,
    arg: string,
    name: string,
    values: Float64Array,
    k: number,
    batch: unknown,
    group: LieGroup | undefined,
    readonly validate: (values: Float64Array, fn: string, arg: string) => void,
  ) {
    this.name = checkName(fn, `${arg} name`, name);
    this.k = k;
    this.group = group;
    this.batch = batch === undefined ? 1 : checkInteger(fn, `${arg} batch`, batch, 1, MAX_INT32);
    const v = checkTypedArray(fn, arg, values, Float64Array);
    const per = this.batch * k;
    if (v.length === 0 || v.length % per !== 0) {
      throw rangeError(fn, arg, `a non-empty multiple of batch ${this.batch} × ${k} numbers long`, `length ${v.length}`);
    }
    this.instances = v.length / per;
    validate(v, fn, arg);
    this.#values = group === undefined ? v.slice() : group.normalize(v);
  }

  /** A copy of the values. */
  get values(): Float64Array {
    return this.#values.slice();
  }

  /** Replaces the values (same length); validated like the original ones. */
  setValues(values: Float64Array, fn = `${this.name}.setValues`): void {
    const v = checkTypedArray(fn, 'values', values, Float64Array, this.#values.length, `batch ${this.batch} × instances ${this.instances} × ${this.k}`);
    this.validate(v, fn, 'values');
    this.#values = this.group === undefined ? v.slice() : this.group.normalize(v);
  }

  static {
    readValues = (aux) => aux.#values;
    writeValues = (aux, values) => {
      aux.#values = values;
    };
  }
}

/** The values without a copy, with k, for the objective (which never writes them). Not exported from the package. */
export function auxiliaryValues(aux: Auxiliary): { k: number; values: Float64Array } {
  return { k: aux.k, values: readValues(aux) };
}

/** Puts back values taken with auxiliaryValues (a copy of them, unchecked: they were valid), bit for bit. Not exported from the package. */
export function restoreAuxiliaryValues(aux: Auxiliary, values: Float64Array): void {
  writeValues(aux, values.slice());
}
