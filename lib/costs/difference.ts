/**
 * Difference of two vectors against a target:
 *   r = a − b − t,     J_a = I,   J_b = −I,   J_t = −I.
 * a and b are elements of the same Vector(n); t is an auxiliary input shaped
 * [1|B] × [1|I] × n (zero when omitted).
 */
import { CostTerm, type ElementRef, type TermOptions } from '../core/cost-term.js';
import { checkOptions, rangeError } from '../base/check.js';
import { writeScaledIdentity } from '../geometry/lie-group.js';
import { groupOfPair } from './refs.js';

/** Options of {@link Difference}. */
export interface DifferenceOptions extends TermOptions {
  /** The elements a, of a Vector(n) variable. */
  a: ElementRef;
  /** The elements b, of the same group as a. */
  b: ElementRef;
  /** t: [1|B] × [1|I] × n (default zero). */
  target?: Float64Array;
  /** Batch size of the targets (1 or B; default 1). */
  targetBatch?: number;
  /** Name of the target input (default `<name>.target`). */
  targetName?: string;
}

/**
 * The residual a − b − t for vector elements.
 *
 * @example
 * ```ts
 * import { Difference, Objective, Variable, Vector } from 'ariadne';
 * const x = new Variable('x', Vector(1), new Float64Array([5, 2]));
 * const gap = new Difference({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, target: new Float64Array([1]) });
 * console.log(new Objective([gap]).costs()[0]); // 2 — ½ (5 − 2 − 1)²
 * ```
 */
export class Difference extends CostTerm {
  constructor(options: DifferenceOptions) {
    const fn = 'Difference';
    const o = checkOptions(fn, 'options', options, ['name', 'weight', 'loss', 'a', 'b', 'target', 'targetBatch', 'targetName']);
    const group = groupOfPair(fn, o.a, o.b);
    if (!group.name.startsWith('Vector')) throw rangeError(fn, 'options.a', 'elements of a Vector(n)', `elements of ${group.name}`);
    const name = (o.name as string | undefined) ?? 'difference';
    super(fn, {
      name,
      dim: group.dof,
      variables: [
        { arg: 'options.a', ref: o.a },
        { arg: 'options.b', ref: o.b },
      ],
      auxiliary: [
        {
          arg: 'options.target',
          name: (o.targetName as string | undefined) ?? `${name}.target`,
          values: (o.target as Float64Array | undefined) ?? new Float64Array(group.dof),
          k: group.dof,
          batch: o.targetBatch as number | undefined,
        },
      ],
      weight: o.weight,
      loss: o.loss,
    });
  }

  /** It writes every residual and Jacobian entry (no NaN-poisoning needed). */
  override get writesEveryEntry(): boolean {
    return true;
  }

  evaluate(rows: number, inputs: readonly Float64Array[], residuals: Float64Array, jacobians: readonly (Float64Array | undefined)[]): void {
    const [a, b, t] = inputs as [Float64Array, Float64Array, Float64Array];
    const n = this.dim;
    for (let i = 0; i < rows * n; i++) residuals[i] = a[i]! - b[i]! - t[i]!;
    const [ja, jb] = jacobians;
    if (ja) writeScaledIdentities(rows, n, 1, ja);
    if (jb) writeScaledIdentities(rows, n, -1, jb);
  }

  /** ∂r/∂t = −I. */
  override inputJacobians(rows: number, _inputs: readonly Float64Array[], jacobians: readonly (Float64Array | undefined)[]): void {
    if (jacobians[0] !== undefined) writeScaledIdentities(rows, this.dim, -1, jacobians[0]);
  }
}

/** s·I (n × n) for each of `rows` rows of J. */
function writeScaledIdentities(rows: number, n: number, s: number, J: Float64Array): void {
  for (let row = 0; row < rows; row++) writeScaledIdentity(J, row * n * n, n, s);
}
