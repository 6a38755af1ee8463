/**
 * What the shared group suite needs to know about each group, computed by
 * test code independently of the library: elements and tangents built from
 * (angle, axis, translation), homogeneous matrices of stored elements, the
 * hat map and a matrix exponential, and the tangent space with Log's branch
 * cut at θ = π unwrapped (for differences of Log outputs across the cut).
 */
import fc from 'fast-check';

import { SE2, SE3, SO2, SO3, Vector, type LieGroup } from '../../lib/geometry/index.js';

export type Vec3 = [number, number, number];

/** The parameters of one test element: a rotation of `angle` about `axis` and a translation. */
export interface Raw {
  angle: number;
  axis: Vec3;
  translation: Vec3;
}

export interface Fixture {
  group: LieGroup;
  /** Indices of the rotation part in the tangent (empty for vectors). */
  rotation: number[];
  /** Indices of the translation part in the tangent. */
  translation: number[];
  /** Matrix size of `matrix`/`hat` (3 for the planar groups, 4 otherwise). */
  size: number;
  /** One stored element (not necessarily canonical: SO2 at π stores π). */
  element(raw: Raw): number[];
  /** One tangent vector with rotation part angle·axis. */
  tangent(raw: Raw): number[];
  /** The homogeneous matrix of the stored element at x[o]. */
  matrix(x: Float64Array, o: number): number[][];
  /** The hat map: tangent at t[o] → size×size Lie-algebra matrix. */
  hat(t: Float64Array | number[], o: number): number[][];
}

// ---------------------------------------------------------------------------
// Small dense matrices (test side).

export function zeros(n: number, m = n): number[][] {
  return Array.from({ length: n }, () => new Array<number>(m).fill(0));
}

export function eye(n: number): number[][] {
  const I = zeros(n);
  for (let i = 0; i < n; i++) I[i]![i] = 1;
  return I;
}

export function matMul(A: number[][], B: number[][]): number[][] {
  const C = zeros(A.length, B[0]!.length);
  for (let i = 0; i < A.length; i++) for (let j = 0; j < B[0]!.length; j++) for (let l = 0; l < B.length; l++) C[i]![j]! += A[i]![l]! * B[l]![j]!;
  return C;
}

export function matAdd(A: number[][], B: number[][], s = 1): number[][] {
  return A.map((row, i) => row.map((v, j) => v + s * B[i]![j]!));
}

export function maxAbs(A: number[][]): number {
  return Math.max(...A.map((row) => Math.max(...row.map(Math.abs))));
}

/** Inverse by Gauss-Jordan with partial pivoting. */
export function matInv(A: number[][]): number[][] {
  const n = A.length;
  const M = A.map((row, i) => [...row, ...eye(n)[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const d = M[c]![c]!;
    for (let j = 0; j < 2 * n; j++) M[c]![j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]!;
      for (let j = 0; j < 2 * n; j++) M[r]![j]! -= f * M[c]![j]!;
    }
  }
  return M.map((row) => row.slice(n));
}

/** exp(A) by scaling and squaring with a Taylor series (accurate to rounding for the sizes here). */
export function expm(A: number[][]): number[][] {
  const norm = Math.max(...A.map((row) => row.reduce((s, v) => s + Math.abs(v), 0)));
  const s = Math.max(0, Math.ceil(Math.log2(norm / 0.25)));
  const B = A.map((row) => row.map((v) => v / 2 ** s));
  let term = eye(A.length);
  let sum = eye(A.length);
  for (let k = 1; k < 30; k++) {
    term = matMul(term, B).map((row) => row.map((v) => v / k));
    sum = matAdd(sum, term);
  }
  for (let i = 0; i < s; i++) sum = matMul(sum, sum);
  return sum;
}

function quaternionMatrix(x: number, y: number, z: number, w: number): number[][] {
  const n = Math.hypot(x, y, z, w);
  [x, y, z, w] = [x / n, y / n, z / n, w / n];
  return [
    [w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y)],
    [2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x)],
    [2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z],
  ];
}

function homogeneous(R: number[][], t: number[]): number[][] {
  const n = R.length + 1;
  const M = zeros(n);
  for (let i = 0; i < n - 1; i++) {
    for (let j = 0; j < n - 1; j++) M[i]![j] = R[i]![j]!;
    M[i]![n - 1] = t[i]!;
  }
  M[n - 1]![n - 1] = 1;
  return M;
}

function rotation2(theta: number): number[][] {
  return [
    [Math.cos(theta), -Math.sin(theta)],
    [Math.sin(theta), Math.cos(theta)],
  ];
}

