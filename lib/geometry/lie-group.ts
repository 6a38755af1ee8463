/**
 * The interface every Lie group implements, and what the groups share:
 * argument checks with broadcasting, small row-major matrix products, angle
 * wrapping and the scalar coefficients of the rotation formulas.
 *
 * Conventions (DESIGN.md section 3): right perturbation x ⊕ δ = x·Exp(δ),
 * local(x, y) = Log(x⁻¹·y); Jacobians are manif's J_out_in, the derivative of
 * the output's right tangent with respect to the input's right tangent,
 * row-major dof_out × dof_in per element, batch-major.
 *
 * The rotation coefficients, θ the rotation angle (all are even in θ):
 *
 *   k(θ) = sin(θ/2)/θ                          Exp of SO3: q = (k·ω, cos(θ/2))
 *   a(θ) = (1 − cos θ)/θ²  = 2·k²              Jr(ω) = I − a·[ω]× + b·[ω]×²
 *   b(θ) = (θ − sin θ)/θ³                      V(ω)  = I + a·[ω]× + b·[ω]×²  (= Jl(ω))
 *   c(θ) = (1 − (θ/2)·cot(θ/2))/θ²             Jr⁻¹(ω) = I + ½[ω]× + c·[ω]×², V⁻¹ = I − ½[ω]× + c·[ω]×²
 *   α(θ) = (θ/2)·cot(θ/2) = 1 − θ²·c           SE2's V⁻¹ = [[α, θ/2], [−θ/2, α]]
 *   e(θ) = (θ²/2 + cos θ − 1)/θ⁴               } SE3's Q block (Barfoot, State Estimation
 *   f(θ) = (2θ − 3 sin θ + θ cos θ)/(2θ⁵)      }  for Robotics, eq. 7.86)
 *
 * Each takes θ together with sin(θ/2) and cos(θ/2), which the callers have
 * anyway (Exp computes them; Log reads them off the unit quaternion as
 * (‖v‖, w), so Log and its Jacobians need no trigonometric call at all), and
 * uses 1 − cos θ = 2 sin²(θ/2), sin θ = 2 sin(θ/2) cos(θ/2). The closed forms
 * are 0/0 at θ = 0; b, c, e and f also cancel catastrophically near it
 * (relative error about 6ε/θ², 12ε/θ², 24ε/θ², 600ε/θ⁴). Below each switch
 * point the Taylor series is used instead. The switch points and term counts
 * come from comparing both forms in double precision against 60-digit
 * references over θ ∈ [1e-9, π]; the worst relative error of each coefficient
 * over the whole range is: k, α 2.4e-16 (series below 0.01, 4 terms);
 * b 2.9e-15 (below 0.5, 6 terms); c 4.7e-15 (below 0.4, 6 terms);
 * e 7.0e-15 (below 0.5, 6 terms); f 3.5e-14 (below 1.0, 8 terms). Every
 * coefficient multiplies a power of θ at least as high as its own
 * denominator's in the matrices, so the absolute error of the Jacobians is at
 * the level of rounding. c and α are only used for θ ≤ π (Log's range), where
 * cot(θ/2) ≥ 0 is finite: at θ = π, c = 1/π² and α = 0 exactly.
 */
import { checkFinite, checkTypedArray, rangeError, typeError } from '../base/check.js';
import type { SeededRandom } from '../base/random.js';

