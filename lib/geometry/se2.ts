/**
 * SE(2), rigid motions of the plane, stored as [x, y, θ] (θ wrapped to
 * [-π, π) in every output); tangent τ = (ρ₁, ρ₂, θ), translation first.
 *
 *   x = (t, R(θ)),  x·p = R p + t,  a·b = (t_a + R_a t_b, θ_a + θ_b),  x⁻¹ = (−Rᵀt, −θ)
 *   Exp(ρ, θ) = (V(θ) ρ, θ),   V(θ) = [[A, −B], [B, A]],  A = sin θ/θ = 2k·cos(θ/2),  B = (1 − cos θ)/θ = 2k·sin(θ/2)
 *   Log(t, θ) = (V⁻¹(θ) t, θ),  V⁻¹(θ) = [[α, θ/2], [−θ/2, α]],  α = (θ/2)·cot(θ/2)
 *     (A² + B² = 4k², so the inverse has no division left: at θ = ±π, α = 0.)
 *   Jr(ρ, θ) = [[A,  B, ρ₁C − ρ₂D],
 *               [−B, A, ρ₁D + ρ₂C],
 *               [0,  0, 1        ]],   C = (θ − sin θ)/θ² = θ·b,  D = (1 − cos θ)/θ² = a
 *   Jr⁻¹(ρ, θ) = [[M⁻¹, −M⁻¹ c], [0, 1]],  M⁻¹ = [[α, −θ/2], [θ/2, α]],  c = the last column of Jr
 *   Jl(τ) = Jr(−τ);  Ad(x) = [[R, (t₂, −t₁)ᵀ], [0, 1]]
 *
 * Jacobians: compose J_a = Ad(b)⁻¹, J_b = I; inverse −Ad(x); between
 * J_a = −Ad(a⁻¹b)⁻¹, J_b = I; act J_x = [R, R(−p₂, p₁)ᵀ], J_p = R; retract
 * J_x = Ad(Exp δ)⁻¹, J_δ = Jr(δ); local (τ = Log(x⁻¹y)) J_x = −Jl⁻¹(τ),
 * J_y = Jr⁻¹(τ). k, a, b, α: the rotation coefficients of lie-group.ts, with
 * their series near θ = 0.
 */
import { checkFinite } from '../base/check.js';
import type { SeededRandom } from '../base/random.js';
import {
  Batch,
  checkCount,
  checkHomogeneousRow,
  checkRandom,
  checkRotations,
  coefAlpha,
  coefB,
  coefK,
  jacobianArray,
  oneInput,
  operand,
  outputArray,
  timesRotation2T,
  twoInputs,
  wrapAngle,
  writeIdentity,
  type LieGroup,
} from './lie-group.js';

/**
 * SE2 with its conversions (batched like the verbs; matrices row-major; a
 * rotation block that is not a rotation within 1e-6, or a homogeneous last
 * row other than [0, 0, 1], is a RangeError).
 *
 * @example
 * ```ts
 * import { SE2 } from 'ariadne';
 * const x = SE2.fromAngleTranslation(new Float64Array([Math.PI / 2]), new Float64Array([1, 2]));
 * console.log(x); // [1, 2, π/2]
 * const M = SE2.toMatrix3x3(x); // [0, -1, 1,  1, 0, 2,  0, 0, 1] up to rounding
 * console.log(SE2.fromMatrix3x3(M), SE2.toMatrix2x3(x).length); // [1, 2, π/2] 6
 * console.log(SE2.toAngle(x), SE2.toTranslation(x), SE2.toRotationMatrix(x)); // [π/2] [1, 2] [0, -1, 1, 0]
 * ```
 */
