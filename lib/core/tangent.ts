/**
 * The frame of the optimiser's update δ for a variable's elements.
 *
 * 'body' (the default, DESIGN.md's convention): the right tangent,
 *   x ⊕ δ = x·Exp(δ).
 * 'world': translation and rotation updated in world coordinates, the
 *   parameterisation Ceres uses for poses (position + quaternion, or SE2 as
 *   (x, y, θ) with additive updates):
 *   SE3: t′ = t + δv, R′ = Exp(δω)·R;  SE2: t′ = t + δt, θ′ = θ + δθ;
 *   SO3: R′ = Exp(δω)·R;  SO2 and vectors: as 'body'.
 * Both have the same minima; the optimiser's path differs (Levenberg-Marquardt
 * damps diag(JᵀJ), which is not invariant to the frame, and Exp couples
 * translation to rotation along the arc). Measured on ../shared/data: 'world'
 * follows Ceres' iterations exactly (MIT: 71 iterations; M3500b reaches
 * Ceres' minimum), 'body' needs 210 on MIT and ends in another minimum of
 * M3500b but goes further on intel-1228 and M3500a.
 *
 * Cost terms always give Jacobians in the body frame; for 'world' the
 * objective multiplies them by T = ∂δ_body/∂δ_world at δ = 0:
 *   SE3 diag(Rᵀ, Rᵀ),  SE2 diag(Rᵀ, 1),  SO3 Rᵀ
 * (x·Exp(δ_b) ≈ (t + R δv_b, R Exp(δω_b)) = (t + δv, Exp(δω) R) to first order).
 */
import { timesRotation2T, timesRotation3T, type LieGroup } from '../geometry/lie-group.js';
import { SE2 } from '../geometry/se2.js';
import { SE3 } from '../geometry/se3.js';
import { SO3 } from '../geometry/so3.js';

/**
 * The frame of a variable's update δ ({@link VariableOptions.tangent}):
 * 'body' is x ⊕ δ = x·Exp(δ); 'world' updates translation and rotation in
 * world coordinates (t′ = t + δt, R′ = Exp(δω)·R). Same minima, different paths.
 */
export type TangentFrame = 'body' | 'world';

/** Whether the 'world' frame differs from 'body' for this group (it is defined for every group). */
export function hasWorldFrame(group: LieGroup): boolean {
  return group === SE2 || group === SE3 || group === SO3;
}

/**
 * In place, for `rows` rows: J ← J·T with T = ∂δ_body/∂δ_world at the
 * elements x (rows × storage), J rows × d × dof. Only the translation and
 * rotation columns mix, within their 2- or 3-column groups: J_g ← J_g·Rᵀ.
 */
export function bodyToWorldJacobian(group: LieGroup, x: Float64Array, rows: number, d: number, J: Float64Array, scratch: Float64Array): void {
  const dof = group.dof;
  if (group === SE2) {
    for (let row = 0; row < rows; row++) timesRotation2T(J, row * d * 3, d, 3, Math.cos(x[row * 3 + 2]!), Math.sin(x[row * 3 + 2]!));
    return;
  }
  if (group === SE3 || group === SO3) {
    const R = SO3.toMatrix(group === SE3 ? SE3.toRotation(x, scratch.subarray(0, rows * 4)) : x, scratch.subarray(rows * 4, rows * 13));
    for (let row = 0; row < rows; row++) timesRotation3T(J, row * d * dof, d, dof, R, row * 9);
  }
}

/** Scratch numbers bodyToWorldJacobian needs for `rows` rows. */
export function worldScratchLength(rows: number): number {
  return rows * 13;
}

/** out = x ⊕ δ with δ in the world frame. */
export function retractWorld(group: LieGroup, x: Float64Array, delta: Float64Array, out: Float64Array): void {
  if (group === SE2) {
    for (let i = 0; i < x.length; i++) out[i] = x[i]! + delta[i]!;
    SE2.normalize(out, out);
    return;
  }
  if (group === SO3) {
    SO3.compose(SO3.exp(delta), x, out);
    return;
  }
  if (group === SE3) {
    const count = x.length / 7;
    const omega = new Float64Array(count * 3);
    const q = new Float64Array(count * 4);
    for (let k = 0; k < count; k++) {
      for (let c = 0; c < 3; c++) {
        out[k * 7 + c] = x[k * 7 + c]! + delta[k * 6 + c]!;
        omega[k * 3 + c] = delta[k * 6 + 3 + c]!;
      }
      for (let c = 0; c < 4; c++) q[k * 4 + c] = x[k * 7 + 3 + c]!;
    }
    const rotated = SO3.compose(SO3.exp(omega), q);
    for (let k = 0; k < count; k++) for (let c = 0; c < 4; c++) out[k * 7 + 3 + c] = rotated[k * 4 + c]!;
    return;
  }
  group.retract(x, delta, out);
}