/**
 * A Lie group (or the additive group of vectors) acting on arrays of
 * elements, with the same verbs for every group.
 *
 * - Batches: an argument holds `count` elements back to back (element k at
 *   k·storage), or exactly 1, which broadcasts; count is the one shared by
 *   the others (a length that is not whole elements, or two different counts,
 *   is a RangeError; a non-Float64Array a TypeError; NaN/Infinity, or a
 *   quaternion with |‖q‖ − 1| > 1e-6, a RangeError naming the element).
 * - Outputs: `out` is allocated when omitted, else it must have exactly the
 *   output's length and is filled and returned; it may alias an input of the
 *   same shape. Inputs are never modified.
 * - Jacobians (`J_out_in`) are computed only when their array is given, of
 *   exactly count·dof_out·dof_in numbers: element k's row-major block starts
 *   at k·dof_out·dof_in. They are derivatives of the output's right tangent
 *   with respect to the input's right tangent (x ⊕ δ = x·Exp(δ)); points are
 *   plain vectors. Jacobian arrays must not alias `out`, an input or each other.
 *
 * @example
 * ```ts
 * import { SE3, type LieGroup } from 'ariadne';
 * // Code written against LieGroup works for every group.
 * function distance(group: LieGroup, a: Float64Array, b: Float64Array): Float64Array {
 *   const tau = group.local(a, b);
 *   const out = new Float64Array(tau.length / group.dof);
 *   for (let k = 0; k < out.length; k++) {
 *     let s = 0;
 *     for (let i = 0; i < group.dof; i++) s += tau[k * group.dof + i] ** 2;
 *     out[k] = Math.sqrt(s);
 *   }
 *   return out;
 * }
 * const a = SE3.identity();
 * const b = SE3.exp(new Float64Array([1, 0, 0, 0, 0, Math.PI / 2]));
 * console.log(distance(SE3, a, b)[0].toFixed(3)); // 1.862 — √(1 + (π/2)²)
 * ```
 */
/**
 * The 'world' frame of a group's updates (a Variable's `tangent` option): translation
 * and rotation updated in world coordinates, t′ = t + δt, R′ = Exp(δω)·R,
 * as Ceres parameterises poses. Cost terms give body-frame Jacobians; the
 * objective converts them with bodyToWorld.
 */
export interface WorldFrame {
  /**
   * In place, for `rows` rows: J ← J·T with T = ∂δ_body/∂δ_world at the
   * elements x (rows × storage), J rows × d × dof: only the translation and
   * rotation columns mix, within their 2- or 3-column groups (J_g ← J_g·Rᵀ).
   */
  bodyToWorld(x: Float64Array, rows: number, d: number, J: Float64Array, scratch: Float64Array): void;
  /** Scratch numbers bodyToWorld needs for `rows` rows. */
  scratchLength(rows: number): number;
  /** out = x ⊕ δ with δ in the world frame. */
  retract(x: Float64Array, delta: Float64Array, out: Float64Array): void;
}

export interface LieGroup {
  /** 'SO2', 'SE2', 'SO3', 'SE3' or `Vector${n}`. */
  readonly name: string;
  /** The 'world' update frame, where it differs from 'body' (SE2, SO3, SE3); undefined where they agree. */
  readonly worldFrame?: WorldFrame;
  /** Numbers per stored element: SO2 1 [θ], SE2 3 [x, y, θ], SO3 4 [qx, qy, qz, qw], SE3 7 [tx, ty, tz, qx, qy, qz, qw], Vector(n) n. */
  readonly storage: number;
  /** Tangent dimension: 1, 3, 3, 6, n. */
  readonly dof: number;
  /** Dimension of the points `act` transforms: 2, 2, 3, 3, n. */
  readonly pointDim: number;
  /** `count` identity elements (default 1). */
  identity(count?: number): Float64Array;
  /** Exp: tangent (count·dof) → elements; J_out_tangent = Jr(τ). */
  exp(tangent: Float64Array, out?: Float64Array, J_out_tangent?: Float64Array): Float64Array;
  /** Log: elements → tangent (count·dof); J_out_x = Jr⁻¹(Log x). */
  log(x: Float64Array, out?: Float64Array, J_out_x?: Float64Array): Float64Array;
  /** a·b. */
  compose(a: Float64Array, b: Float64Array, out?: Float64Array, J_out_a?: Float64Array, J_out_b?: Float64Array): Float64Array;
  /** x⁻¹. */
  inverse(x: Float64Array, out?: Float64Array, J_out_x?: Float64Array): Float64Array;
  /** a⁻¹·b. */
  between(a: Float64Array, b: Float64Array, out?: Float64Array, J_out_a?: Float64Array, J_out_b?: Float64Array): Float64Array;
  /** x·p (rotate, then translate) for points of pointDim numbers; J_out_x is pointDim×dof, J_out_points pointDim×pointDim. */
  act(x: Float64Array, points: Float64Array, out?: Float64Array, J_out_x?: Float64Array, J_out_points?: Float64Array): Float64Array;
  /** Ad(x), dof×dof row-major per element: x·Exp(δ) = Exp(Ad(x)·δ)·x. */
  adjoint(x: Float64Array, out?: Float64Array): Float64Array;
  /** x ⊕ δ = x·Exp(δ). */
  retract(x: Float64Array, delta: Float64Array, out?: Float64Array, J_out_x?: Float64Array, J_out_delta?: Float64Array): Float64Array;
  /** y ⊖ x = Log(x⁻¹·y). */
  local(x: Float64Array, y: Float64Array, out?: Float64Array, J_out_x?: Float64Array, J_out_y?: Float64Array): Float64Array;
  /** The canonical storage: SO2/SE2 θ wrapped to [-π, π); SO3/SE3 the unit quaternion with qw ≥ 0 (any non-zero quaternion is accepted). */
  normalize(x: Float64Array, out?: Float64Array): Float64Array;
  /** Throws a TypeError/RangeError naming `fn`, `arg`, the element and the problem unless `x` holds valid elements. */
  validate(x: Float64Array, fn: string, arg: string): void;
  /** `count` random elements: uniform rotations, translations ~ N(0, 1). */
  random(count: number, random: SeededRandom): Float64Array;
}