export interface SE2Group extends LieGroup {
  readonly name: 'SE2';
  /** Angles (count) and translations (count·2) → elements; either may broadcast. */
  fromAngleTranslation(angle: Float64Array, translation: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → angles in [-π, π) (count). */
  toAngle(x: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → translations (count·2). */
  toTranslation(x: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → 2×2 rotation matrices (count·4). */
  toRotationMatrix(x: Float64Array, out?: Float64Array): Float64Array;
  /** 3×3 homogeneous matrices (count·9) → elements. */
  fromMatrix3x3(M: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → 3×3 homogeneous matrices (count·9). */
  toMatrix3x3(x: Float64Array, out?: Float64Array): Float64Array;
  /** 2×3 matrices [R | t] (count·6) → elements. */
  fromMatrix2x3(M: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → 2×3 matrices [R | t] (count·6). */
  toMatrix2x3(x: Float64Array, out?: Float64Array): Float64Array;
}

const NAME = 'SE2';

function values(fn: string, arg: string, x: Float64Array): void {
  checkFinite(fn, arg, x, 3);
}

/** The batched arguments of the two-input verbs and conversions (see twoInputs). */
const inputs = {
  a: operand('a', 3, 3, values),
  b: operand('b', 3, 3, values),
  x: operand('x', 3, 3, values),
  y: operand('y', 3, 3, values),
  delta: operand('delta', 3, 3, checkFinite),
  points: operand('points', 2, 2, checkFinite, '2 numbers (points)'),
  angle: operand('angle', 1, 1, checkFinite),
  translation: operand('translation', 2, 2, checkFinite),
};

/**
 * Ad(x)⁻¹ = Ad(x⁻¹) of x = (tx, ty, θ) at J[o], times `s` (±1):
 * [[c, s, s·tx − c·ty], [−s, c, c·tx + s·ty], [0, 0, 1]] with c = cos θ, s = sin θ.
 */
function writeAdjointInverse(J: Float64Array, o: number, tx: number, ty: number, c: number, s: number, sign: number): void {
  J[o] = sign * c;
  J[o + 1] = sign * s;
  J[o + 2] = sign * (s * tx - c * ty);
  J[o + 3] = -sign * s;
  J[o + 4] = sign * c;
  J[o + 5] = sign * (c * tx + s * ty);
  J[o + 6] = 0;
  J[o + 7] = 0;
  J[o + 8] = sign;
}

/** Jr(ρ, θ) at J[o] (see the header); k = sin(θ/2)/θ, sh, ch = sin, cos of θ/2. */
function writeJr(J: Float64Array, o: number, r1: number, r2: number, theta: number, k: number, sh: number, ch: number): void {
  const A = 2 * k * ch;
  const B = 2 * k * sh;
  const C = theta * coefB(theta, sh, ch);
  const D = 2 * k * k;
  J[o] = A;
  J[o + 1] = B;
  J[o + 2] = r1 * C - r2 * D;
  J[o + 3] = -B;
  J[o + 4] = A;
  J[o + 5] = r1 * D + r2 * C;
  J[o + 6] = 0;
  J[o + 7] = 0;
  J[o + 8] = 1;
}

/**
 * Jr⁻¹(s·τ) at J[o], s = ±1 (s = −1 gives Jl⁻¹(τ)), for τ = (ρ, θ) with
 * |θ| ≤ π; sh, ch = sin, cos of θ/2.
 */
function writeJrInv(J: Float64Array, o: number, r1: number, r2: number, theta: number, sh: number, ch: number, sign: number): void {
  const k = coefK(theta, sh);
  const alpha = coefAlpha(theta, sh, ch);
  // The last column of Jr(s·τ): C is odd in θ, D even.
  const C = sign * theta * coefB(theta, sh, ch);
  const D = 2 * k * k;
  const p1 = sign * r1;
  const p2 = sign * r2;
  const c1 = p1 * C - p2 * D;
  const c2 = p1 * D + p2 * C;
  const h = 0.5 * sign * theta;
  J[o] = alpha;
  J[o + 1] = -h;
  J[o + 2] = -(alpha * c1 - h * c2);
  J[o + 3] = h;
  J[o + 4] = alpha;
  J[o + 5] = -(h * c1 + alpha * c2);
  J[o + 6] = 0;
  J[o + 7] = 0;
  J[o + 8] = 1;
}

/**
 * Log of z = (tx, ty, θ) into out[o..o+3] (θ wrapped) and, when J is given,
 * Jr⁻¹(s·Log z) at J[jo]. Reads z before writing.
 */
function logInto(tx: number, ty: number, theta: number, out: Float64Array, o: number, J: Float64Array | undefined, jo: number, sign: number): void {
  const th = wrapAngle(theta);
  const sh = Math.sin(0.5 * th);
  const ch = Math.cos(0.5 * th);
  const alpha = coefAlpha(th, sh, ch);
  const h = 0.5 * th;
  const r1 = alpha * tx + h * ty;
  const r2 = -h * tx + alpha * ty;
  out[o] = r1;
  out[o + 1] = r2;
  out[o + 2] = th;
  if (J !== undefined) writeJrInv(J, jo, r1, r2, th, sh, ch, sign);
}

/**
 * SE2, the rigid motions of the plane (see {@link SE2Group} for the
 * conversions).
 *
 * @example
 * ```ts
 * import { SE2 } from 'ariadne';
 * const x = new Float64Array([1, 0, Math.PI / 2]); // at (1, 0), facing +y
 * console.log(SE2.act(x, new Float64Array([1, 0]))); // [1, 1]
 * const delta = new Float64Array([0.1, 0, 0.2]); // a step forward while turning, in x's frame
 * const J_out_delta = new Float64Array(9);
 * const y = SE2.retract(x, delta, undefined, undefined, J_out_delta);
 * console.log(SE2.local(x, y)); // [0.1, 0, 0.2] — up to rounding
 * ```
 */
export const SE2: SE2Group = {
  name: NAME,
  storage: 3,
  dof: 3,
  pointDim: 2,
  // T = diag(Rᵀ, 1); t′ = t + δt, θ′ = θ + δθ.
  worldFrame: {
    bodyToWorld(x, rows, d, J) {
      for (let row = 0; row < rows; row++) timesRotation2T(J, row * d * 3, d, 3, Math.cos(x[row * 3 + 2]!), Math.sin(x[row * 3 + 2]!));
    },
    scratchLength: () => 0,
    retract(x, delta, out) {
      for (let i = 0; i < x.length; i++) out[i] = x[i]! + delta[i]!;
      SE2.normalize(out, out);
    },
  },

  identity(count = 1) {
    return new Float64Array(3 * checkCount('SE2.identity', count));
  },

  exp(tangent, out, J_out_tangent) {
    const fn = 'SE2.exp';
    const batch = new Batch(fn);
    batch.add('tangent', tangent, 3);
    const count = batch.count;
    checkFinite(fn, 'tangent', tangent, 3);
    const o = outputArray(fn, 'out', out, count, 3);
    const J = jacobianArray(fn, 'J_out_tangent', J_out_tangent, count, 3, 3);
    for (let k = 0; k < count; k++) {
      const i = 3 * k;
      const r1 = tangent[i]!;
      const r2 = tangent[i + 1]!;
      const theta = tangent[i + 2]!;
      const sh = Math.sin(0.5 * theta);
      const ch = Math.cos(0.5 * theta);
      const kk = coefK(theta, sh);
      const A = 2 * kk * ch;
      const B = 2 * kk * sh;
      o[i] = A * r1 - B * r2;
      o[i + 1] = B * r1 + A * r2;
      o[i + 2] = wrapAngle(theta);
      if (J !== undefined) writeJr(J, 9 * k, r1, r2, theta, kk, sh, ch);
    }
    return o;
  },

  log(x, out, J_out_x) {
    const fn = 'SE2.log';
    const { count, o } = oneInput(fn, x, 3, values, out, 3);
    const J = jacobianArray(fn, 'J_out_x', J_out_x, count, 3, 3);
    for (let k = 0; k < count; k++) logInto(x[3 * k]!, x[3 * k + 1]!, x[3 * k + 2]!, o, 3 * k, J, 9 * k, 1);
    return o;
  },

  compose(a, b, out, J_out_a, J_out_b) {
    const fn = 'SE2.compose';
    const { count, sa, sb, o, Ja, Jb } = twoInputs(fn, inputs.a, a, inputs.b, b, out, 3, 3, J_out_a, J_out_b);
    for (let k = 0; k < count; k++) {
      const ia = k * sa;
      const ib = k * sb;
      const ax = a[ia]!;
      const ay = a[ia + 1]!;
      const at = a[ia + 2]!;
      const bx = b[ib]!;
      const by = b[ib + 1]!;
      const bt = b[ib + 2]!;
      const ca = Math.cos(at);
      const sA = Math.sin(at);
      o[3 * k] = ax + ca * bx - sA * by;
      o[3 * k + 1] = ay + sA * bx + ca * by;
      o[3 * k + 2] = wrapAngle(at + bt);
      if (Ja !== undefined) writeAdjointInverse(Ja, 9 * k, bx, by, Math.cos(bt), Math.sin(bt), 1);
      if (Jb !== undefined) writeIdentity(Jb, 9 * k, 3);
    }
    return o;
  },

  inverse(x, out, J_out_x) {
    const fn = 'SE2.inverse';
    const { count, o } = oneInput(fn, x, 3, values, out, 3);
    const J = jacobianArray(fn, 'J_out_x', J_out_x, count, 3, 3);
    for (let k = 0; k < count; k++) {
      const i = 3 * k;
      const tx = x[i]!;
      const ty = x[i + 1]!;
      const theta = x[i + 2]!;
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      o[i] = -c * tx - s * ty;
      o[i + 1] = s * tx - c * ty;
      o[i + 2] = wrapAngle(-theta);
      if (J !== undefined) {
        // −Ad(x)
        const j = 9 * k;
        J[j] = -c;
        J[j + 1] = s;
        J[j + 2] = -ty;
        J[j + 3] = -s;
        J[j + 4] = -c;
        J[j + 5] = tx;
        J[j + 6] = 0;
        J[j + 7] = 0;
        J[j + 8] = -1;
      }
    }
    return o;
  },

  between(a, b, out, J_out_a, J_out_b) {
    const fn = 'SE2.between';
    const { count, sa, sb, o, Ja, Jb } = twoInputs(fn, inputs.a, a, inputs.b, b, out, 3, 3, J_out_a, J_out_b);
    for (let k = 0; k < count; k++) {
      const ia = k * sa;
      const ib = k * sb;
      const at = a[ia + 2]!;
      const dx = b[ib]! - a[ia]!;
      const dy = b[ib + 1]! - a[ia + 1]!;
      const theta = b[ib + 2]! - at;
      const ca = Math.cos(at);
      const sA = Math.sin(at);
      const zx = ca * dx + sA * dy;
      const zy = -sA * dx + ca * dy;
      o[3 * k] = zx;
      o[3 * k + 1] = zy;
      o[3 * k + 2] = wrapAngle(theta);
      if (Ja !== undefined) writeAdjointInverse(Ja, 9 * k, zx, zy, Math.cos(theta), Math.sin(theta), -1);
      if (Jb !== undefined) writeIdentity(Jb, 9 * k, 3);
    }
    return o;
  },

  act(x, points, out, J_out_x, J_out_points) {
    const fn = 'SE2.act';
    const { count, sa: sx, sb: sp, o, Ja: Jx, Jb: Jp } = twoInputs(fn, inputs.x, x, inputs.points, points, out, 2, 2, J_out_x, J_out_points);
    for (let k = 0; k < count; k++) {
      const ix = k * sx;
      const theta = x[ix + 2]!;
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      const p1 = points[k * sp]!;
      const p2 = points[k * sp + 1]!;
      const q1 = c * p1 - s * p2;
      const q2 = s * p1 + c * p2;
      const tx = x[ix]!;
      const ty = x[ix + 1]!;
      o[2 * k] = q1 + tx;
      o[2 * k + 1] = q2 + ty;
      if (Jx !== undefined) {
        const j = 6 * k;
        Jx[j] = c;
        Jx[j + 1] = -s;
        Jx[j + 2] = -q2;
        Jx[j + 3] = s;
        Jx[j + 4] = c;
        Jx[j + 5] = q1;
      }
      if (Jp !== undefined) {
        Jp[4 * k] = c;
        Jp[4 * k + 1] = -s;
        Jp[4 * k + 2] = s;
        Jp[4 * k + 3] = c;
      }
    }
    return o;
  },

  adjoint(x, out) {
    const fn = 'SE2.adjoint';
    const { count, o } = oneInput(fn, x, 3, values, out, 9, '3×3');
    for (let k = 0; k < count; k++) {
      const tx = x[3 * k]!;
      const ty = x[3 * k + 1]!;
      const theta = x[3 * k + 2]!;
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      const j = 9 * k;
      o[j] = c;
      o[j + 1] = -s;
      o[j + 2] = ty;
      o[j + 3] = s;
      o[j + 4] = c;
      o[j + 5] = -tx;
      o[j + 6] = 0;
      o[j + 7] = 0;
      o[j + 8] = 1;
    }
    return o;
  },

  retract(x, delta, out, J_out_x, J_out_delta) {
    const fn = 'SE2.retract';
    const { count, sa: sx, sb: sd, o, Ja: Jx, Jb: Jd } = twoInputs(fn, inputs.x, x, inputs.delta, delta, out, 3, 3, J_out_x, J_out_delta);
    for (let k = 0; k < count; k++) {
      const id = k * sd;
      const r1 = delta[id]!;
      const r2 = delta[id + 1]!;
      const dt = delta[id + 2]!;
      const sh = Math.sin(0.5 * dt);
      const ch = Math.cos(0.5 * dt);
      const kk = coefK(dt, sh);
      const A = 2 * kk * ch;
      const B = 2 * kk * sh;
      // e = Exp(δ) = (ex, ey, dt); then x·e.
      const ex = A * r1 - B * r2;
      const ey = B * r1 + A * r2;
      const ix = k * sx;
      const xt = x[ix + 2]!;
      const cx = Math.cos(xt);
      const sX = Math.sin(xt);
      const ox = x[ix]! + cx * ex - sX * ey;
      const oy = x[ix + 1]! + sX * ex + cx * ey;
      o[3 * k] = ox;
      o[3 * k + 1] = oy;
      o[3 * k + 2] = wrapAngle(xt + dt);
      if (Jx !== undefined) writeAdjointInverse(Jx, 9 * k, ex, ey, 1 - 2 * sh * sh, 2 * sh * ch, 1);
      if (Jd !== undefined) writeJr(Jd, 9 * k, r1, r2, dt, kk, sh, ch);
    }
    return o;
  },

  local(x, y, out, J_out_x, J_out_y) {
    const fn = 'SE2.local';
    const { count, sa: sx, sb: sy, o, Ja: Jx, Jb: Jy } = twoInputs(fn, inputs.x, x, inputs.y, y, out, 3, 3, J_out_x, J_out_y);
    for (let k = 0; k < count; k++) {
      const ix = k * sx;
      const iy = k * sy;
      const xt = x[ix + 2]!;
      const dx = y[iy]! - x[ix]!;
      const dy = y[iy + 1]! - x[ix + 1]!;
      const theta = y[iy + 2]! - xt;
      const c = Math.cos(xt);
      const s = Math.sin(xt);
      // z = x⁻¹y, then τ = Log z; Jy = Jr⁻¹(τ), Jx = −Jl⁻¹(τ) = −Jr⁻¹(−τ).
      logInto(c * dx + s * dy, -s * dx + c * dy, theta, o, 3 * k, Jy, 9 * k, 1);
      if (Jx !== undefined) {
        const th = o[3 * k + 2]!;
        writeJrInv(Jx, 9 * k, o[3 * k]!, o[3 * k + 1]!, th, Math.sin(0.5 * th), Math.cos(0.5 * th), -1);
        for (let j = 9 * k; j < 9 * k + 9; j++) Jx[j] = -Jx[j]!;
      }
    }
    return o;
  },

  normalize(x, out) {
    const fn = 'SE2.normalize';
    const { count, o } = oneInput(fn, x, 3, values, out, 3);
    for (let k = 0; k < count; k++) {
      o[3 * k] = x[3 * k]!;
      o[3 * k + 1] = x[3 * k + 1]!;
      o[3 * k + 2] = wrapAngle(x[3 * k + 2]!);
    }
    return o;
  },

  validate(x, fn, arg) {
    new Batch(fn).add(arg, x, 3);
    values(fn, arg, x);
  },

  random(count: number, random: SeededRandom) {
    const fn = 'SE2.random';
    const n = checkCount(fn, count);
    const r = checkRandom(fn, random);
    const o = new Float64Array(3 * n);
    for (let k = 0; k < n; k++) {
      o[3 * k] = r.normal();
      o[3 * k + 1] = r.normal();
      o[3 * k + 2] = wrapAngle(Math.PI * (2 * r.uniform() - 1));
    }
    return o;
  },

  fromAngleTranslation(angle, translation, out) {
    const fn = 'SE2.fromAngleTranslation';
    const { count, sa, sb: st, o } = twoInputs(fn, inputs.angle, angle, inputs.translation, translation, out, 3, 3);
    for (let k = 0; k < count; k++) {
      const theta = angle[k * sa]!;
      const tx = translation[k * st]!;
      const ty = translation[k * st + 1]!;
      o[3 * k] = tx;
      o[3 * k + 1] = ty;
      o[3 * k + 2] = wrapAngle(theta);
    }
    return o;
  },

  toAngle(x, out) {
    const fn = 'SE2.toAngle';
    const { count, o } = oneInput(fn, x, 3, values, out, 1);
    for (let k = 0; k < count; k++) o[k] = wrapAngle(x[3 * k + 2]!);
    return o;
  },

  toTranslation(x, out) {
    const fn = 'SE2.toTranslation';
    const { count, o } = oneInput(fn, x, 3, values, out, 2);
    for (let k = 0; k < count; k++) {
      const tx = x[3 * k]!;
      const ty = x[3 * k + 1]!;
      o[2 * k] = tx;
      o[2 * k + 1] = ty;
    }
    return o;
  },

  toRotationMatrix(x, out) {
    const fn = 'SE2.toRotationMatrix';
    const { count, o } = oneInput(fn, x, 3, values, out, 4, '4 numbers (2×2)');
    for (let k = 0; k < count; k++) {
      const theta = x[3 * k + 2]!;
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      o[4 * k] = c;
      o[4 * k + 1] = -s;
      o[4 * k + 2] = s;
      o[4 * k + 3] = c;
    }
    return o;
  },

  fromMatrix3x3(M, out) {
    return fromMatrix('SE2.fromMatrix3x3', M, out, 3);
  },

  toMatrix3x3(x, out) {
    return toMatrix('SE2.toMatrix3x3', x, out, 3);
  },

  fromMatrix2x3(M, out) {
    return fromMatrix('SE2.fromMatrix2x3', M, out, 2);
  },

  toMatrix2x3(x, out) {
    return toMatrix('SE2.toMatrix2x3', x, out, 2);
  },
};

/** [R | t] (rows = 2) or [[R, t], [0, 0, 1]] (rows = 3), row-major → elements. */
function fromMatrix(fn: string, M: Float64Array, out: Float64Array | undefined, rows: 2 | 3): Float64Array {
  const size = 3 * rows;
  const batch = new Batch(fn);
  batch.add('M', M, size, `${size} numbers (${rows}×3)`);
  const count = batch.count;
  checkFinite(fn, 'M', M, size);
  checkRotations(fn, 'M', M, size, 2, 3);
  if (rows === 3) checkHomogeneousRow(fn, 'M', M, 3);
  const o = outputArray(fn, 'out', out, count, 3);
  for (let k = 0; k < count; k++) {
    const m = k * size;
    const tx = M[m + 2]!;
    const ty = M[m + 5]!;
    const theta = wrapAngle(Math.atan2(M[m + 3]! - M[m + 1]!, M[m]! + M[m + 4]!));
    o[3 * k] = tx;
    o[3 * k + 1] = ty;
    o[3 * k + 2] = theta;
  }
  return o;
}

/** Elements → [R | t] (rows = 2) or [[R, t], [0, 0, 1]] (rows = 3), row-major. */
function toMatrix(fn: string, x: Float64Array, out: Float64Array | undefined, rows: 2 | 3): Float64Array {
  const size = 3 * rows;
  const { count, o } = oneInput(fn, x, 3, values, out, size, `${size} numbers (${rows}×3)`);
  for (let k = 0; k < count; k++) {
    const tx = x[3 * k]!;
    const ty = x[3 * k + 1]!;
    const theta = x[3 * k + 2]!;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    const m = k * size;
    o[m] = c;
    o[m + 1] = -s;
    o[m + 2] = tx;
    o[m + 3] = s;
    o[m + 4] = c;
    o[m + 5] = ty;
    if (rows === 3) {
      o[m + 6] = 0;
      o[m + 7] = 0;
      o[m + 8] = 1;
    }
  }
  return o;
}
