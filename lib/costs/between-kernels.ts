/**
 * The fused kernels of Between for the pose groups: the residual
 * r = Log(Z⁻¹·Xa⁻¹·Xb) and both Jacobians in one pass per row, with the
 * Jacobians in the body or the world frame (a Variable's `tangent` option). They give
 * the numbers of Between's general path (the group verbs), faster; Between
 * uses them through {@link betweenKernel}.
 */
import { coefAlpha, coefB, coefK, matmul, timesRotation3T, wrapAngle, type LieGroup } from '../geometry/lie-group.js';
import { SE2 } from '../geometry/se2.js';
import { SE3, betweenInto, logInto, writeAdjointInverse } from '../geometry/se3.js';
import { inverseNorm, rotatePoint, writeRotation } from '../geometry/so3.js';

/** A fused Between kernel: `rows` rows of xa, xb, z (storage numbers each) → r and, when given, J_a and J_b. */
export type BetweenKernel = (
  rows: number,
  xa: Float64Array,
  xb: Float64Array,
  z: Float64Array,
  r: Float64Array,
  Ja: Float64Array | undefined,
  Jb: Float64Array | undefined,
  worldA: boolean,
  worldB: boolean,
) => void;

/** The fused kernel for `group`, or undefined (Between then uses the group verbs). */
export function betweenKernel(group: LieGroup): BetweenKernel | undefined {
  if (group === SE2) return betweenResidualSE2;
  if (group === SE3) return betweenResidualSE3;
  return undefined;
}

/**
 * The residual of a relative-pose measurement, fused for cost terms:
 * r = Log(Z⁻¹·Xa⁻¹·Xb) and its Jacobians with respect to the right tangents
 * of Xa and Xb, J_b = Jr⁻¹(r), J_a = −Jr⁻¹(r)·Ad(D⁻¹) with D = Xa⁻¹Xb, for
 * `rows` rows of xa, xb, z (3 numbers each). Unchecked: the caller passes
 * finite elements of the right lengths (Between does). Same values as
 * log(between(z, between(xa, xb))) with its Jacobians, in one pass.
 * `worldA`/`worldB` give J_a/J_b in the world frame instead (a Variable's `tangent` option):
 * J·diag(Rᵀ, 1), with R_b = R_a·R(θ_D) (no further trigonometry).
 *
 * Written out in one loop on locals (log and Jr⁻¹ as lib/geometry/se2.ts' logInto and writeJrInv):
 * V8 boxes the numbers passed to a function it does not inline, and the
 * helper calls made this kernel 1.5× slower.
 */