/** Largest |‖q‖ − 1| accepted for a quaternion argument. */
export const QUATERNION_TOLERANCE = 1e-6;
/** Largest deviation accepted for a rotation matrix (‖RᵀR − I‖max, |det R − 1|) or a homogeneous last row. */
export const MATRIX_TOLERANCE = 1e-6;

const TWO_PI = 2 * Math.PI;

/** θ wrapped to [-π, π); angles already in range are returned unchanged (bit for bit). */
export function wrapAngle(theta: number): number {
  if (theta >= -Math.PI && theta < Math.PI) return theta;
  let r = theta - TWO_PI * Math.floor((theta + Math.PI) / TWO_PI);
  // The subtraction can round onto the excluded end, or just outside.
  if (r >= Math.PI) r -= TWO_PI;
  else if (r < -Math.PI) r += TWO_PI;
  return r;
}

/** A RangeError in the house shape with "must hold" (arrays of elements). */
export function holdError(fn: string, arg: string, requirement: string, actual: string): RangeError {
  return new RangeError(`${fn}: '${arg}' must hold ${requirement}, got ${actual}`);
}

/**
 * Checks the batched arguments of one call in order and fixes the element
 * count: every argument holds either `count` elements or exactly 1 (which
 * broadcasts); count is the one shared by those that do not hold 1 (1 when
 * all do).
 */
export class Batch {
  #count = -1;

  constructor(readonly fn: string) {}

