/**
 * g2o pose graphs, 2D and 3D: reader and writer.
 *
 * Tags (one record per line; fields separated by spaces or tabs):
 *
 *   VERTEX_SE2 id x y θ
 *   EDGE_SE2 a b dx dy dθ I11 I12 I13 I22 I23 I33
 *   VERTEX_SE3:QUAT id x y z qx qy qz qw
 *   EDGE_SE3:QUAT a b x y z qx qy qz qw I11 I12 … I16 I22 … I26 … I66
 *   FIX id [id …]
 *
 * The information matrix Ω of an edge is its upper triangle, row-major, in
 * the tangent order of the measurement (SE2 (x, y, θ); SE3 translation, then
 * rotation); it is kept exactly as written (DESIGN.md §3: never rescaled).
 * Angles are wrapped to [-π, π) and quaternions made unit with qw ≥ 0 on
 * reading, the storage conventions of lib/geometry. Vertices are indexed by
 * increasing id; the FIX line's vertices, or else the lowest id, are fixed.
 * A file with edges but no VERTEX lines gets its poses by the breadth-first
 * rule of REFERENCE.md (`./g2o-initial.ts`).
 *
 * Also accepted: `#` comments (whole-line and trailing), CRLF line ends, a
 * UTF-8 byte-order mark, blank lines, tabs and repeated spaces. Unknown tags
 * are skipped and counted, or are an error with `strict`.
 *
 * Reading is two passes: one loop over the characters splits the text into
 * lines and tokens and reads every field as a correctly rounded double
 * (`./g2o-scan.ts`, no regular expression, no substring per number); then
 * each line is checked and collected by its tag. The writer prints the
 * shortest decimal of each double (`./g2o-number.ts`), so
 * `parseG2o(formatG2o(g))` gives back `g`'s numbers bit for bit.
 */
import { readFileSync, writeFileSync } from 'node:fs';

import { checkOneOf, checkOptions, checkTypedArray, rangeError, typeError } from '../base/check.js';
import { wrapAngle } from '../geometry/lie-group.js';
import { SE2 } from '../geometry/se2.js';
import { SE3 } from '../geometry/se3.js';
import { edgeSqrtInformation } from './edge-weights.js';
import { breadthFirstPoses, type PoseGroup } from './g2o-initial.js';
import { formatNumber, looksNonFinite } from './g2o-number.js';
import { fieldText, INTEGER, NOT_A_NUMBER, scanText, type ScannedText } from './g2o-scan.js';

/** A pose graph read from (or to be written to) a g2o file. */
export interface G2oGraph {
  /** 2D (VERTEX_SE2 / EDGE_SE2) or 3D (VERTEX_SE3:QUAT / EDGE_SE3:QUAT) poses. */
  kind: 'se2' | 'se3';
  /** Vertex ids, increasing; pose i belongs to ids[i]. */
  ids: Int32Array;
  /** ids.length × storage (SE2 3 [x, y, θ]; SE3 7 [tx, ty, tz, qx, qy, qz, qw]): from VERTEX lines, or breadth-first from the fixed vertex along the edges when the file has none. */
  poses: Float64Array;
  /** Edge endpoints as indices into ids, in file order. */
  from: Int32Array;
  /** The other endpoint of each edge, as an index into ids. */
  to: Int32Array;
  /** edges × storage (SE2 θ wrapped to [-π, π); SE3 quaternion unit, qw ≥ 0). */
  measurements: Float64Array;
  /** edges × d(d+1)/2, Ω's upper triangle row-major as in the file (d = 3 or 6). */
  information: Float64Array;
  /** Indices into ids held constant: the vertices of the FIX line(s), else the lowest id. */
  fixed: Int32Array;
  /** Whether the file had VERTEX lines (false: poses by the breadth-first rule). */
  hasVertices: boolean;
  /** Unknown tags skipped (without `strict`), with counts. */
  skipped: Record<string, number>;
  /**
   * How many information matrices are not positive definite (their weights
   * use clamped eigenvalues, eigenvalues raised to 1e-12); computed on
   * reading, ignored by the writer.
   */
  nonPositiveDefinite: number;
}

/** Options of {@link parseG2o}. */
export interface ParseG2oOptions {
  /** Unknown tags are an error instead of being skipped (default false). */
  strict?: boolean;
  /** The file name used in error messages (default `'<string>'`). */
  name?: string;
}

/** Options of {@link readG2o}. */
export interface ReadG2oOptions {
  /** Unknown tags are an error instead of being skipped (default false). */
  strict?: boolean;
}