/** A quaternion for `angle` about `axis`, with w = 0 exactly at ±π. */
function quaternion(angle: number, axis: Vec3): number[] {
  if (Math.abs(angle) === Math.PI) return [Math.sign(angle) * axis[0], Math.sign(angle) * axis[1], Math.sign(angle) * axis[2], 0];
  const s = Math.sin(angle / 2);
  return [s * axis[0], s * axis[1], s * axis[2], Math.cos(angle / 2)];
}

function skew4(w: number[], v: number[]): number[][] {
  return [
    [0, -w[2]!, w[1]!, v[0]!],
    [w[2]!, 0, -w[0]!, v[1]!],
    [-w[1]!, w[0]!, 0, v[2]!],
    [0, 0, 0, 0],
  ];
}

function at(t: Float64Array | number[], o: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => t[o + i]!);
}

export const fixtures: Fixture[] = [
  {
    group: SO2,
    rotation: [0],
    translation: [],
    size: 3,
    element: (r) => [r.angle],
    tangent: (r) => [r.angle],
    matrix: (x, o) => homogeneous(rotation2(x[o]!), [0, 0]),
    hat: (t, o) => [
      [0, -t[o]!, 0],
      [t[o]!, 0, 0],
      [0, 0, 0],
    ],
  },
  {
    group: SE2,
    rotation: [2],
    translation: [0, 1],
    size: 3,
    element: (r) => [r.translation[0], r.translation[1], r.angle],
    tangent: (r) => [r.translation[0], r.translation[1], r.angle],
    matrix: (x, o) => homogeneous(rotation2(x[o + 2]!), [x[o]!, x[o + 1]!]),
    hat: (t, o) => [
      [0, -t[o + 2]!, t[o]!],
      [t[o + 2]!, 0, t[o + 1]!],
      [0, 0, 0],
    ],
  },
  {
    group: SO3,
    rotation: [0, 1, 2],
    translation: [],
    size: 4,
    element: (r) => quaternion(r.angle, r.axis),
    tangent: (r) => r.axis.map((a) => a * r.angle),
    matrix: (x, o) => homogeneous(quaternionMatrix(x[o]!, x[o + 1]!, x[o + 2]!, x[o + 3]!), [0, 0, 0]),
    hat: (t, o) => skew4(at(t, o, 3), [0, 0, 0]),
  },
  {
    group: SE3,
    rotation: [3, 4, 5],
    translation: [0, 1, 2],
    size: 4,
    element: (r) => [...r.translation, ...quaternion(r.angle, r.axis)],
    tangent: (r) => [...r.translation, ...r.axis.map((a) => a * r.angle)],
    matrix: (x, o) => homogeneous(quaternionMatrix(x[o + 3]!, x[o + 4]!, x[o + 5]!, x[o + 6]!), at(x, o, 3)),
    hat: (t, o) => skew4(at(t, o + 3, 3), at(t, o, 3)),
  },
  {
    group: Vector(3),
    rotation: [],
    translation: [0, 1, 2],
    size: 4,
    // No rotation: the "angle" only scales a second vector, so the special points are still distinct values.
    element: (r) => r.translation.map((t, i) => t + r.angle * r.axis[i]!),
    tangent: (r) => r.translation.map((t, i) => t + r.angle * r.axis[i]!),
    matrix: (x, o) => homogeneous(eye(3), at(x, o, 3)),
    hat: (t, o) => skew4([0, 0, 0], at(t, o, 3)),
  },
];

export function fixtureOf(group: LieGroup): Fixture {
  const f = fixtures.find((x) => x.group === group);
  if (f === undefined) throw new Error(`no fixture for ${group.name}`);
  return f;
}

/** The largest entry-wise difference between the matrices of the elements of a and b (count elements each, or 1 broadcast). */
export function elementDistance(fx: Fixture, a: Float64Array, b: Float64Array): number {
  const s = fx.group.storage;
  const count = Math.max(a.length, b.length) / s;
  let d = 0;
  for (let k = 0; k < count; k++) {
    const ia = a.length === s ? 0 : k * s;
    const ib = b.length === s ? 0 : k * s;
    d = Math.max(d, maxAbs(matAdd(fx.matrix(a, ia), fx.matrix(b, ib), -1)));
  }
  return d;
}

// ---------------------------------------------------------------------------
// The tangent space with the Log branch cut unwrapped.