  /**
   * Checks that `value` is a Float64Array of whole elements of `size`
   * numbers (`what` in the message; `${size} numbers` by default), 1 or
   * `count` of them; returns its stride (0 when it broadcasts).
   */
  add(arg: string, value: unknown, size: number, what?: string): number {
    const n = elementsOf(this.fn, arg, value, size, what, this.#count);
    if (n !== 1) this.#count = n;
    return n === 1 ? 0 : size;
  }

  /** The element count of the call. */
  get count(): number {
    return this.#count < 0 ? 1 : this.#count;
  }
}

/**
 * The number of elements of `size` numbers in `value`, a Float64Array of
 * whole elements, 1 or `count` of them (any number while count < 0, before
 * an argument that does not broadcast). The message is only built on error.
 */
function elementsOf(fn: string, arg: string, value: unknown, size: number, what: string | undefined, count: number): number {
  const array = checkTypedArray(fn, arg, value, Float64Array);
  const n = array.length / size;
  if (!Number.isInteger(n) || (count >= 0 && n !== 1 && n !== count)) {
    const elements = what ?? `${size} numbers`;
    const requirement = count >= 0 ? `1 or ${count} elements of ${elements}` : `whole elements of ${elements}`;
    throw holdError(fn, arg, requirement, `length ${array.length}`);
  }
  return n;
}

/**
 * The argument checks of a call with one group input x (whole elements of
 * `storage` numbers, checked by `check`) and an output of `size` numbers per
 * element: the element count and the output array.
 */
export function oneInput(
  fn: string,
  x: Float64Array,
  storage: number,
  check: (fn: string, arg: string, x: Float64Array) => void,
  out: unknown,
  size: number,
  what?: string,
): { count: number; o: Float64Array } {
  const batch = new Batch(fn);
  batch.add('x', x, storage);
  check(fn, 'x', x);
  return { count: batch.count, o: outputArray(fn, 'out', out, batch.count, size, what) };
}

/**
 * One batched argument of a two-input verb: its name, the numbers per element
 * (`what` describes them in errors, `${size} numbers` by default), its
 * tangent dimension (the columns of its Jacobian) and the check of its
 * values, called as check(fn, arg, x, size) after the batch checks. Made
 * once per group (module constants), so that a call allocates nothing for it.
 */
export interface Operand {
  readonly arg: string;
  readonly size: number;
  readonly dof: number;
  readonly check: (fn: string, arg: string, x: Float64Array, size: number) => void;
  readonly what: string | undefined;
  /** The name of its Jacobian output, `J_out_${arg}`. */
  readonly jacobian: string;
}

/** An Operand (see there). */
export function operand(arg: string, size: number, dof: number, check: Operand['check'], what?: string): Operand {
  return Object.freeze({ arg, size, dof, check, what, jacobian: `J_out_${arg}` });
}

/** What twoInputs gives: see there. */
export interface TwoInputs {
  readonly count: number;
  /** The stride of a: A.size, or 0 when it broadcasts. */
  readonly sa: number;
  /** The stride of b. */
  readonly sb: number;
  readonly o: Float64Array;
  readonly Ja: Float64Array | undefined;
  readonly Jb: Float64Array | undefined;
}

/**
 * The argument checks of a call with two batched inputs a and b and an output
 * of `size` numbers (`dof` tangent dimensions) per element, in the order every
 * such verb makes them: both batch shapes (as Batch.add), then the values of
 * a and of b, then the output and the Jacobians J_out_a (dof × A.dof) and
 * J_out_b (dof × B.dof). Gives the element count, the strides of a and b (0
 * when one broadcasts), the output and the requested Jacobians. Apart from an
 * omitted output, the result is all it allocates (messages are built only
 * on error); callers take it apart at once.
 */
export function twoInputs(
  fn: string,
  A: Operand,
  a: Float64Array,
  B: Operand,
  b: Float64Array,
  out: unknown,
  size: number,
  dof: number,
  J_out_a?: unknown,
  J_out_b?: unknown,
): TwoInputs {
  const na = elementsOf(fn, A.arg, a, A.size, A.what, -1);
  const nb = elementsOf(fn, B.arg, b, B.size, B.what, na === 1 ? -1 : na);
  const count = nb === 1 ? na : nb;
  A.check(fn, A.arg, a, A.size);
  B.check(fn, B.arg, b, B.size);
  return {
    count,
    sa: na === 1 ? 0 : A.size,
    sb: nb === 1 ? 0 : B.size,
    o: outputArray(fn, 'out', out, count, size),
    Ja: jacobianArray(fn, A.jacobian, J_out_a, count, dof, A.dof),
    Jb: jacobianArray(fn, B.jacobian, J_out_b, count, dof, B.dof),
  };
}

/** The output array: allocated when omitted, else a Float64Array of exactly count·size numbers. */
export function outputArray(fn: string, arg: string, out: unknown, count: number, size: number, what?: string): Float64Array {
  if (out === undefined) return new Float64Array(count * size);
  const array = checkTypedArray(fn, arg, out, Float64Array);
  if (array.length === count * size) return array;
  // Throws; the message is only built now.
  return checkTypedArray(fn, arg, out, Float64Array, count * size, elementsNote(count, what ?? `${size} numbers`));
}

/** A Jacobian output: undefined when not requested, else a Float64Array of exactly count·rows·cols numbers. */
export function jacobianArray(fn: string, arg: string, J: unknown, count: number, rows: number, cols: number): Float64Array | undefined {
  if (J === undefined) return undefined;
  const array = checkTypedArray(fn, arg, J, Float64Array);
  if (array.length === count * rows * cols) return array;
  return checkTypedArray(fn, arg, J, Float64Array, count * rows * cols, elementsNote(count, `${rows}×${cols}`));
}

function elementsNote(count: number, what: string): string {
  return `${count} element${count === 1 ? '' : 's'} of ${what}`;
}

/** Every number finite, every element a unit quaternion at `offset` within `storage` numbers (|‖q‖ − 1| ≤ 1e-6). */
export function checkQuaternions(fn: string, arg: string, x: Float64Array, storage: number, offset: number): void {
  checkFinite(fn, arg, x, storage);
  const count = x.length / storage;
  for (let k = 0; k < count; k++) {
    const i = k * storage + offset;
    const n2 = x[i]! * x[i]! + x[i + 1]! * x[i + 1]! + x[i + 2]! * x[i + 2]! + x[i + 3]! * x[i + 3]!;
    // |‖q‖ − 1| ≤ tol ⇔ (1 − tol)² ≤ ‖q‖² ≤ (1 + tol)²; no square root in the common case.
    if (n2 < 0.999998000001 || n2 > 1.000002000001) {
      throw holdError(fn, arg, 'unit quaternions (|‖q‖ − 1| ≤ 1e-6)', `norm ${Math.sqrt(n2)} at element ${k}`);
    }
  }
}

/** Checks an integer count for identity/random. */
export function checkCount(fn: string, value: unknown): number {
  if (typeof value !== 'number') throw typeError(fn, 'count', 'an integer', value);
  if (!Number.isInteger(value) || value < 0 || value > 2 ** 30) throw rangeError(fn, 'count', 'an integer in [0, 1073741824]', `${value}`);
  return value;
}

/** Checks that `random` looks like a SeededRandom. */
export function checkRandom(fn: string, random: unknown): SeededRandom {
  const r = random as { normal?: unknown; uniform?: unknown } | null;
  if (typeof r !== 'object' || r === null || typeof r.normal !== 'function' || typeof r.uniform !== 'function') {
    throw typeError(fn, 'random', 'a SeededRandom', random);
  }
  return random as SeededRandom;
}

// ---------------------------------------------------------------------------
// Small row-major matrix helpers (no allocation).

/** C = A·B for n×m times m×p blocks at the given offsets; C must not overlap A or B. */
export function matmul(A: Float64Array, ao: number, B: Float64Array, bo: number, C: Float64Array, co: number, n: number, m: number, p: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let l = 0; l < m; l++) s += A[ao + i * m + l]! * B[bo + l * p + j]!;
      C[co + i * p + j] = s;
    }
  }
}

