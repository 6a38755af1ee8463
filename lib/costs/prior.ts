/**
 * Prior: pulls elements towards targets on their manifold,
 *   r = local(T, X) = Log(T⁻¹ · X),    J_X = Jr⁻¹(r),
 *   J_T = local's J_out_x = −Jr⁻¹(r)·Ad(X⁻¹T) (along T's right tangent).
 * T is an auxiliary input shaped [1|B] × [1|I] × storage. (A prior is a cost,
 * not a constraint: to hold an element fixed, make it constant.)
 */
import { CostTerm, type ElementRef, type TermOptions } from '../core/cost-term.js';
import { checkOptions } from '../base/check.js';
import type { LieGroup } from '../geometry/lie-group.js';
import { groupOf } from './refs.js';

/** Options of {@link Prior}. */
export interface PriorOptions extends TermOptions {
  /** The elements X pulled towards their targets. */
  variable: ElementRef;
  /** T: [1|B] × [1|I] × storage. */
  target: Float64Array;
  /** Batch size of the targets (1 or B; default 1). */
  targetBatch?: number;
  /** Name of the target input (default `<name>.target`). */
  targetName?: string;
}

/**
 * The residual Log(T⁻¹ X).
 *
 * @example
 * ```ts
 * import { Objective, Prior, Variable, Vector } from 'ariadne';
 * const p = new Variable('p', Vector(2), new Float64Array([3, 4]));
 * console.log(new Objective([new Prior({ variable: p, target: new Float64Array([0, 0]) })]).costs()[0]); // 12.5
 * ```
 */
export class Prior extends CostTerm {
  /** The manifold of the variable and the targets. */
  readonly group: LieGroup;

  constructor(options: PriorOptions) {
    const fn = 'Prior';
    const o = checkOptions(fn, 'options', options, ['name', 'weight', 'loss', 'variable', 'target', 'targetBatch', 'targetName']);
    const group = groupOf(fn, 'options.variable', o.variable);
    const name = (o.name as string | undefined) ?? 'prior';
    super(fn, {
      name,
      dim: group.dof,
      variables: [{ arg: 'options.variable', ref: o.variable }],
      auxiliary: [
        {
          arg: 'options.target',
          name: (o.targetName as string | undefined) ?? `${name}.target`,
          values: o.target as Float64Array,
          k: group.storage,
          batch: o.targetBatch as number | undefined,
          group,
        },
      ],
      weight: o.weight,
      loss: o.loss,
    });
    this.group = group;
  }

  /** It writes every residual and Jacobian entry (no NaN-poisoning needed). */
  override get writesEveryEntry(): boolean {
    return true;
  }

  evaluate(_rows: number, inputs: readonly Float64Array[], residuals: Float64Array, jacobians: readonly (Float64Array | undefined)[]): void {
    const [x, target] = inputs as [Float64Array, Float64Array];
    this.group.local(target, x, residuals, undefined, jacobians[0]);
  }

  /** ∂r/∂T: local's Jacobian with respect to its first argument. */
  override inputJacobians(rows: number, inputs: readonly Float64Array[], jacobians: readonly (Float64Array | undefined)[]): void {
    const [x, target] = inputs as [Float64Array, Float64Array];
    if (jacobians[0] !== undefined) this.group.local(target, x, this.buffer('r', rows * this.dim), jacobians[0]);
  }
}