/**
 * A malformed g2o file; the message is `<file>:<line>: <what was expected>`.
 *
 * @example
 * ```ts
 * import { G2oFormatError, parseG2o } from 'ariadne';
 * try {
 *   parseG2o('VERTEX_SE2 0 0 0\n', { name: 'a.g2o' });
 * } catch (error) {
 *   if (!(error instanceof G2oFormatError)) throw error;
 *   console.log(error.code, error.line, error.message); // ERR_G2O_FORMAT 1 a.g2o:1: VERTEX_SE2 expects 4 numbers after the tag, got 3
 * }
 * ```
 */
export class G2oFormatError extends Error {
  /** Always `'ERR_G2O_FORMAT'`, to tell this error apart without `instanceof`. */
  readonly code = 'ERR_G2O_FORMAT';
  /** 1-based line number. */
  readonly line: number;
  /** The file name (the path given to readG2o, or parseG2o's `name`). */
  readonly file: string;

  constructor(file: string, line: number, detail: string) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'G2oFormatError';
    this.line = line;
    this.file = file;
  }
}

interface KindSpec {
  readonly kind: 'se2' | 'se3';
  readonly vertexTag: string;
  readonly edgeTag: string;
  readonly group: PoseGroup;
  /** Numbers per pose. */
  readonly storage: number;
  /** Numbers per information matrix, d(d+1)/2. */
  readonly tri: number;
  readonly dimension: number;
  /** Field names after the tag, for messages. */
  readonly vertexFields: readonly string[];
  readonly edgeFields: readonly string[];
  /** The identity pose. */
  readonly identity: readonly number[];
}

function informationNames(d: number): string[] {
  const names: string[] = [];
  for (let i = 1; i <= d; i++) for (let j = i; j <= d; j++) names.push(`I${i}${j}`);
  return names;
}

const SE2_SPEC: KindSpec = {
  kind: 'se2',
  vertexTag: 'VERTEX_SE2',
  edgeTag: 'EDGE_SE2',
  group: SE2,
  storage: 3,
  tri: 6,
  dimension: 3,
  vertexFields: ['id', 'x', 'y', 'θ'],
  edgeFields: ['a', 'b', 'dx', 'dy', 'dθ', ...informationNames(3)],
  identity: [0, 0, 0],
};

const SE3_SPEC: KindSpec = {
  kind: 'se3',
  vertexTag: 'VERTEX_SE3:QUAT',
  edgeTag: 'EDGE_SE3:QUAT',
  group: SE3,
  storage: 7,
  tri: 21,
  dimension: 6,
  vertexFields: ['id', 'x', 'y', 'z', 'qx', 'qy', 'qz', 'qw'],
  edgeFields: ['a', 'b', 'x', 'y', 'z', 'qx', 'qy', 'qz', 'qw', ...informationNames(6)],
  identity: [0, 0, 0, 0, 0, 0, 1],
};

const KNOWN_TAGS = 'VERTEX_SE2, EDGE_SE2, VERTEX_SE3:QUAT, EDGE_SE3:QUAT or FIX';
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Reads a g2o pose graph from a string.
 *
 * @param text the file's contents.
 * @param options `strict`: unknown tags are an error (default: skipped and
 *   counted in `skipped`); `name`: the file name in error messages.
 * @throws G2oFormatError for a malformed file, naming the line and what was expected.
 *
 * @example
 * ```ts
 * import { parseG2o } from 'ariadne';
 * const graph = parseG2o(['VERTEX_SE2 7 0 0 0', 'VERTEX_SE2 3 1 0 0', 'EDGE_SE2 3 7 1 0 0 1 0 0 1 0 1'].join('\n'));
 * console.log(graph.kind, graph.ids, graph.from, graph.to, graph.fixed);
 * // se2 Int32Array(2) [ 3, 7 ] Int32Array(1) [ 0 ] Int32Array(1) [ 1 ] Int32Array(1) [ 0 ]
 * ```
 */
export function parseG2o(text: string, options?: ParseG2oOptions): G2oGraph {
  const fn = 'parseG2o';
  if (typeof text !== 'string') throw typeError(fn, 'text', 'a string', text);
  const { strict, name } = readOptions(fn, options, true);
  return parse(text, strict, name ?? '<string>');
}