function betweenResidualSE2(
  rows: number,
  xa: Float64Array,
  xb: Float64Array,
  z: Float64Array,
  r: Float64Array,
  Ja: Float64Array | undefined,
  Jb: Float64Array | undefined,
  worldA: boolean,
  worldB: boolean,
): void {
  for (let k = 0; k < rows; k++) {
    const i = 3 * k;
    const o = 9 * k;
    const ca = Math.cos(xa[i + 2]!);
    const sa = Math.sin(xa[i + 2]!);
    const ux = xb[i]! - xa[i]!;
    const uy = xb[i + 1]! - xa[i + 1]!;
    // D = Xa⁻¹·Xb.
    const dx = ca * ux + sa * uy;
    const dy = -sa * ux + ca * uy;
    // E = Z⁻¹·D = (t, θ), θ wrapped.
    const cz = Math.cos(z[i + 2]!);
    const sz = Math.sin(z[i + 2]!);
    const vx = dx - z[i]!;
    const vy = dy - z[i + 1]!;
    const tx = cz * vx + sz * vy;
    const ty = -sz * vx + cz * vy;
    const th = wrapAngle(xb[i + 2]! - xa[i + 2]! - z[i + 2]!);
    const sh = Math.sin(0.5 * th);
    const ch = Math.cos(0.5 * th);
    // r = Log(E) = (V⁻¹ t, θ), V⁻¹ = [[α, h], [−h, α]], h = θ/2.
    const alpha = coefAlpha(th, sh, ch);
    const h = 0.5 * th;
    const r1 = alpha * tx + h * ty;
    const r2 = -h * tx + alpha * ty;
    r[i] = r1;
    r[i + 1] = r2;
    r[i + 2] = th;
    if (Ja === undefined && Jb === undefined) continue;
    // Jr⁻¹(r) = [[α, −h, j02], [h, α, j12], [0, 0, 1]].
    const kk = coefK(th, sh);
    const C = th * coefB(th, sh, ch);
    const Dk = 2 * kk * kk;
    const c1 = r1 * C - r2 * Dk;
    const c2 = r1 * Dk + r2 * C;
    const j02 = -(alpha * c1 - h * c2);
    const j12 = -(h * c1 + alpha * c2);
    // cos, sin of θ_D = θ + θ_z (mod 2π), from the half angle.
    const cth = ch * ch - sh * sh;
    const sth = 2 * sh * ch;
    const cd = cth * cz - sth * sz;
    const sd = sth * cz + cth * sz;
    if (Jb !== undefined) {
      // J_b = Jr⁻¹, or Jr⁻¹·diag(R_bᵀ, 1) with R_b of θ_a + θ_D.
      const cb = worldB ? ca * cd - sa * sd : 1;
      const sb = worldB ? sa * cd + ca * sd : 0;
      Jb[o] = alpha * cb + h * sb;
      Jb[o + 1] = alpha * sb - h * cb;
      Jb[o + 2] = j02;
      Jb[o + 3] = h * cb - alpha * sb;
      Jb[o + 4] = h * sb + alpha * cb;
      Jb[o + 5] = j12;
      Jb[o + 6] = 0;
      Jb[o + 7] = 0;
      Jb[o + 8] = 1;
    }
    if (Ja !== undefined) {
      // M = −Jr⁻¹·Ad(D⁻¹), Ad(D⁻¹) = [[cd, sd, sd·dx − cd·dy], [−sd, cd, cd·dx + sd·dy], [0, 0, 1]].
      const a02 = sd * dx - cd * dy;
      const a12 = cd * dx + sd * dy;
      const m00 = -(alpha * cd + h * sd);
      const m01 = -(alpha * sd - h * cd);
      const m10 = -(h * cd - alpha * sd);
      const m11 = -(h * sd + alpha * cd);
      // J_a = M, or M·diag(R_aᵀ, 1).
      const c = worldA ? ca : 1;
      const s = worldA ? sa : 0;
      Ja[o] = m00 * c - m01 * s;
      Ja[o + 1] = m00 * s + m01 * c;
      Ja[o + 2] = -(alpha * a02 - h * a12 + j02);
      Ja[o + 3] = m10 * c - m11 * s;
      Ja[o + 4] = m10 * s + m11 * c;
      Ja[o + 5] = -(h * a02 + alpha * a12 + j12);
      Ja[o + 6] = 0;
      Ja[o + 7] = 0;
      Ja[o + 8] = -1;
    }
  }
}

const betweenD = new Float64Array(7);
const betweenE = new Float64Array(7);
const betweenJr = new Float64Array(36);
const betweenAd = new Float64Array(36);

/**
 * The residual of a relative-pose measurement, fused for cost terms:
 * r = Log(Z⁻¹·Xa⁻¹·Xb) and its Jacobians with respect to the right tangents
 * of Xa and Xb, J_b = Jr⁻¹(r), J_a = −Jr⁻¹(r)·Ad(D⁻¹) with D = Xa⁻¹Xb, for
 * `rows` rows of xa, xb, z (7 numbers each, unit quaternions). Unchecked:
 * the caller passes valid elements of the right lengths (Between does).
 * Same values as log(between(z, between(xa, xb))) with its Jacobians.
 * `worldA`/`worldB` give J_a/J_b in the world frame instead (a Variable's `tangent` option):
 * J·diag(Rᵀ, Rᵀ).
 */
