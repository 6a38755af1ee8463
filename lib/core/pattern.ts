/**
 * Where J's non-zeros are: entry k is at (rows[k], cols[k]). Duplicate
 * entries are allowed; their values are summed. The objective produces it
 * (one dense block per cost instance, in term order); the linear solvers
 * analyse it once per solve.
 */
export interface JacobianPattern {
  /** Rows of J (residuals of one batch element). */
  m: number;
  /** Columns of J (unknowns of one batch element). */
  n: number;
  /** Row of each non-zero (nnz entries, in [0, m)). */
  rows: Int32Array;
  /** Column of each non-zero (nnz entries, in [0, n)). */
  cols: Int32Array;
  /** Sizes of the column blocks (variable elements), summing to n. */
  colBlocks?: Int32Array;
  /** How many leading column blocks a Schur kind may eliminate. */
  eliminate?: number;
}

/** diag(JᵀJ) per batch element (B·n) from J's values in the pattern's order (B·nnz): the squares of each column's entries. */
export function columnSquares(cols: Int32Array, j: Float64Array, B: number, n: number): Float64Array {
  const nnz = cols.length;
  const out = new Float64Array(B * n);
  for (let b = 0; b < B; b++) for (let e = 0; e < nnz; e++) out[b * n + cols[e]!]! += j[b * nnz + e]! ** 2;
  return out;
}