/** The other tangent of Exp(τ) across the cut: rotation part r(1 − 2π/|r|), translation part solved from the same t. */
function otherBranch(fx: Fixture, tau: number[]): number[] | undefined {
  const r = fx.rotation.map((i) => tau[i]!);
  const theta = Math.hypot(...r);
  if (theta < 3) return undefined;
  const scale = 1 - (2 * Math.PI) / theta;
  const alt = tau.slice();
  fx.rotation.forEach((i) => (alt[i] = tau[i]! * scale));
  if (fx.translation.length === 0) return alt;
  // t = translation column of exp(hat(τ)); V(r') columns = translation of exp(hat(e_k, r')).
  const n = fx.size - 1;
  const t = expm(fx.hat(tau, 0))
    .slice(0, n)
    .map((row) => row[n]!);
  const V = zeros(n);
  fx.translation.forEach((i, k) => {
    const e = alt.slice();
    fx.translation.forEach((j) => (e[j] = j === i ? 1 : 0));
    const M = expm(fx.hat(e, 0));
    for (let row = 0; row < n; row++) V[row]![k] = M[row]![n]!;
  });
  const rho = matMul(
    matInv(V),
    t.map((v) => [v]),
  ).map((row) => row[0]!);
  fx.translation.forEach((i, k) => (alt[i] = rho[k]!));
  return alt;
}

/**
 * Vector(dof) whose local(a, b) takes, per element, whichever of b and its
 * other branch across θ = π is nearer to a: the right output manifold for
 * differences of Log (log, local) at and near π.
 */
export function tangentSpace(fx: Fixture): LieGroup {
  const V = Vector(fx.group.dof);
  const dof = fx.group.dof;
  if (fx.rotation.length === 0) return V;
  return {
    ...V,
    name: `${fx.group.name} tangent (Log branch cut unwrapped)`,
    local(x: Float64Array, y: Float64Array): Float64Array {
      const count = Math.max(x.length, y.length) / dof;
      const out = new Float64Array(count * dof);
      for (let k = 0; k < count; k++) {
        const a = at(x, x.length === dof ? 0 : k * dof, dof);
        const b = at(y, y.length === dof ? 0 : k * dof, dof);
        let d = b.map((v, i) => v - a[i]!);
        const alt = otherBranch(fx, b);
        if (alt !== undefined) {
          const dAlt = alt.map((v, i) => v - a[i]!);
          if (Math.hypot(...dAlt) < Math.hypot(...d)) d = dAlt;
        }
        out.set(d, k * dof);
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------
// Points of evaluation and fast-check arbitraries.

export interface Point {
  name: string;
  angle: fc.Arbitrary<number>;
  translation: fc.Arbitrary<Vec3>;
}

const unit = fc.double({ min: -1, max: 1, noNaN: true });

export const axisArb: fc.Arbitrary<Vec3> = fc.tuple(unit, unit, unit).map(([x, y, z]) => {
  const n = Math.hypot(x, y, z);
  return n < 0.1 ? ([0, 0, 1] as Vec3) : ([x / n, y / n, z / n] as Vec3);
});

const coordinate = fc.double({ min: -3, max: 3, noNaN: true });
const translationArb: fc.Arbitrary<Vec3> = fc.tuple(coordinate, coordinate, coordinate);

export const PI_MINUS = Math.PI - 1e-8;

/** The points of evaluation: the rotation angle (and translation) of the elements under test. */
export const points: Point[] = [
  { name: 'identity', angle: fc.constant(0), translation: fc.constant([0, 0, 0] as Vec3) },
  {
    name: 'near identity (1e-8)',
    angle: fc.constantFrom(1e-8, -1e-8),
    translation: axisArb.map((u) => u.map((v) => 1e-8 * v) as Vec3),
  },
  { name: 'π − 1e-8', angle: fc.constantFrom(PI_MINUS, -PI_MINUS), translation: translationArb },
  { name: 'π (180°)', angle: fc.constantFrom(Math.PI, -Math.PI), translation: translationArb },
  { name: 'random points', angle: fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }), translation: translationArb },
];

export const randomPoint = points[4]!;

export function rawArb(point: Point): fc.Arbitrary<Raw> {
  return fc.record({ angle: point.angle, axis: axisArb, translation: point.translation });
}

/** One scenario: `count` elements at the point, `count` free elements, points; one argument may broadcast. */
export interface Scenario {
  count: number;
  /** Which argument of a two-argument verb holds a single element (−1: none). */
  broadcast: number;
  special: Raw[];
  free: Raw[];
  points: Vec3[];
}

export function scenarioArb(point: Point): fc.Arbitrary<Scenario> {
  return fc.integer({ min: 1, max: 4 }).chain((count) =>
    fc.record({
      count: fc.constant(count),
      broadcast: count === 1 ? fc.constant(-1) : fc.constantFrom(-1, 0, 1),
      special: fc.array(rawArb(point), { minLength: count, maxLength: count }),
      free: fc.array(rawArb(randomPoint), { minLength: count, maxLength: count }),
      points: fc.array(
        fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true })),
        {
          minLength: count,
          maxLength: count,
        },
      ),
    }),
  );
}

/** Fixed seeds: every run draws the same cases. */
export const FC_SPECIAL = { seed: 20250101, numRuns: 20 };
export const FC_RANDOM = { seed: 20250102, numRuns: 60 };