/**
 * Reads a g2o pose graph from a file (UTF-8); error messages name the file
 * by `path` as given.
 *
 * @example
 * ```ts
 * import * as os from 'node:os';
 * import * as path from 'node:path';
 * import { parseG2o, readG2o, writeG2o } from 'ariadne';
 * const file = path.join(os.tmpdir(), 'ariadne-read-example.g2o');
 * writeG2o(file, parseG2o('VERTEX_SE2 0 0 0 0\nVERTEX_SE2 1 1 0 0\nEDGE_SE2 0 1 1 0 0 1 0 0 1 0 1\n'));
 * const graph = readG2o(file, { strict: true });
 * console.log(graph.ids.length, graph.from.length); // 2 1
 * ```
 */
export function readG2o(path: string, options?: ReadG2oOptions): G2oGraph {
  const fn = 'readG2o';
  if (typeof path !== 'string') throw typeError(fn, 'path', 'a string', path);
  if (path.length === 0) throw rangeError(fn, 'path', 'a non-empty string', "''");
  const { strict } = readOptions(fn, options, false);
  return parse(readFileSync(path, 'utf8'), strict, path);
}

/**
 * The g2o text of a graph: VERTEX lines (of `poses` when given, else of
 * `graph.poses`) in increasing id, EDGE lines in edge order, then a FIX line
 * with the fixed vertices. Every number is printed as the shortest decimal
 * that reads back as the same double.
 *
 * @example
 * ```ts
 * import { formatG2o, parseG2o } from 'ariadne';
 * // No VERTEX lines: the poses come from the edges (breadth-first from the lowest id).
 * const graph = parseG2o('EDGE_SE2 0 1 1 0 1.5707963267948966 1 0 0 1 0 1\n');
 * console.log(formatG2o(graph));
 * // VERTEX_SE2 0 0 0 0
 * // VERTEX_SE2 1 1 0 1.5707963267948966
 * // EDGE_SE2 0 1 1 0 1.5707963267948966 1 0 0 1 0 1
 * // FIX 0
 * ```
 */
export function formatG2o(graph: G2oGraph, poses?: Float64Array): string {
  const fn = 'formatG2o';
  const g = checkG2oGraph(fn, graph, poses);
  const { spec, ids, from, to, measurements, information, fixed } = g;
  const k = spec.storage;
  const tri = spec.tri;
  const lines: string[] = [];
  let row: string;
  for (let i = 0; i < ids.length; i++) {
    row = `${spec.vertexTag} ${ids[i]}`;
    for (let c = 0; c < k; c++) row += ' ' + formatNumber(g.poses[i * k + c]!);
    lines.push(row);
  }
  for (let e = 0; e < from.length; e++) {
    row = `${spec.edgeTag} ${ids[from[e]!]} ${ids[to[e]!]}`;
    for (let c = 0; c < k; c++) row += ' ' + formatNumber(measurements[e * k + c]!);
    for (let c = 0; c < tri; c++) row += ' ' + formatNumber(information[e * tri + c]!);
    lines.push(row);
  }
  if (fixed.length > 0) lines.push(`FIX ${Array.from(fixed, (i) => ids[i]).join(' ')}`);
  return lines.join('\n') + '\n';
}

/**
 * Writes `formatG2o(graph, poses)` to a file (UTF-8).
 *
 * @example
 * ```ts
 * import * as os from 'node:os';
 * import * as path from 'node:path';
 * import { parseG2o, writeG2o } from 'ariadne';
 * const graph = parseG2o('VERTEX_SE2 0 0 0 0\nVERTEX_SE2 1 0.9 0 0\nEDGE_SE2 0 1 1 0 0 1 0 0 1 0 1\n');
 * const moved = graph.poses.slice();
 * moved[3] = 1; // vertex 1 at x = 1
 * writeG2o(path.join(os.tmpdir(), 'ariadne-write-example.g2o'), graph, moved);
 * ```
 */
export function writeG2o(path: string, graph: G2oGraph, poses?: Float64Array): void {
  const fn = 'writeG2o';
  if (typeof path !== 'string') throw typeError(fn, 'path', 'a string', path);
  if (path.length === 0) throw rangeError(fn, 'path', 'a non-empty string', "''");
  checkG2oGraph(fn, graph, poses);
  writeFileSync(path, formatG2o(graph, poses));
}

// ---------------------------------------------------------------------------
// Reading

