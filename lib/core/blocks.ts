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
