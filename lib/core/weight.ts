/**
 * Weights W of the cost ½ ρ(‖W r‖²): a scale (k = 1), a diagonal (k = d) or
 * an upper-triangular square-root information matrix (k = d(d+1)/2, its upper
 * triangle row-major, as g2o stores Ω), shaped [1|B] × [1|instances] × k. The
 * differentiable quantity is W, not Ω = WᵀW. A scale or diagonal entry may
 * be 0 (it masks those residuals) and not negative; a square-root
 * information's diagonal must be > 0.
 */
import { checkOneOf, rangeError } from '../base/check.js';
import { Auxiliary } from './auxiliary.js';

/** The form of W: s·I, diag(w) or an upper-triangular square root of the information. */
export type WeightKind = 'scale' | 'diagonal' | 'sqrt-information';

/** Options of the {@link Weight} constructors. */
export interface WeightOptions {
  /** Batch size of the values (1 or B; default 1). */
  batch?: number;
  /** The name of this auxiliary input (default: `<term>.weight`). */
  name?: string;
}

/**
 * A weight for a cost term.
 *
 * @example
 * ```ts
 * import { Weight } from 'ariadne';
 * const sigma = Weight.scale(new Float64Array([1 / 0.1]));               // one σ = 0.1 for every instance
 * const perAxis = Weight.diagonal(new Float64Array([10, 10, 100]), 3);    // d = 3
 * const full = Weight.sqrtInformation(new Float64Array([2, 0.5, 0, 3, 0, 4]), 3); // upper triangle of W
 * console.log(sigma.kind, perAxis.k, full.k); // scale 3 6
 * ```
 */
export class Weight {
  /** The form of W. */
  readonly kind: WeightKind;
  /** Residual dimension d the weight applies to (undefined for a scale). */
  readonly dim: number | undefined;
  readonly #name: string | undefined;
  readonly #values: Float64Array;
  readonly #batch: number | undefined;

  private constructor(kind: WeightKind, values: Float64Array, dim: number | undefined, options: WeightOptions) {
    this.kind = kind;
    this.dim = dim;
    this.#values = values;
    this.#batch = options.batch;
    this.#name = options.name;
  }

  /** W = s·I. `values`: [1|B] × [1|instances] scales, ≥ 0 (0 masks the instance). */
  static scale(values: Float64Array, options: WeightOptions = {}): Weight {
    return new Weight('scale', values, undefined, options);
  }

  /** W = diag(w). `values`: [1|B] × [1|instances] × d entries, ≥ 0 (0 masks that residual). */
  static diagonal(values: Float64Array, dim: number, options: WeightOptions = {}): Weight {
    return new Weight('diagonal', values, dim, options);
  }

  /** W upper triangular (e.g. the Cholesky factor of Ω): [1|B] × [1|instances] × d(d+1)/2, row-major; diagonal > 0. */
  static sqrtInformation(values: Float64Array, dim: number, options: WeightOptions = {}): Weight {
    return new Weight('sqrt-information', values, dim, options);
  }

  /** Numbers per instance for residual dimension d. */
  static width(kind: WeightKind, d: number): number {
    return kind === 'scale' ? 1 : kind === 'diagonal' ? d : (d * (d + 1)) / 2;
  }

  /** Numbers per instance: 1, d or d(d+1)/2. */
  get k(): number {
    return this.dim === undefined ? 1 : Weight.width(this.kind, this.dim);
  }