/** C = A·B for 3×3 blocks; C must not overlap A or B. */
export function mul3(A: Float64Array, ao: number, B: Float64Array, bo: number, C: Float64Array, co: number): void {
  for (let i = 0; i < 3; i++) {
    const a0 = A[ao + 3 * i]!;
    const a1 = A[ao + 3 * i + 1]!;
    const a2 = A[ao + 3 * i + 2]!;
    C[co + 3 * i] = a0 * B[bo]! + a1 * B[bo + 3]! + a2 * B[bo + 6]!;
    C[co + 3 * i + 1] = a0 * B[bo + 1]! + a1 * B[bo + 4]! + a2 * B[bo + 7]!;
    C[co + 3 * i + 2] = a0 * B[bo + 2]! + a1 * B[bo + 5]! + a2 * B[bo + 8]!;
  }
}

/**
 * In place, for the `rows` rows of a row-major block with `cols` columns at
 * J[o]: columns 0 and 1 ← [j0 j1]·Rᵀ, Rᵀ = [[c, s], [−s, c]] (an SE2
 * Jacobian taken to the world frame of its translation).
 */
export function timesRotation2T(J: Float64Array, o: number, rows: number, cols: number, c: number, s: number): void {
  for (let a = 0; a < rows; a++) {
    const p = o + a * cols;
    const j0 = J[p]!;
    const j1 = J[p + 1]!;
    J[p] = j0 * c - j1 * s;
    J[p + 1] = j0 * s + j1 * c;
  }
}

/**
 * In place, for the `rows` rows of a row-major block with `cols` columns at
 * J[o]: every group of 3 columns ← j·Rᵀ, (j·Rᵀ)_k = Σ_i j_i R[k][i], with R
 * row-major at R[ro] (SO3 and SE3 Jacobians taken to the world frame).
 */
