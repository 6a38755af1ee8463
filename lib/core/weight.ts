/**
 * Weights W of the cost ½ ρ(‖W r‖²): a scale (k = 1), a diagonal (k = d) or
 * an upper-triangular square-root information matrix (k = d(d+1)/2, its upper
 * triangle row-major, as g2o stores Ω), shaped [1|B] × [1|instances] × k. The
 * differentiable quantity is W, not Ω = WᵀW. Diagonal entries must be > 0.
 */
import { checkOneOf, rangeError } from './check.js';
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

  /** W = s·I. `values`: [1|B] × [1|instances] scales, > 0. */
  static scale(values: Float64Array, options: WeightOptions = {}): Weight {
    return new Weight('scale', values, undefined, options);
  }

  /** W = diag(w). `values`: [1|B] × [1|instances] × d entries, > 0. */
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
    const aux = new Auxiliary(fn, 'options.weight', this.#name ?? `${termName}.weight`, this.#values, k, this.#batch, undefined, (v, f, a) => {
      for (let i = 0; i < v.length; i++) {
        if (!Number.isFinite(v[i])) throw rangeError(f, a, 'finite', `${v[i]} at index ${i}`);
        if (diagonal[i % k] === 1 && !(v[i]! > 0)) {
          throw rangeError(f, a, 'a weight with a positive diagonal', `${v[i]} at index ${i} (instance ${Math.floor(i / k)})`);
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

/** 1 at the positions of W's diagonal within one instance's k numbers. */
function diagonalPositions(kind: WeightKind, d: number): Uint8Array {
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
  if (kind === 'scale') {
    for (let row = 0; row < rows; row++) {
      const s = w[row]!;
      for (let i = row * d; i < (row + 1) * d; i++) residuals[i]! *= s;
      for (const { values, cols } of jacobians) {
        for (let i = row * d * cols; i < (row + 1) * d * cols; i++) values[i]! *= s;
      }
    }
    return;
  }
  if (kind === 'diagonal') {
    for (let row = 0; row < rows; row++) {
      for (let a = 0; a < d; a++) {
        const s = w[row * d + a]!;
        residuals[row * d + a]! *= s;
        for (const { values, cols } of jacobians) {
          const base = (row * d + a) * cols;
          for (let c = 0; c < cols; c++) values[base + c]! *= s;
        }
      }
    }
    return;
  }
  // Upper triangular, row-major packed: row a holds W[a][a..d-1]. Row a of
  // W·x reads rows a..d-1 of x only, so rows can be overwritten in order.
  if (d === 3) {
    upperTriangular3(w, rows, residuals, jacobians);
    return;
  }
  const k = (d * (d + 1)) / 2;
  // Where row a of W starts in the packed triangle.
  const rowStart = new Int32Array(d);
  for (let a = 1; a < d; a++) rowStart[a] = rowStart[a - 1]! + d - (a - 1);
  for (let row = 0; row < rows; row++) {
    const wBase = row * k;
    const rBase = row * d;
    for (let a = 0; a < d; a++) {
      const p = wBase + rowStart[a]! - a;
      let sum = 0;
      for (let c = a; c < d; c++) sum += w[p + c]! * residuals[rBase + c]!;
      residuals[rBase + a] = sum;
    }
    for (const { values, cols } of jacobians) {
      const jBase = row * d * cols;
      for (let a = 0; a < d; a++) {
        const p = wBase + rowStart[a]! - a;
        const out = jBase + a * cols;
        for (let col = 0; col < cols; col++) {
          let sum = 0;
          for (let c = a; c < d; c++) sum += w[p + c]! * values[jBase + c * cols + col]!;
          values[out + col] = sum;
        }
      }
    }
  }
}

/** The 3×3 case written out (SE2 and SO3 residuals): W = [[w0 w1 w2], [0 w3 w4], [0 0 w5]]. */
function upperTriangular3(w: Float64Array, rows: number, residuals: Float64Array, jacobians: readonly { values: Float64Array; cols: number }[]): void {
  for (let row = 0; row < rows; row++) {
    const p = row * 6;
    const w0 = w[p]!, w1 = w[p + 1]!, w2 = w[p + 2]!, w3 = w[p + 3]!, w4 = w[p + 4]!, w5 = w[p + 5]!;
    const r = row * 3;
    const r0 = residuals[r]!, r1 = residuals[r + 1]!, r2 = residuals[r + 2]!;
    residuals[r] = w0 * r0 + w1 * r1 + w2 * r2;
    residuals[r + 1] = w3 * r1 + w4 * r2;
    residuals[r + 2] = w5 * r2;
    for (const { values, cols } of jacobians) {
      const j = row * 3 * cols;
      for (let col = 0; col < cols; col++) {
        const j0 = values[j + col]!, j1 = values[j + cols + col]!, j2 = values[j + 2 * cols + col]!;
        values[j + col] = w0 * j0 + w1 * j1 + w2 * j2;
        values[j + cols + col] = w3 * j1 + w4 * j2;
        values[j + 2 * cols + col] = w5 * j2;
      }
    }
  }
}