  /** Binds the weight to a term of residual dimension d (validating shape and values). */
  bind(fn: string, termName: string, d: number): BoundWeight {
    checkOneOf(fn, 'weight.kind', this.kind, ['scale', 'diagonal', 'sqrt-information']);
    if (this.dim !== undefined && this.dim !== d) {
      throw rangeError(fn, 'options.weight', `a weight for residuals of dimension ${d}`, `one of dimension ${this.dim}`);
    }
    const k = Weight.width(this.kind, d);
    const diagonal = diagonalPositions(this.kind, d);
    // A scale or diagonal entry of 0 masks (its residuals count for nothing); a square-root information is a Cholesky factor.
    const masks = this.kind !== 'sqrt-information';
    const requirement = masks ? 'a weight with a non-negative diagonal (0 masks)' : 'a weight with a positive diagonal';
    const aux = new Auxiliary(fn, 'options.weight', this.#name ?? `${termName}.weight`, this.#values, k, this.#batch, undefined, (v, f, a) => {
      for (let i = 0; i < v.length; i++) {
        if (!Number.isFinite(v[i])) throw rangeError(f, a, 'finite', `${v[i]} at index ${i}`);
        if (diagonal[i % k] === 1 && !(v[i]! > 0 || (masks && v[i] === 0))) {
          throw rangeError(f, a, requirement, `${v[i]} at index ${i} (instance ${Math.floor(i / k)})`);
        }
      }
    });
    return { kind: this.kind, d, aux };
  }
}

export interface BoundWeight {
  kind: WeightKind;
  d: number;
  aux: Auxiliary;
}

/**
 * The step of a central difference in an input's number v: h·max(1, |v|),
 * and on W's diagonal (`onDiagonal`) at most v/2, so that the diagonal stays
 * ≥ 0; a zero (masking) diagonal entry gets 0 (the cost depends on it through
 * its square: its derivative is 0).
 */
export function differenceStep(v: number, h: number, onDiagonal: boolean): number {
  const step = h * Math.max(1, Math.abs(v));
  return onDiagonal ? Math.min(step, v / 2) : step;
}

/** 1 at the positions of W's diagonal within one instance's k numbers. */
export function diagonalPositions(kind: WeightKind, d: number): Uint8Array {
  if (kind !== 'sqrt-information') return new Uint8Array(Weight.width(kind, d)).fill(1);
  const flags = new Uint8Array((d * (d + 1)) / 2);
  for (let row = 0, p = 0; row < d; row++) {
    flags[p] = 1;
    p += d - row;
  }
  return flags;
}

/**
 * In place, for `rows` rows: r ← W r (d per row) and each Jacobian block
 * J ← W J (d × cols per row), with W's values tiled to rows (k per row).
 */
export function applyWeight(
  kind: WeightKind,
  d: number,
  w: Float64Array,
  rows: number,
  residuals: Float64Array,
  jacobians: readonly { values: Float64Array; cols: number }[],
): void {
  if (kind !== 'sqrt-information') {
    // A scale (one number per row) or a diagonal (d per row): x's rows of `cols` numbers times their weight.
    const perRow = kind === 'scale' ? 1 : d;
    scaleRows(w, rows * perRow, residuals, d / perRow);
    for (const { values, cols } of jacobians) scaleRows(w, rows * perRow, values, (d / perRow) * cols);
    return;
  }
  // Upper triangular, row-major packed: row a holds W[a][a..d-1]. Row a of
  // W·x reads rows a..d-1 of x only, so a column is overwritten in order.
  // Every column of r (1 per row) and of each block (cols per row) in turn.
  const times = d === 3 ? upperTimes3 : d === 6 ? upperTimes6 : upperTimes;
  times(w, d, rows, residuals, 1);
  for (const { values, cols } of jacobians) times(w, d, rows, values, cols);
}

/**
 * ∂(W r)/∂w for `rows` rows of raw residuals r (d each): per row a d × k
 * block, row-major, over W's k stored numbers (W r is linear in them, so W's
 * values do not enter). A scale: the column r. A diagonal: diag(r). An upper
 * triangle (row-major, row i holding W[i][i..d−1] from i·d − i(i−1)/2 on):
 * the number holding W[i][j] gives r_j in row i, 0 elsewhere.
 */
