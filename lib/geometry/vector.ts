/**
 * Vector(n): ℝⁿ as the additive group, so that plain vectors (points,
 * velocities, biases, calibration parameters) are variables like any other.
 *
 *   a·b = a + b,  x⁻¹ = −x,  a⁻¹·b = b − a,  Exp = Log = identity map,  Ad = I
 *   x ⊕ δ = x + δ,  local(x, y) = y − x,  act(x, p) = p + x (a translation)
 *
 * Every Jacobian is ±I: compose I, I; inverse −I; between −I, I; exp, log I;
 * act I, I; retract I, I; local −I, I.
 */
import { checkFinite, checkInteger } from '../base/check.js';
import type { SeededRandom } from '../base/random.js';
import {
  Batch,
  checkCount,
  checkRandom,
  jacobianArray,
  operand,
  outputArray,
  twoInputs,
  writeScaledIdentity,
  type LieGroup,
  type Operand,
} from './lie-group.js';

const groups = new Map<number, LieGroup>();

/** The largest n accepted by Vector(n). */
const MAX_VECTOR_DIMENSION = 65536;

function writeIdentities(J: Float64Array | undefined, count: number, n: number, s: number): void {
  if (J === undefined) return;
  for (let k = 0; k < count; k++) writeScaledIdentity(J, k * n * n, n, s);
}

function make(n: number): LieGroup {
  const name = `Vector${n}`;
  const nn = `${n}×${n}`;

  function values(fn: string, arg: string, x: Float64Array): void {
    checkFinite(fn, arg, x, n);
  }

  /** The batched arguments of the two-input verbs (see twoInputs). */
  const inputs = {
    a: operand('a', n, n, values),
    b: operand('b', n, n, values),
    x: operand('x', n, n, values),
    y: operand('y', n, n, values),
    delta: operand('delta', n, n, values),
    points: operand('points', n, n, values),
  };

  /** out = sa·a + sb·b element-wise with Jacobians sa·I, sb·I. */
  function combine(
    verb: string,
    A: Operand,
    a: Float64Array,
    B: Operand,
    b: Float64Array,
    sa: number,
    sb: number,
    out: unknown,
    Ja: unknown,
    Jb: unknown,
  ): Float64Array {
    const { count, sa: ia, sb: ib, o, Ja: JA, Jb: JB } = twoInputs(`${name}.${verb}`, A, a, B, b, out, n, n, Ja, Jb);
    for (let k = 0; k < count; k++) {
      const pa = k * ia;
      const pb = k * ib;
      const po = k * n;
      for (let i = 0; i < n; i++) o[po + i] = sa * a[pa + i]! + sb * b[pb + i]!;
    }
    writeIdentities(JA, count, n, sa);
    writeIdentities(JB, count, n, sb);
    return o;
  }

  /** out = s·x element-wise with Jacobian s·I. */
  function scale(verb: string, arg: string, x: Float64Array, s: number, out: unknown, J: unknown): Float64Array {
    const fn = `${name}.${verb}`;
    const batch = new Batch(fn);
    batch.add(arg, x, n);
    const count = batch.count;
    values(fn, arg, x);
    const o = outputArray(fn, 'out', out, count, n);
    const Jo = J === undefined ? undefined : jacobianArray(fn, `J_out_${arg}`, J, count, n, n);
    for (let i = 0; i < count * n; i++) o[i] = s * x[i]!;
    writeIdentities(Jo, count, n, s);
    return o;
  }

  return Object.freeze<LieGroup>({
    name,
    storage: n,
    dof: n,
    pointDim: n,
    identity(count = 1) {
      return new Float64Array(n * checkCount(`${name}.identity`, count));
    },
    exp(tangent, out, J_out_tangent) {
      return scale('exp', 'tangent', tangent, 1, out, J_out_tangent);
    },
    log(x, out, J_out_x) {
      return scale('log', 'x', x, 1, out, J_out_x);
    },
    compose(a, b, out, J_out_a, J_out_b) {
      return combine('compose', inputs.a, a, inputs.b, b, 1, 1, out, J_out_a, J_out_b);
    },
    inverse(x, out, J_out_x) {
      return scale('inverse', 'x', x, -1, out, J_out_x);
    },
    between(a, b, out, J_out_a, J_out_b) {
      return combine('between', inputs.a, a, inputs.b, b, -1, 1, out, J_out_a, J_out_b);
    },
    act(x, points, out, J_out_x, J_out_points) {
      return combine('act', inputs.x, x, inputs.points, points, 1, 1, out, J_out_x, J_out_points);
    },
    adjoint(x, out) {
      const fn = `${name}.adjoint`;
      const batch = new Batch(fn);
      batch.add('x', x, n);
      const count = batch.count;
      values(fn, 'x', x);
      const o = outputArray(fn, 'out', out, count, n * n, nn);
      writeIdentities(o, count, n, 1);
      return o;
    },
    retract(x, delta, out, J_out_x, J_out_delta) {
      return combine('retract', inputs.x, x, inputs.delta, delta, 1, 1, out, J_out_x, J_out_delta);
    },
    local(x, y, out, J_out_x, J_out_y) {
      return combine('local', inputs.x, x, inputs.y, y, -1, 1, out, J_out_x, J_out_y);
    },
    normalize(x, out) {
      return scale('normalize', 'x', x, 1, out, undefined);
    },
    validate(x, fn, arg) {
      new Batch(fn).add(arg, x, n);
      values(fn, arg, x);
    },
    random(count: number, random: SeededRandom) {
      const fn = `${name}.random`;
      const c = checkCount(fn, count);
      const r = checkRandom(fn, random);
      const o = new Float64Array(c * n);
      for (let i = 0; i < o.length; i++) o[i] = r.normal();
      return o;
    },
  });
}

/**
 * The additive group ℝⁿ (named `Vector${n}`), with the same verbs as the Lie
 * groups; one shared object per n.
 *
 * @example
 * ```ts
 * import { Vector } from 'ariadne';
 * const R3 = Vector(3);
 * const a = new Float64Array([1, 2, 3]);
 * const b = new Float64Array([1, 1, 1, 2, 2, 2]); // two elements; a broadcasts
 * console.log(R3.name, R3.between(a, b)); // Vector3 [0, -1, -2, 1, 0, -1]
 * console.log(R3.retract(a, new Float64Array([0.5, 0, 0]))); // [1.5, 2, 3]
 * ```
 */
export function Vector(n: number): LieGroup {
  checkInteger('Vector', 'n', n, 1, MAX_VECTOR_DIMENSION);
  let group = groups.get(n);
  if (group === undefined) {
    group = make(n);
    groups.set(n, group);
  }
  return group;
}
