/**
 * Random Jacobian patterns and plain reference computations for the linear
 * solver tests: dense JᵀJ from J's rows, a dense Cholesky solve, and the
 * backward error ‖Ax − b‖ / (‖A‖‖x‖) with A applied as Jᵀ(Jx) + λDx.
 */
import type { JacobianPattern } from '../../lib/index.js';
import { SeededRandom } from '../../lib/core/random.js';

/** Each row touches `perRow` columns (row r always touches column r mod n). */
export function randomScalarPattern(m: number, n: number, perRow: number, seed: number): JacobianPattern {
  const rng = new SeededRandom(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let r = 0; r < m; r++) {
    rows.push(r);
    cols.push(r % n);
    for (let k = 1; k < perRow; k++) {
      rows.push(r);
      cols.push(rng.int(0, n - 1));
    }
  }
  return { m, n, rows: Int32Array.from(rows), cols: Int32Array.from(cols) };
}

/**
 * A pose-graph-like pattern over `nodes` blocks of `block` columns: a prior
 * on node 0, a chain of edges and `extra` loop closures at most `span` nodes
 * apart, each edge a dense block × 2·block block of J.
 */
export function blockPattern(nodes: number, block: number, extra: number, span: number, seed: number): JacobianPattern {
  const rng = new SeededRandom(seed);
  const edges: [number, number][] = [];
  for (let i = 0; i + 1 < nodes; i++) edges.push([i, i + 1]);
  for (let e = 0; e < extra; e++) {
    const a = rng.int(0, nodes - 1);
    const b = Math.min(nodes - 1, a + rng.int(1, span));
    if (a !== b) edges.push([a, b]);
  }
  const rows: number[] = [];
  const cols: number[] = [];
  let row = 0;
  for (let r = 0; r < block; r++, row++) {
    for (let c = 0; c < block; c++) {
      rows.push(row);
      cols.push(c);
    }
  }
  for (const [a, b] of edges) {
    for (let r = 0; r < block; r++, row++) {
      for (const v of [a, b]) {
        for (let c = 0; c < block; c++) {
          rows.push(row);
          cols.push(v * block + c);
        }
      }
    }
  }
  return {
    m: row,
    n: nodes * block,
    rows: Int32Array.from(rows),
    cols: Int32Array.from(cols),
    colBlocks: new Int32Array(nodes).fill(block),
  };
}

/** y = J x for element b (values in pattern order, duplicates summed). */
export function multiplyJ(p: JacobianPattern, values: Float64Array, x: Float64Array): Float64Array {
  const y = new Float64Array(p.m);
  for (let k = 0; k < p.rows.length; k++) y[p.rows[k]!]! += values[k]! * x[p.cols[k]!]!;
  return y;
}

/** x = Jᵀ y for one element. */
export function multiplyJt(p: JacobianPattern, values: Float64Array, y: Float64Array): Float64Array {
  const x = new Float64Array(p.n);
  for (let k = 0; k < p.rows.length; k++) x[p.cols[k]!]! += values[k]! * y[p.rows[k]!]!;
  return x;
}

/** diag(JᵀJ) for one element. */
export function normalDiagonal(p: JacobianPattern, values: Float64Array): Float64Array {
  // Sum duplicates per (row, column) first: (Σv)² ≠ Σv².
  const merged = new Map<number, number>();
  for (let k = 0; k < p.rows.length; k++) {
    const key = p.rows[k]! * p.n + p.cols[k]!;
    merged.set(key, (merged.get(key) ?? 0) + values[k]!);
  }
  const d = new Float64Array(p.n);
  for (const [key, v] of merged) d[key % p.n]! += v * v;
  return d;
}

/** The damping D of A + λD. */
export function damping(p: JacobianPattern, values: Float64Array, mode: 'diagonal' | 'identity'): Float64Array {
  if (mode === 'identity') return new Float64Array(p.n).fill(1);
  return normalDiagonal(p, values).map((a) => Math.min(Math.max(a, 1e-6), 1e32));
}

/** (JᵀJ + λD) x for one element. */
export function applyA(p: JacobianPattern, values: Float64Array, lambda: number, d: Float64Array, x: Float64Array): Float64Array {
  const ax = multiplyJt(p, values, multiplyJ(p, values, x));
  for (let c = 0; c < p.n; c++) ax[c]! += lambda * d[c]! * x[c]!;
  return ax;
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** Dense A = JᵀJ + λD, row-major n×n. */
export function denseA(p: JacobianPattern, values: Float64Array, lambda: number, d: Float64Array): Float64Array {
  const n = p.n;
  const j = new Float64Array(p.m * n);
  for (let k = 0; k < p.rows.length; k++) j[p.rows[k]! * n + p.cols[k]!]! += values[k]!;
  const a = new Float64Array(n * n);
  for (let r = 0; r < p.m; r++) {
    const nz: number[] = [];
    for (let c = 0; c < n; c++) if (j[r * n + c] !== 0) nz.push(c);
    for (const c1 of nz) for (const c2 of nz) a[c1 * n + c2]! += j[r * n + c1]! * j[r * n + c2]!;
  }
  for (let c = 0; c < n; c++) a[c * n + c]! += lambda * d[c]!;
  return a;
}

/** Solves a x = b by dense Cholesky (a row-major, symmetric positive definite). */
export function denseSolve(a: Float64Array, b: Float64Array): Float64Array {
  const n = b.length;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(s) : s / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/** Max over i of |a_i − b_i| / max|b|. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / Math.max(scale, 1e-300);
}

/** ‖JᵀJ + λD‖_F for one element, from J's rows. */
export function frobeniusA(p: JacobianPattern, values: Float64Array, lambda: number, d: Float64Array): number {
  const rowsOf = new Map<number, [number, number][]>();
  for (let k = 0; k < p.rows.length; k++) {
    const list = rowsOf.get(p.rows[k]!) ?? [];
    list.push([p.cols[k]!, values[k]!]);
    rowsOf.set(p.rows[k]!, list);
  }
  const a = new Map<number, number>();
  for (const entries of rowsOf.values()) {
    for (const [c1, v1] of entries) for (const [c2, v2] of entries) a.set(c1 * p.n + c2, (a.get(c1 * p.n + c2) ?? 0) + v1 * v2);
  }
  for (let c = 0; c < p.n; c++) a.set(c * p.n + c, (a.get(c * p.n + c) ?? 0) + lambda * d[c]!);
  let s = 0;
  for (const v of a.values()) s += v * v;
  return Math.sqrt(s);
}