export function weightJacobian(kind: WeightKind, d: number, rows: number, residuals: Float64Array, out: Float64Array): void {
  const k = Weight.width(kind, d);
  out.fill(0, 0, rows * d * k);
  for (let row = 0; row < rows; row++) {
    for (let i = 0; i < d; i++) {
      const o = (row * d + i) * k;
      const r = residuals.subarray(row * d, (row + 1) * d);
      if (kind === 'scale') out[o] = r[i]!;
      else if (kind === 'diagonal') out[o + i] = r[i]!;
      else out.set(r.subarray(i), o + i * d - (i * (i - 1)) / 2);
    }
  }
}

/** x ← the n weights w[i] times their `width` consecutive numbers of x each. */
function scaleRows(w: Float64Array, n: number, x: Float64Array, width: number): void {
  for (let i = 0; i < n; i++) {
    const s = w[i]!;
    for (let c = i * width; c < (i + 1) * width; c++) x[c]! *= s;
  }
}

/**
 * x ← W x in place for each of the `cols` columns of each row's d × cols
 * block of x (row-major), W the row's packed upper triangle in w.
 */
function upperTimes(w: Float64Array, d: number, rows: number, x: Float64Array, cols: number): void {
  const k = (d * (d + 1)) / 2;
  for (let row = 0; row < rows; row++) {
    const base = row * d * cols;
    for (let col = 0; col < cols; col++) {
      for (let a = 0, p = row * k; a < d; p += d - a, a++) {
        let sum = 0;
        for (let c = a; c < d; c++) sum += w[p + c - a]! * x[base + c * cols + col]!;
        x[base + a * cols + col] = sum;
      }
    }
  }
}

/** upperTimes for d = 3 written out (SE2 and SO3 residuals): W = [[w0 w1 w2], [0 w3 w4], [0 0 w5]]. */
function upperTimes3(w: Float64Array, _d: number, rows: number, x: Float64Array, cols: number): void {
  for (let row = 0; row < rows; row++) {
    const p = row * 6;
    const w0 = w[p]!,
      w1 = w[p + 1]!,
      w2 = w[p + 2]!,
      w3 = w[p + 3]!,
      w4 = w[p + 4]!,
      w5 = w[p + 5]!;
    for (let o = row * 3 * cols, end = o + cols; o < end; o++) {
      const x0 = x[o]!,
        x1 = x[o + cols]!,
        x2 = x[o + 2 * cols]!;
      x[o] = w0 * x0 + w1 * x1 + w2 * x2;
      x[o + cols] = w3 * x1 + w4 * x2;
      x[o + 2 * cols] = w5 * x2;
    }
  }
}

/** upperTimes for d = 6 written out (SE3 residuals); W's rows start at 0, 6, 11, 15, 18, 20 of its 21 numbers. */
function upperTimes6(w: Float64Array, _d: number, rows: number, x: Float64Array, cols: number): void {
  for (let row = 0; row < rows; row++) {
    const p = row * 21;
    for (let o = row * 6 * cols, end = o + cols; o < end; o++) {
      const x0 = x[o]!,
        x1 = x[o + cols]!,
        x2 = x[o + 2 * cols]!,
        x3 = x[o + 3 * cols]!,
        x4 = x[o + 4 * cols]!,
        x5 = x[o + 5 * cols]!;
      x[o] = w[p]! * x0 + w[p + 1]! * x1 + w[p + 2]! * x2 + w[p + 3]! * x3 + w[p + 4]! * x4 + w[p + 5]! * x5;
      x[o + cols] = w[p + 6]! * x1 + w[p + 7]! * x2 + w[p + 8]! * x3 + w[p + 9]! * x4 + w[p + 10]! * x5;
      x[o + 2 * cols] = w[p + 11]! * x2 + w[p + 12]! * x3 + w[p + 13]! * x4 + w[p + 14]! * x5;
      x[o + 3 * cols] = w[p + 15]! * x3 + w[p + 16]! * x4 + w[p + 17]! * x5;
      x[o + 4 * cols] = w[p + 18]! * x4 + w[p + 19]! * x5;
      x[o + 5 * cols] = w[p + 20]! * x5;
    }
  }
}