function readOptions(fn: string, options: unknown, withName: boolean): { strict: boolean; name: string | undefined } {
  if (options === undefined) return { strict: false, name: undefined };
  const o = checkOptions(fn, 'options', options, withName ? ['strict', 'name'] : ['strict']);
  if (o.strict !== undefined && typeof o.strict !== 'boolean') throw typeError(fn, 'options.strict', 'a boolean', o.strict);
  if (o.name !== undefined) {
    if (typeof o.name !== 'string') throw typeError(fn, 'options.name', 'a string', o.name);
    if (o.name.length === 0) throw rangeError(fn, 'options.name', 'a non-empty string', "''");
  }
  return { strict: o.strict === true, name: o.name as string | undefined };
}

/** A growable Float64Array. */
class Numbers {
  data = new Float64Array(64);
  length = 0;
  /** Appends source[begin, end). */
  append(source: Float64Array, begin: number, end: number): void {
    const count = end - begin;
    while (this.length + count > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const data = this.data;
    let o = this.length;
    for (let i = begin; i < end; i++) data[o++] = source[i]!;
    this.length = o;
  }
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** Largest |‖q‖ − 1| of a quaternion in a file: printed digits round a unit quaternion by far less; beyond, it is not a rotation as written. */
const FILE_QUATERNION_TOLERANCE = 1e-3;

/**
 * Makes q = v[o … o+3] (x, y, z, w) a unit quaternion with w ≥ 0, in place;
 * else what is wrong with it (zero, or a norm farther than 1e-3 from 1:
 * normalising it silently would hide an error that Variable refuses). A q
 * within 1e-14 of unit norm (squared) is only sign-adjusted: dividing by a
 * norm that rounds to 1 could move the last bit and would make reading a
 * written file differ from the original.
 */
function canonicalQuaternion(v: Float64Array, o: number): string | null {
  let x = v[o]!;
  let y = v[o + 1]!;
  let z = v[o + 2]!;
  let w = v[o + 3]!;
  const n2 = x * x + y * y + z * z + w * w;
  if (!(Math.abs(n2 - 1) <= 1e-14)) {
    const largest = Math.max(Math.abs(x), Math.abs(y), Math.abs(z), Math.abs(w));
    if (largest === 0) return 'a non-zero quaternion (qx, qy, qz, qw), got 0 0 0 0';
    const norm = largest * Math.hypot(x / largest, y / largest, z / largest, w / largest);
    if (!(Math.abs(norm - 1) <= FILE_QUATERNION_TOLERANCE)) {
      return `a unit quaternion (qx, qy, qz, qw; |‖q‖ − 1| ≤ ${FILE_QUATERNION_TOLERANCE}, rounding is normalised away), got norm ${norm}`;
    }
    if (!(n2 > 1e-300 && n2 < 1e300)) {
      // Scale first so that the squares neither underflow nor overflow.
      x /= largest;
      y /= largest;
      z /= largest;
      w /= largest;
    }
    const n = Math.sqrt(x * x + y * y + z * z + w * w);
    x /= n;
    y /= n;
    z /= n;
    w /= n;
  }
  if (w < 0) {
    x = -x;
    y = -y;
    z = -z;
    w = -w;
  }
  v[o] = x;
  v[o + 1] = y;
  v[o + 2] = z;
  v[o + 3] = w;
  return null;
}

function canonicalPose(spec: KindSpec): (v: Float64Array, o: number) => void {
  return spec.kind === 'se2'
    ? (v, o) => {
        v[o + 2] = wrapAngle(v[o + 2]!);
      }
    : (v, o) => {
        canonicalQuaternion(v, o + 3);
      };
}

/** The record kinds, by the line's first token. */
const Tag = { VertexSE2: 0, EdgeSE2: 1, VertexSE3: 2, EdgeSE3: 3, Fix: 4, Unknown: 5 } as const;
type Tag = (typeof Tag)[keyof typeof Tag];

function tagOf(text: string, start: number, end: number): Tag {
  switch (end - start) {
    case 10:
      return text.startsWith('VERTEX_SE2', start) ? Tag.VertexSE2 : Tag.Unknown;
    case 8:
      return text.startsWith('EDGE_SE2', start) ? Tag.EdgeSE2 : Tag.Unknown;
    case 15:
      return text.startsWith('VERTEX_SE3:QUAT', start) ? Tag.VertexSE3 : Tag.Unknown;
    case 13:
      return text.startsWith('EDGE_SE3:QUAT', start) ? Tag.EdgeSE3 : Tag.Unknown;
    case 3:
      return text.startsWith('FIX', start) ? Tag.Fix : Tag.Unknown;
    default:
      return Tag.Unknown;
  }
}

/**
 * The second pass: the scanned lines, one at a time, checked and collected
 * in file order. Methods rather than closures, so that every parse calls the
 * same functions (V8's optimised code stays valid from one parse to the next).
 */
class Records {
  readonly text: string;
  readonly file: string;
  readonly scanned: ScannedText;
  spec: KindSpec | undefined = undefined;
  specLine = 0;
  readonly vertexIds: number[] = [];
  readonly vertexLine = new Map<number, number>();
  readonly vertexPoses = new Numbers();
  readonly edgeA: number[] = [];
  readonly edgeB: number[] = [];
  readonly edgeLines: number[] = [];
  readonly measurements = new Numbers();
  readonly information = new Numbers();
  readonly fixIds: number[] = [];
  readonly fixLines: number[] = [];
  readonly skipped = new Map<string, number>();

  constructor(text: string, file: string, scanned: ScannedText) {
    this.text = text;
    this.file = file;
    this.scanned = scanned;
  }

  fail(line: number, detail: string): G2oFormatError {
    return new G2oFormatError(this.file, line, detail);
  }

  /** Line r's pose tag must be of the file's kind (the first pose tag decides it). */
  kind(r: number, spec: KindSpec, tag: string): void {
    if (this.spec === undefined) {
      this.spec = spec;
      this.specLine = this.scanned.lineNumber[r]!;
    } else if (this.spec !== spec) {
      const was = this.spec;
      const kind = was.kind.toUpperCase();
      throw this.fail(
        this.scanned.lineNumber[r]!,
        `expected ${was.vertexTag}, ${was.edgeTag} or FIX (the file is ${kind} since line ${this.specLine}), got ${tag}: ${kind} and ${spec.kind.toUpperCase()} tags cannot be mixed`,
      );
    }
  }

  fieldCount(r: number, tag: string, names: readonly string[]): void {
    const got = this.scanned.fieldCount[r]!;
    if (got !== names.length) throw this.fail(this.scanned.lineNumber[r]!, `${tag} expects ${names.length} numbers after the tag, got ${got}`);
  }

  /** Fields [from, to) of line r are finite numbers. */
  numbers(r: number, from: number, to: number, tag: string, names: readonly string[]): void {
    const { values, syntax, firstField } = this.scanned;
    const first = firstField[r]!;
    for (let f = from; f < to; f++) {
      const x = values[first + f]!;
      if (syntax[first + f] === NOT_A_NUMBER || x - x !== 0) {
        const raw = fieldText(this.text, this.scanned.lineStart[r]!, f);
        const what = syntax[first + f] !== NOT_A_NUMBER || looksNonFinite(raw) ? 'a finite number' : 'a number';
        throw this.fail(this.scanned.lineNumber[r]!, `${tag} expects ${what} for field ${f + 1} (${names[f]}), got '${raw}'`);
      }
    }
  }

  /** Field f of line r as an int32 vertex id. */
  id(r: number, f: number, tag: string, name: string): number {
    const j = this.scanned.firstField[r]! + f;
    const x = this.scanned.values[j]!;
    if (this.scanned.syntax[j] === INTEGER && x >= INT32_MIN && x <= INT32_MAX) return x;
    const raw = fieldText(this.text, this.scanned.lineStart[r]!, f);
    const line = this.scanned.lineNumber[r]!;
    if (this.scanned.syntax[j] === INTEGER)
      throw this.fail(line, `${tag} expects a vertex id in [${INT32_MIN}, ${INT32_MAX}] for field ${f + 1} (${name}), got '${raw}'`);
    throw this.fail(line, `${tag} expects an integer vertex id for field ${f + 1} (${name}), got '${raw}'`);
  }

  /**
   * All fields of line r are finite numbers, the first `ids` of them int32
   * vertex ids. The common case (all fine) is one loop; otherwise `id` and
   * `numbers` find and name the first bad field.
   */
  check(r: number, ids: number, tag: string, names: readonly string[]): void {
    const { values, syntax, firstField, fieldCount } = this.scanned;
    const first = firstField[r]!;
    const end = first + fieldCount[r]!;
    let fine = true;
    for (let j = first; j < first + ids; j++) {
      const x = values[j]!;
      fine &&= syntax[j] === INTEGER && x >= INT32_MIN && x <= INT32_MAX;
    }
    for (let j = first + ids; j < end; j++) {
      const x = values[j]!;
      fine &&= syntax[j] !== NOT_A_NUMBER && x - x === 0;
    }
    if (fine) return;
    for (let f = 0; f < ids; f++) this.id(r, f, tag, names[f]!);
    this.numbers(r, ids, fieldCount[r]!, tag, names);
  }

  vertex(r: number, spec: KindSpec): void {
    const tag = spec.vertexTag;
    if (this.spec !== spec) this.kind(r, spec, tag);
    const names = spec.vertexFields;
    if (this.scanned.fieldCount[r] !== names.length) this.fieldCount(r, tag, names);
    this.check(r, 1, tag, names);
    const line = this.scanned.lineNumber[r]!;
    const first = this.scanned.firstField[r]!;
    const id = this.scanned.values[first]!;
    const previous = this.vertexLine.get(id);
    if (previous !== undefined) throw this.fail(line, `${tag} expects a new vertex id, got ${id}, already defined at line ${previous}`);
    this.vertexLine.set(id, line);
    this.vertexIds.push(id);
    const o = this.vertexPoses.length;
    this.vertexPoses.append(this.scanned.values, first + 1, first + 1 + spec.storage);
    const wrong = canonical(spec, this.vertexPoses.data, o);
    if (wrong !== null) throw this.fail(line, `${tag} expects ${wrong}`);
  }

  edge(r: number, spec: KindSpec): void {
    const tag = spec.edgeTag;
    if (this.spec !== spec) this.kind(r, spec, tag);
    const names = spec.edgeFields;
    if (this.scanned.fieldCount[r] !== names.length) this.fieldCount(r, tag, names);
    this.check(r, 2, tag, names);
    const line = this.scanned.lineNumber[r]!;
    const first = this.scanned.firstField[r]!;
    const a = this.scanned.values[first]!;
    const b = this.scanned.values[first + 1]!;
    if (a === b) throw this.fail(line, `${tag} expects two different vertex ids, got ${a} and ${b} (a self-loop)`);
    this.edgeA.push(a);
    this.edgeB.push(b);
    this.edgeLines.push(line);
    const o = this.measurements.length;
    const k = spec.storage;
    this.measurements.append(this.scanned.values, first + 2, first + 2 + k);
    this.information.append(this.scanned.values, first + 2 + k, first + 2 + k + spec.tri);
    const wrong = canonical(spec, this.measurements.data, o);
    if (wrong !== null) throw this.fail(line, `${tag} expects ${wrong}`);
  }

  fix(r: number): void {
    const count = this.scanned.fieldCount[r]!;
    const line = this.scanned.lineNumber[r]!;
    if (count === 0) throw this.fail(line, 'FIX expects at least 1 vertex id after the tag, got 0');
    for (let f = 0; f < count; f++) {
      this.fixIds.push(this.id(r, f, 'FIX', 'id'));
      this.fixLines.push(line);
    }
  }

  unknown(r: number, strict: boolean): void {
    const tag = this.text.slice(this.scanned.tagStart[r]!, this.scanned.tagEnd[r]!);
    if (strict)
      throw this.fail(this.scanned.lineNumber[r]!, `expected ${KNOWN_TAGS}, got the unknown tag '${tag}' (strict mode; without it the line is skipped)`);
    this.skipped.set(tag, (this.skipped.get(tag) ?? 0) + 1);
  }
}

function parse(text: string, strict: boolean, file: string): G2oGraph {
  const scanned = scanText(text);
  const records = new Records(text, file, scanned);
  const { lines, tagStart, tagEnd } = scanned;
  for (let r = 0; r < lines; r++) {
    switch (tagOf(text, tagStart[r]!, tagEnd[r]!)) {
      case Tag.VertexSE2:
        records.vertex(r, SE2_SPEC);
        break;
      case Tag.EdgeSE2:
        records.edge(r, SE2_SPEC);
        break;
      case Tag.VertexSE3:
        records.vertex(r, SE3_SPEC);
        break;
      case Tag.EdgeSE3:
        records.edge(r, SE3_SPEC);
        break;
      case Tag.Fix:
        records.fix(r);
        break;
      default:
        records.unknown(r, strict);
    }
  }
  return assemble(records);
}

/** The graph from the records: vertices by increasing id, edges as indices, fixed vertices, initial poses. */
function assemble(records: Records): G2oGraph {
  const { spec, vertexIds, vertexPoses, edgeA, edgeB, edgeLines, measurements, information, fixIds, fixLines, skipped } = records;
  const hasVertices = vertexIds.length > 0;
  if (spec === undefined || (!hasVertices && edgeA.length === 0)) {
    throw records.fail(
      Math.max(records.scanned.lastLine, 1),
      'expected at least one VERTEX_SE2, EDGE_SE2, VERTEX_SE3:QUAT or EDGE_SE3:QUAT line, got none (an empty file)',
    );
  }

  const k = spec.storage;
  const edges = edgeA.length;
  // Vertices by increasing id.
  let ids: Int32Array;
  let poses: Float64Array;
  if (hasVertices) {
    const order = Array.from(vertexIds.keys());
    let sorted = true;
    for (let i = 1; i < vertexIds.length; i++) if (vertexIds[i]! < vertexIds[i - 1]!) sorted = false;
    if (!sorted) order.sort((p, q) => vertexIds[p]! - vertexIds[q]!);
    ids = Int32Array.from(order, (p) => vertexIds[p]!);
    poses = new Float64Array(ids.length * k);
    for (let i = 0; i < order.length; i++) poses.set(vertexPoses.data.subarray(order[i]! * k, order[i]! * k + k), i * k);
  } else {
    ids = Int32Array.from(new Set([...edgeA, ...edgeB])).sort();
    poses = new Float64Array(ids.length * k);
    for (let i = 0; i < ids.length; i++) poses.set(spec.identity, i * k);
  }
  const indexOf = lookup(ids);

  const from = new Int32Array(edges);
  const to = new Int32Array(edges);
  for (let e = 0; e < edges; e++) {
    const a = indexOf(edgeA[e]!);
    const b = indexOf(edgeB[e]!);
    if (a < 0 || b < 0) {
      throw records.fail(edgeLines[e]!, `${spec.edgeTag} refers to vertex ${a < 0 ? edgeA[e] : edgeB[e]}, which has no ${spec.vertexTag} line`);
    }
    from[e] = a;
    to[e] = b;
  }

  let fixed: Int32Array;
  if (fixIds.length > 0) {
    const indices = new Set<number>();
    for (let f = 0; f < fixIds.length; f++) {
      const index = indexOf(fixIds[f]!);
      if (index < 0) {
        const why = hasVertices ? `which has no ${spec.vertexTag} line` : 'which no edge mentions (the file has no VERTEX lines)';
        throw records.fail(fixLines[f]!, `FIX expects the id of a vertex of the graph, got ${fixIds[f]}, ${why}`);
      }
      indices.add(index);
    }
    fixed = Int32Array.from(indices).sort();
  } else {
    fixed = Int32Array.of(0);
  }

  const measurementArray = measurements.toArray();
  const informationArray = information.toArray();
  if (!hasVertices) {
    breadthFirstPoses(spec.group, ids.length, from, to, measurementArray, fixed, poses, canonicalPose(spec));
  }
  // Factored here once; poseGraphObjective reuses the factor (./edge-weights.ts).
  const { nonPositiveDefinite } = edgeSqrtInformation(informationArray, spec.dimension);

  return {
    kind: spec.kind,
    ids,
    poses,
    from,
    to,
    measurements: measurementArray,
    information: informationArray,
    fixed,
    hasVertices,
    skipped: Object.fromEntries(skipped),
    nonPositiveDefinite,
  };
}

/** Wraps θ (SE2) or normalises the quaternion (SE3) of the pose at `o`; else what the quaternion should have been. */
function canonical(spec: KindSpec, v: Float64Array, o: number): string | null {
  if (spec.kind === 'se2') {
    v[o + 2] = wrapAngle(v[o + 2]!);
    return null;
  }
  return canonicalQuaternion(v, o + 3);
}

/** id → index into the increasing `ids`, −1 when absent: a table when the ids are dense, else a Map. */
function lookup(ids: Int32Array): (id: number) => number {
  const count = ids.length;
  const min = ids[0]!;
  const max = ids[count - 1]!;
  if (max - min <= 4 * count + 1024) {
    const table = new Int32Array(max - min + 1).fill(-1);
    for (let i = 0; i < count; i++) table[ids[i]! - min] = i;
    return (id) => (id < min || id > max ? -1 : table[id - min]!);
  }
  const map = new Map<number, number>();
  for (let i = 0; i < count; i++) map.set(ids[i]!, i);
  return (id) => map.get(id) ?? -1;
}

// ---------------------------------------------------------------------------
// Writing

/** A graph that passed checkG2oGraph, with its kind's constants. */
export interface CheckedGraph {
  spec: KindSpec;
  ids: Int32Array;
  poses: Float64Array;
  from: Int32Array;
  to: Int32Array;
  measurements: Float64Array;
  information: Float64Array;
  fixed: Int32Array;
}

/** Every value finite; the message names the row (vertex or edge) and the index within it. */
function checkFiniteRows(fn: string, arg: string, values: Float64Array, perRow: number, row: string): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw rangeError(fn, arg, 'finite', `${x} at ${row} ${Math.floor(i / perRow)}, index ${i % perRow}`);
  }
}