export function timesRotation3T(J: Float64Array, o: number, rows: number, cols: number, R: Float64Array, ro: number): void {
  const r0 = R[ro]!,
    r1 = R[ro + 1]!,
    r2 = R[ro + 2]!,
    r3 = R[ro + 3]!,
    r4 = R[ro + 4]!;
  const r5 = R[ro + 5]!,
    r6 = R[ro + 6]!,
    r7 = R[ro + 7]!,
    r8 = R[ro + 8]!;
  for (let a = 0; a < rows; a++) {
    for (let p = o + a * cols, end = p + cols; p < end; p += 3) {
      const j0 = J[p]!;
      const j1 = J[p + 1]!;
      const j2 = J[p + 2]!;
      J[p] = j0 * r0 + j1 * r1 + j2 * r2;
      J[p + 1] = j0 * r3 + j1 * r4 + j2 * r5;
      J[p + 2] = j0 * r6 + j1 * r7 + j2 * r8;
    }
  }
}

/** The n×n identity at J[o]. */
export function writeIdentity(J: Float64Array, o: number, n: number): void {
  for (let i = 0; i < n * n; i++) J[o + i] = 0;
  for (let i = 0; i < n; i++) J[o + i * (n + 1)] = 1;
}

/** s·I (n×n) at J[o]. */
export function writeScaledIdentity(J: Float64Array, o: number, n: number, s: number): void {
  for (let i = 0; i < n * n; i++) J[o + i] = 0;
  for (let i = 0; i < n; i++) J[o + i * (n + 1)] = s;
}

// ---------------------------------------------------------------------------
// Rotation coefficients (see the header for the formulas, switch points and errors).
// Each takes θ, sh = sin(θ/2), ch = cos(θ/2); θ may be negative (all are even).

/** k(θ) = sin(θ/2)/θ. No cancellation; the series only avoids 0/0 (truncation < 1e-22 below 0.01). */
export function coefK(theta: number, sh: number): number {
  if (Math.abs(theta) < 0.01) {
    const t2 = theta * theta;
    return 0.5 + t2 * (-1 / 48 + t2 * (1 / 3840 + t2 * (-1 / 645120)));
  }
  return sh / theta;
}

/** a(θ) = (1 − cos θ)/θ² = 2·k(θ)², accurate everywhere (no cancellation). */
export function coefA(theta: number, sh: number): number {
  const k = coefK(theta, sh);
  return 2 * k * k;
}

/** b(θ) = (θ − sin θ)/θ³. */
export function coefB(theta: number, sh: number, ch: number): number {
  if (Math.abs(theta) < 0.5) {
    const t2 = theta * theta;
    return 1 / 6 + t2 * (-1 / 120 + t2 * (1 / 5040 + t2 * (-1 / 362880 + t2 * (1 / 39916800 + t2 * (-1 / 6227020800)))));
  }
  return (theta - 2 * sh * ch) / (theta * theta * theta);
}

/** c(θ) = (1 − (θ/2)·cot(θ/2))/θ², for |θ| ≤ π. */
export function coefC(theta: number, sh: number, ch: number): number {
  const t2 = theta * theta;
  if (Math.abs(theta) < 0.4) {
    return 1 / 12 + t2 * (1 / 720 + t2 * (1 / 30240 + t2 * (1 / 1209600 + t2 * (1 / 47900160 + t2 * (691 / 1307674368000)))));
  }
  return (1 - (0.5 * theta * ch) / sh) / t2;
}

/** α(θ) = (θ/2)·cot(θ/2), for |θ| ≤ π. No cancellation; the series only avoids 0/0. */
export function coefAlpha(theta: number, sh: number, ch: number): number {
  if (Math.abs(theta) < 0.01) {
    const t2 = theta * theta;
    return 1 + t2 * (-1 / 12 + t2 * (-1 / 720 + t2 * (-1 / 30240)));
  }
  return (0.5 * theta * ch) / sh;
}

/** e(θ) = (θ²/2 + cos θ − 1)/θ⁴. */
export function coefE(theta: number, sh: number): number {
  const t2 = theta * theta;
  if (Math.abs(theta) < 0.5) {
    return 1 / 24 + t2 * (-1 / 720 + t2 * (1 / 40320 + t2 * (-1 / 3628800 + t2 * (1 / 479001600 + t2 * (-1 / 87178291200)))));
  }
  return (0.5 * t2 - 2 * sh * sh) / (t2 * t2);
}

