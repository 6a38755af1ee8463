/**
 * Random Jacobian patterns and plain reference computations for the linear
 * solver tests: dense JᵀJ from J's rows, a dense Cholesky solve, and the
 * backward error ‖Ax − b‖ / (‖A‖‖x‖) with A applied as Jᵀ(Jx) + λDx.
 *
 * Every generator gives its patterns the shapes that objectives make and
 * hand-written patterns seldom have (see {@link PatternFeatures}): each of
 * the four features is on with probability 1/2, independently, drawn as the
 * first numbers of the seed's own stream (streams.ts; {@link drawnFeatures}
 * tells a seed's features, and a few dozen seeds cover all 16 combinations). An
 * explicit `features` argument overrides the draw, for the few tests that
 * need a fixed structure. Every column stays touched by a non-empty row, so
 * that JᵀJ stays positive definite wherever the base pattern makes it so.
 * Empty rows add to m: a pattern's m may exceed the m asked for.
 */
import type { JacobianPattern } from '../../lib/index.js';
import { SeededRandom } from '../../lib/base/random.js';
import { drawFlags, shuffle } from './streams.js';

/** What a generated pattern has besides its base structure. */
export interface PatternFeatures {
  /** Single empty rows at random places, inside a cost instance's rows too. */
  emptyRows: boolean;
  /** Whole instances of d empty rows (cost instances on constant elements only): one first, one between two instances, one last. */
  constantInstances: boolean;
  /** Entries repeated at the same (row, column), anywhere in their row's entries; J's value there is their sum. */
  duplicates: boolean;
  /** The COO entries in a random order instead of row by row. */
  shuffled: boolean;
}

const FEATURES = ['emptyRows', 'constantInstances', 'duplicates', 'shuffled'] as const;

/** The features a generator called with `seed` (and `override`) gives its pattern. */
export function drawnFeatures(seed: number, override: Partial<PatternFeatures> = {}): PatternFeatures {
  return drawFlags(new SeededRandom(seed), FEATURES, override);
}

/**
 * The pattern of `instances` (each d rows, each row its columns) over n
 * columns, with `features` applied using `random`.
 */
function assemble(instances: number[][][], n: number, features: PatternFeatures, random: SeededRandom): JacobianPattern {
  const d = instances[0]!.length;
  const blocks = instances.slice();
  if (features.constantInstances) {
    const empty = (): number[][] => Array.from({ length: d }, () => []);
    blocks.splice(random.int(1, Math.max(1, blocks.length - 1)), 0, empty());
    blocks.unshift(empty());
    blocks.push(empty());
  }
  let rowList = blocks.flat();
  if (features.emptyRows) {
    // An empty row before row `at` for each drawn `at` in [0, rows] (repeats allowed).
    const count = random.int(1, Math.max(1, Math.floor(rowList.length / 8)));
    const before = Array.from({ length: count }, () => random.int(0, rowList.length)).sort((a, b) => a - b);
    const withEmpty: number[][] = [];
    let k = 0;
    rowList.forEach((columns, r) => {
      for (; k < count && before[k] === r; k++) withEmpty.push([]);
      withEmpty.push(columns);
    });
    for (; k < count; k++) withEmpty.push([]);
    rowList = withEmpty;
  }
  const entries: [number, number][] = [];
  let duplicated = 0;
  rowList.forEach((columns, r) => {
    const row = columns.map((c): [number, number] => [r, c]);
    if (features.duplicates) {
      for (const c of columns) {
        if (random.uniform() >= 0.25) continue;
        const copies = random.int(1, 2);
        for (let k = 0; k < copies; k++, duplicated++) row.splice(random.int(0, row.length), 0, [r, c]);
      }
    }
    entries.push(...row);
  });
  if (features.duplicates && duplicated === 0) {
    const k = random.int(0, entries.length - 1);
    entries.splice(k + 1, 0, entries[k]!);
  }
  if (features.shuffled) shuffle(entries, random);
  return {
    m: rowList.length,
    n,
    rows: Int32Array.from(entries, ([r]) => r),
    cols: Int32Array.from(entries, ([, c]) => c),
  };
}

/**
 * Each of m scalar rows (instances of d = 1) touches `perRow` columns; row r
 * always touches column r mod n (every column is touched when m ≥ n).
 */
export function randomScalarPattern(m: number, n: number, perRow: number, seed: number, features?: Partial<PatternFeatures>): JacobianPattern {
  const rng = new SeededRandom(seed);
  const chosen = drawFlags(rng, FEATURES, features);
  const instances: number[][][] = [];
  for (let r = 0; r < m; r++) {
    const columns = [r % n];
    for (let k = 1; k < perRow; k++) columns.push(rng.int(0, n - 1));
    instances.push([columns]);
  }
  return assemble(instances, n, chosen, rng);
}

/**
 * A pose-graph-like pattern over `nodes` blocks of `block` columns: a prior
 * on node 0, a chain of edges and `extra` loop closures at most `span` nodes
 * apart, each edge a dense block × 2·block block of J (instances of d = block rows).
 */
export function blockPattern(nodes: number, block: number, extra: number, span: number, seed: number, features?: Partial<PatternFeatures>): JacobianPattern {
  const rng = new SeededRandom(seed);
  const chosen = drawFlags(rng, FEATURES, features);
  const edges: [number, number][] = [];
  for (let i = 0; i + 1 < nodes; i++) edges.push([i, i + 1]);
  for (let e = 0; e < extra; e++) {
    const a = rng.int(0, nodes - 1);
    const b = Math.min(nodes - 1, a + rng.int(1, span));
    if (a !== b) edges.push([a, b]);
  }
  const columnsOf = (v: number) => Array.from({ length: block }, (_, c) => v * block + c);
  const instance = (columns: number[]) => Array.from({ length: block }, () => columns);
  const instances = [instance(columnsOf(0)), ...edges.map(([a, b]) => instance([...columnsOf(a), ...columnsOf(b)]))];
  return { ...assemble(instances, nodes * block, chosen, rng), colBlocks: new Int32Array(nodes).fill(block) };
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
