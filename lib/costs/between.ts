/**
 * Between: the relative-pose residual of pose graphs (Theseus' and GTSAM's
 * "between" factor), for any Lie group G:
 *   D = X_a⁻¹ · X_b,   E = Z⁻¹ · D,   r = Log(E)        (r ∈ tangent of G)
 * With right perturbations, ∂D/∂b = I and ∂E/∂D = I, so
 *   J_b = Jr⁻¹(r),     J_a = Jr⁻¹(r) · ∂D/∂a = −Jr⁻¹(r) · Ad(D⁻¹).
 * For the measurement, Z ⊕ δ gives E' = Exp(−δ)·E = E·Exp(−Ad(E⁻¹)δ), so
 *   J_Z = Jr⁻¹(r) · ∂E/∂Z = −Jr⁻¹(r) · Ad(E⁻¹).
 * Z (the measured relative pose) is an auxiliary input shaped
 * [1|B] × [1|I] × storage.
 */
import { multiplyBlocks } from '../core/blocks.js';
import { CostTerm, type ElementRef, type TermOptions } from '../core/cost-term.js';
import { checkOptions } from '../base/check.js';
import type { LieGroup } from '../geometry/lie-group.js';
import { betweenKernel, type BetweenKernel } from './between-kernels.js';
import { groupOfPair } from './refs.js';

/** Options of {@link Between}. */
export interface BetweenOptions extends TermOptions {
  /** The "from" elements X_a. */
  a: ElementRef;
  /** The "to" elements X_b (same group as a). */
  b: ElementRef;
  /** Z: [1|B] × [1|I] × storage. */
  measurement: Float64Array;
  /** Batch size of the measurements (1 or B; default 1). */
  measurementBatch?: number;
  /** Name of the measurement input (default `<name>.measurement`). */
  measurementName?: string;
}

/**
 * The residual Log(Z⁻¹ X_a⁻¹ X_b) between pairs of elements.
 *
 * @example
 * ```ts
 * import { Between, Objective, SE2, Variable } from 'ariadne';
 * const poses = new Variable('poses', SE2, new Float64Array([0, 0, 0, 0.9, 0.1, 0]), { constant: [0] });
 * // One odometry edge 0 → 1 measuring a 1 m step forward.
 * const odometry = new Between({ a: { variable: poses, indices: [0] }, b: { variable: poses, indices: [1] }, measurement: new Float64Array([1, 0, 0]) });
 * console.log(new Objective([odometry]).costs()[0].toFixed(3)); // 0.010
 * ```
 */
export class Between extends CostTerm {
  /** The manifold of the poses and the measurements. */
  readonly group: LieGroup;
  readonly #kernel: BetweenKernel | undefined;

  constructor(options: BetweenOptions) {
    const fn = 'Between';
    const o = checkOptions(fn, 'options', options, ['name', 'weight', 'loss', 'a', 'b', 'measurement', 'measurementBatch', 'measurementName']);
    const group = groupOfPair(fn, o.a, o.b);
    const name = (o.name as string | undefined) ?? 'between';
    super(fn, {
      name,
      dim: group.dof,
      variables: [
        { arg: 'options.a', ref: o.a },
        { arg: 'options.b', ref: o.b },
      ],
      auxiliary: [
        {
          arg: 'options.measurement',
          name: (o.measurementName as string | undefined) ?? `${name}.measurement`,
          values: o.measurement as Float64Array,
          k: group.storage,
          batch: o.measurementBatch as number | undefined,
          group,
        },
      ],
      weight: o.weight,
      loss: o.loss,
    });
    this.group = group;
    this.#kernel = betweenKernel(group);
  }

  override get writesWorldFrame(): boolean {
    return this.#kernel !== undefined;
  }

  /** It writes every residual and Jacobian entry (no NaN-poisoning needed). */
  override get writesEveryEntry(): boolean {
    return true;
  }

  evaluate(
    rows: number,
    inputs: readonly Float64Array[],
    residuals: Float64Array,
    jacobians: readonly (Float64Array | undefined)[],
    world?: readonly boolean[],
  ): void {
    const [xa, xb, z] = inputs as [Float64Array, Float64Array, Float64Array];
    const [ja, jb] = jacobians;
    // Pose graphs: the same values in one pass (tests compare them with the group verbs).
    if (this.#kernel !== undefined) return this.#kernel(rows, xa, xb, z, residuals, ja, jb, world?.[0] === true, world?.[1] === true);
    this.#verbs(rows, xa, xb, z, residuals, ja, jb, undefined);
  }

  /** ∂r/∂Z = −Jr⁻¹(r)·Ad(E⁻¹), along Z's right tangent (dof × dof per row). */
  override inputJacobians(rows: number, inputs: readonly Float64Array[], jacobians: readonly (Float64Array | undefined)[]): void {
    const [xa, xb, z] = inputs as [Float64Array, Float64Array, Float64Array];
    if (jacobians[0] !== undefined) this.#verbs(rows, xa, xb, z, this.buffer('r', rows * this.dim), undefined, undefined, jacobians[0]);
  }

  /** r and the requested Jacobians through the group verbs: D = Xa⁻¹Xb, E = Z⁻¹D, r = Log(E). */
  #verbs(
    rows: number,
    xa: Float64Array,
    xb: Float64Array,
    z: Float64Array,
    residuals: Float64Array,
    ja: Float64Array | undefined,
    jb: Float64Array | undefined,
    jz: Float64Array | undefined,
  ): void {
    const G = this.group;
    const dof = G.dof;
    const st = G.storage;
    const dDdA = ja ? this.buffer('dD/da', rows * dof * dof) : undefined;
    const dEdZ = jz ? this.buffer('dE/dz', rows * dof * dof) : undefined;
    const d = G.between(xa, xb, this.buffer('D', rows * st), dDdA);
    const e = G.between(z, d, this.buffer('E', rows * st), dEdZ);
    const jrInv = ja || jb || jz ? this.buffer('Jr⁻¹', rows * dof * dof) : undefined;
    G.log(e, residuals, jrInv);
    if (jb) jb.set(jrInv!);
    if (ja) multiplyBlocks(rows, jrInv!, dDdA!, ja, dof, dof, dof);
    if (jz) multiplyBlocks(rows, jrInv!, dEdZ!, jz, dof, dof, dof);
  }
}
