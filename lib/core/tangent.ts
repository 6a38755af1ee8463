/**
 * The frame of the optimiser's update δ for a variable's elements.
 *
 * 'body' (the default, the library's convention): the right tangent,
 *   x ⊕ δ = x·Exp(δ).
 * 'world': translation and rotation updated in world coordinates, the
 *   parameterisation Ceres uses for poses (position + quaternion, or SE2 as
 *   (x, y, θ) with additive updates):
 *   SE3: t′ = t + δv, R′ = Exp(δω)·R;  SE2: t′ = t + δt, θ′ = θ + δθ;
 *   SO3: R′ = Exp(δω)·R;  SO2 and vectors: as 'body'.
 * Both have the same minima; the optimiser's path differs (Levenberg-Marquardt
 * damps diag(JᵀJ), which is not invariant to the frame, and Exp couples
 * translation to rotation along the arc). Measured on the reference pose graphs: 'world'
 * follows Ceres' iterations exactly (MIT: 71 iterations; M3500b reaches
 * Ceres' minimum), 'body' needs 210 on MIT and ends in another minimum of
 * M3500b but goes further on intel-1228 and M3500a.
 *
 * Cost terms always give Jacobians in the body frame; for 'world' the
 * objective multiplies them by T = ∂δ_body/∂δ_world at δ = 0:
 *   SE3 diag(Rᵀ, Rᵀ),  SE2 diag(Rᵀ, 1),  SO3 Rᵀ
 * (x·Exp(δ_b) ≈ (t + R δv_b, R Exp(δω_b)) = (t + δv, Exp(δω) R) to first order).
 * Each group that has the frame implements it (LieGroup.worldFrame).
 */
import type { LieGroup } from '../geometry/lie-group.js';

/**
 * The frame of a variable's update δ ({@link VariableOptions.tangent}):
 * 'body' is x ⊕ δ = x·Exp(δ); 'world' updates translation and rotation in
 * world coordinates (t′ = t + δt, R′ = Exp(δω)·R). Same minima, different paths.
 */
export type TangentFrame = 'body' | 'world';

/** Whether the 'world' frame differs from 'body' for this group (it is defined for every group). */
export function hasWorldFrame(group: LieGroup): boolean {
  return group.worldFrame !== undefined;
}

/**
 * The magnitude a relative numeric step along tangent coordinate c of
 * element `row` (storage at row·storage in x) scales with: a Vector's |x_c|
 * (a parameter's own size); 1 on a Lie group, whose tangent is a
 * displacement (a pose's distance from the origin says nothing of the
 * residual's scale).
 */
export function tangentMagnitude(group: LieGroup, x: Float64Array, row: number, c: number): number {
  return group.name.startsWith('Vector') ? Math.abs(x[row * group.storage + c]!) : 1;
}

/**
 * The two sides of a central difference along tangent coordinate c, every
 * row at once: the residuals (rows × d, from `evaluate(moved, out)`) at
 * x ⊕ (+h_row e_c) and x ⊕ (−h_row e_c), h_row = steps[row], and per row
 * the width between the two points: 2h, or for a Vector the difference of
 * x + h and x − h as rounded (not exactly 2h where |x| ≫ h).
 */
export function centralSides(
  group: LieGroup,
  x: Float64Array,
  rows: number,
  d: number,
  c: number,
  steps: Float64Array,
  evaluate: (moved: Float64Array, out: Float64Array) => void,
): { plus: Float64Array; minus: Float64Array; width: Float64Array } {
  const dof = group.dof;
  const vector = group.name.startsWith('Vector');
  const width = new Float64Array(rows);
  const [plus, minus] = ([1, -1] as const).map((sign) => {
    const delta = new Float64Array(rows * dof);
    for (let row = 0; row < rows; row++) delta[row * dof + c] = sign * steps[row]!;
    const moved = group.retract(x, delta);
    for (let row = 0; row < rows; row++) width[row] = vector ? (sign === 1 ? 0 : width[row]!) + sign * moved[row * dof + c]! : 2 * steps[row]!;
    const out = new Float64Array(rows * d);
    evaluate(moved, out);
    return out;
  }) as [Float64Array, Float64Array];
  return { plus, minus, width };
}