function betweenResidualSE3(
  rows: number,
  xa: Float64Array,
  xb: Float64Array,
  z: Float64Array,
  r: Float64Array,
  Ja: Float64Array | undefined,
  Jb: Float64Array | undefined,
  worldA: boolean,
  worldB: boolean,
): void {
  const D = betweenD;
  const E = betweenE;
  for (let k = 0; k < rows; k++) {
    const i = 7 * k;
    betweenInto(xa, i, xb, i, D, 0);
    betweenInto(z, i, D, 0, E, 0);
    const J = Jb ?? (Ja ? betweenJr : undefined);
    const jo = Jb ? 36 * k : 0;
    logInto(E[0]!, E[1]!, E[2]!, E[3]!, E[4]!, E[5]!, E[6]!, r, 6 * k, J, undefined, jo);
    if (Ja && Jb && worldA && worldB) {
      worldJacobians(D, Jb, jo, Ja, 36 * k, rotationOf(xb, i));
      continue;
    }
    if (Ja) {
      writeAdjointInverse(betweenAd, 0, D[0]!, D[1]!, D[2]!, D[3]!, D[4]!, D[5]!, D[6]!, -1);
      matmul(J!, jo, betweenAd, 0, Ja, 36 * k, 6, 6, 6);
      if (worldA) timesRotation3T(Ja, 36 * k, 6, 6, rotationOf(xa, i), 0);
    }
    if (Jb && worldB) timesRotation3T(Jb, jo, 6, 6, rotationOf(xb, i), 0);
  }
}

const rotationScratch = new Float64Array(9);
const uScratch = new Float64Array(3);

/**
 * Both Jacobians in the world frame, from Jr⁻¹ = [A | B] (6×3 blocks) at
 * Jb[jo]: with u = R_Dᵀ t_D, Ad(D⁻¹)·diag(R_aᵀ, R_aᵀ) = [[R_bᵀ, −[u]×R_bᵀ],
 * [0, R_bᵀ]], so J_b = [A R_bᵀ | B R_bᵀ] and J_a = [−A R_bᵀ | (A[u]×) R_bᵀ − B R_bᵀ]:
 * no 6×6 product.
 */
function worldJacobians(D: Float64Array, Jb: Float64Array, jo: number, Ja: Float64Array, ja: number, Rb: Float64Array): void {
  rotatePoint(uScratch, 0, -D[3]!, -D[4]!, -D[5]!, D[6]!, D[0]!, D[1]!, D[2]!, 0, 0, 0);
  const [u0, u1, u2] = [uScratch[0]!, uScratch[1]!, uScratch[2]!];
  // Ja's right block ← A[u]× (row j·[u]× = (j1u2 − j2u1, j2u0 − j0u2, j0u1 − j1u0)).
  for (let a = 0; a < 6; a++) {
    const p = jo + 6 * a;
    const j0 = Jb[p]!,
      j1 = Jb[p + 1]!,
      j2 = Jb[p + 2]!;
    const q = ja + 6 * a + 3;
    Ja[q] = j1 * u2 - j2 * u1;
    Ja[q + 1] = j2 * u0 - j0 * u2;
    Ja[q + 2] = j0 * u1 - j1 * u0;
  }
  timesRotation3T(Jb, jo, 6, 6, Rb, 0);
  timesRotation3T(Ja, ja, 6, 6, Rb, 0); // its left block is overwritten below
  for (let a = 0; a < 6; a++) {
    const p = jo + 6 * a;
    const q = ja + 6 * a;
    for (let c = 0; c < 3; c++) {
      Ja[q + c] = -Jb[p + c]!;
      Ja[q + 3 + c]! -= Jb[p + 3 + c]!;
    }
  }
}

/** R of the (normalised) quaternion of the SE3 element at x[i], in a scratch block. */
function rotationOf(x: Float64Array, i: number): Float64Array {
  const s = inverseNorm(x, i + 3);
  writeRotation(rotationScratch, 0, 3, s * x[i + 3]!, s * x[i + 4]!, s * x[i + 5]!, s * x[i + 6]!, 1, false);
  return rotationScratch;
}