function checkIndices(fn: string, arg: string, values: Int32Array, count: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v >= count) throw rangeError(fn, `${arg}[${i}]`, `a vertex index in [0, ${count})`, `${v}`);
  }
}

/**
 * The checks of a G2oGraph passed back in (writers, plots): the kind, sorted
 * ids, array types and lengths, finite values, indices in range, no
 * self-loops, unit quaternions; `poses` (when given) replaces graph.poses.
 */
export function checkG2oGraph(fn: string, graph: unknown, poses?: unknown): CheckedGraph {
  if (typeof graph !== 'object' || graph === null || Array.isArray(graph) || ArrayBuffer.isView(graph)) {
    throw typeError(fn, 'graph', 'a G2oGraph (from parseG2o or readG2o)', graph);
  }
  const g = graph as Record<string, unknown>;
  const spec = checkOneOf(fn, 'graph.kind', g.kind, ['se2', 'se3']) === 'se2' ? SE2_SPEC : SE3_SPEC;
  const k = spec.storage;
  const ids = checkTypedArray(fn, 'graph.ids', g.ids, Int32Array);
  const count = ids.length;
  if (count === 0) throw rangeError(fn, 'graph.ids', 'non-empty', 'length 0');
  for (let i = 1; i < count; i++) {
    if (!(ids[i]! > ids[i - 1]!)) throw rangeError(fn, 'graph.ids', 'strictly increasing', `${ids[i]} after ${ids[i - 1]} at index ${i}`);
  }
  const posesArg = poses === undefined ? 'graph.poses' : 'poses';
  const p = checkG2oPoses(fn, posesArg, poses === undefined ? g.poses : poses, k, count);
  const from = checkTypedArray(fn, 'graph.from', g.from, Int32Array);
  const edges = from.length;
  const to = checkTypedArray(fn, 'graph.to', g.to, Int32Array, edges, "the length of 'graph.from'");
  checkIndices(fn, 'graph.from', from, count);
  checkIndices(fn, 'graph.to', to, count);
  for (let e = 0; e < edges; e++) {
    if (from[e] === to[e]) throw rangeError(fn, `graph.to[${e}]`, `different from graph.from[${e}] (no self-loops)`, `${to[e]}`);
  }
  const measurements = checkTypedArray(fn, 'graph.measurements', g.measurements, Float64Array, edges * k, `${edges} edges × ${k}`);
  checkFiniteRows(fn, 'graph.measurements', measurements, k, 'edge');
  const information = checkTypedArray(fn, 'graph.information', g.information, Float64Array, edges * spec.tri, `${edges} edges × ${spec.tri}`);
  checkFiniteRows(fn, 'graph.information', information, spec.tri, 'edge');
  const fixed = checkTypedArray(fn, 'graph.fixed', g.fixed, Int32Array);
  checkIndices(fn, 'graph.fixed', fixed, count);
  if (spec.kind === 'se3') checkQuaternions(fn, 'graph.measurements', measurements, 'edge');
  return { spec, ids, poses: p, from, to, measurements, information, fixed };
}

/** Poses of a graph of `count` vertices (`storage` numbers each): finite, unit quaternions for SE3. */
export function checkG2oPoses(fn: string, arg: string, poses: unknown, storage: number, count: number): Float64Array {
  const p = checkTypedArray(fn, arg, poses, Float64Array, count * storage, `${count} vertices × ${storage}`);
  checkFiniteRows(fn, arg, p, storage, 'vertex');
  if (storage === 7) checkQuaternions(fn, arg, p, 'vertex');
  return p;
}

/** Quaternions of unit norm to 1e-6 (DESIGN.md §3), so that the file reads back as written. */
function checkQuaternions(fn: string, arg: string, values: Float64Array, row: string): void {
  for (let o = 0; o < values.length; o += 7) {
    const norm = Math.hypot(values[o + 3]!, values[o + 4]!, values[o + 5]!, values[o + 6]!);
    if (!(Math.abs(norm - 1) <= 1e-6)) {
      throw rangeError(fn, arg, 'made of unit quaternions (|‖q‖ − 1| ≤ 1e-6)', `‖q‖ = ${norm} at ${row} ${o / 7}`);
    }
  }
}
