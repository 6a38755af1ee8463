/** Batched small dense matrices, row-major, one block per row of a batch. */
import { matmul, mul3 } from '../geometry/lie-group.js';

/** out_r = a_r · b_r for `rows` blocks: a is p×q, b is q×s, out is p×s. `out` must not alias a or b. */
export function multiplyBlocks(rows: number, a: Float64Array, b: Float64Array, out: Float64Array, p: number, q: number, s: number): void {
  if (p === 3 && q === 3 && s === 3) {
    for (let o = 0; o < rows * 9; o += 9) mul3(a, o, b, o, out, o);
    return;
  }
  for (let row = 0; row < rows; row++) matmul(a, row * p * q, b, row * q * s, out, row * p * s, p, q, s);
}

/** z ← G⁻¹z for a small symmetric positive definite G (dim × dim, overwritten by its Cholesky factor). */
export function solveSymmetricPositive(g: Float64Array, z: Float64Array, dim: number): void {
  for (let j = 0; j < dim; j++) {
    let d = g[j * dim + j]!;
    for (let k = 0; k < j; k++) d -= g[j * dim + k]! ** 2;
    d = Math.sqrt(d);
    g[j * dim + j] = d;
    for (let i = j + 1; i < dim; i++) {
      let s = g[i * dim + j]!;
      for (let k = 0; k < j; k++) s -= g[i * dim + k]! * g[j * dim + k]!;
      g[i * dim + j] = s / d;
    }
  }
  for (let i = 0; i < dim; i++) {
    let s = z[i]!;
    for (let k = 0; k < i; k++) s -= g[i * dim + k]! * z[k]!;
    z[i] = s / g[i * dim + i]!;
  }
  for (let i = dim - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < dim; k++) s -= g[k * dim + i]! * z[k]!;
    z[i] = s / g[i * dim + i]!;
  }
}