/** f(θ) = (2θ − 3 sin θ + θ cos θ)/(2θ⁵). */
export function coefF(theta: number, sh: number, ch: number): number {
  const t2 = theta * theta;
  if (Math.abs(theta) < 1) {
    return (
      1 / 120 +
      t2 *
        (-1 / 2520 +
          t2 *
            (1 / 120960 + t2 * (-1 / 9979200 + t2 * (1 / 1245404160 + t2 * (-1 / 217945728000 + t2 * (1 / 50812489728000 + t2 * (-1 / 15205637551104000)))))))
    );
  }
  return (3 * theta - 6 * sh * ch - 2 * theta * sh * sh) / (2 * t2 * t2 * theta);
}

// ---------------------------------------------------------------------------
// Rotation-matrix checks for the conversions.

/** max(‖RᵀR − I‖max, |det R − 1|) of the 2×2 block of `M` at o (row stride `stride`). */
export function rotationDefect2(M: Float64Array, o: number, stride: number): number {
  const r00 = M[o]!;
  const r01 = M[o + 1]!;
  const r10 = M[o + stride]!;
  const r11 = M[o + stride + 1]!;
  return Math.max(
    Math.abs(r00 * r00 + r10 * r10 - 1),
    Math.abs(r01 * r01 + r11 * r11 - 1),
    Math.abs(r00 * r01 + r10 * r11),
    Math.abs(r00 * r11 - r01 * r10 - 1),
  );
}

/** max(‖RᵀR − I‖max, |det R − 1|) of the 3×3 block of `M` at o (row stride `stride`). */
export function rotationDefect3(M: Float64Array, o: number, stride: number): number {
  let defect = 0;
  for (let i = 0; i < 3; i++) {
    for (let j = i; j < 3; j++) {
      const dot = M[o + i]! * M[o + j]! + M[o + stride + i]! * M[o + stride + j]! + M[o + 2 * stride + i]! * M[o + 2 * stride + j]!;
      defect = Math.max(defect, Math.abs(dot - (i === j ? 1 : 0)));
    }
  }
  const r00 = M[o]!;
  const r01 = M[o + 1]!;
  const r02 = M[o + 2]!;
  const r10 = M[o + stride]!;
  const r11 = M[o + stride + 1]!;
  const r12 = M[o + stride + 2]!;
  const r20 = M[o + 2 * stride]!;
  const r21 = M[o + 2 * stride + 1]!;
  const r22 = M[o + 2 * stride + 2]!;
  const det = r00 * (r11 * r22 - r12 * r21) - r01 * (r10 * r22 - r12 * r20) + r02 * (r10 * r21 - r11 * r20);
  // NaN compares false: report it as the defect.
  const d = Math.abs(det - 1);
  return d > defect || Number.isNaN(d) ? d : defect;
}

/** Throws unless every element of `M` (size numbers each) has a rotation block within MATRIX_TOLERANCE. */
export function checkRotations(fn: string, arg: string, M: Float64Array, size: number, dim: 2 | 3, stride: number): void {
  const count = M.length / size;
  for (let k = 0; k < count; k++) {
    const d = dim === 2 ? rotationDefect2(M, k * size, stride) : rotationDefect3(M, k * size, stride);
    if (!(d <= MATRIX_TOLERANCE)) {
      throw holdError(fn, arg, 'rotation matrices (RᵀR = I and det R = 1 within 1e-6)', `a deviation of ${d.toPrecision(3)} at element ${k}`);
    }
  }
}

/** Throws unless the last row of every rows×cols element of `M` is [0, …, 0, 1] within MATRIX_TOLERANCE. */
export function checkHomogeneousRow(fn: string, arg: string, M: Float64Array, rows: number): void {
  const size = rows * rows;
  const count = M.length / size;
  for (let k = 0; k < count; k++) {
    const o = k * size + (rows - 1) * rows;
    let d = 0;
    for (let j = 0; j < rows; j++) d = Math.max(d, Math.abs(M[o + j]! - (j === rows - 1 ? 1 : 0)));
    if (!(d <= MATRIX_TOLERANCE)) {
      const expected = `[${[...Array(rows - 1).fill('0'), '1'].join(', ')}]`;
      const got = `[${Array.from(M.subarray(o, o + rows)).join(', ')}]`;
      throw holdError(fn, arg, `homogeneous transforms (last row ${expected} within 1e-6)`, `${got} at element ${k}`);
    }
  }
}
