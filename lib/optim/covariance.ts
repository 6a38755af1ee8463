/**
 * Covariance of the estimate (as Ceres' Covariance and GTSAM's Marginals):
 * selected blocks of A⁻¹, A = J̃ᵀJ̃ at the solution (the weighted, robustly
 * corrected Jacobian, undamped and unscaled), per batch element.
 *
 * Convention: the covariance of δ where x = x* ⊕ δ, in each variable's
 * update frame (its `tangent` option: the right tangent, or the world frame
 * of a pose graph's poses), assuming the weighted residuals W r have unit
 * covariance (W the square root of the information). Multiply by the
 * residual variance 2·cost / (m − n) where they do not.
 *
 * It is the linearisation's at the point given: meaningful at a minimum (a
 * result that did not converge gives the covariance of where it stopped),
 * and it ignores box bounds (a coordinate on an active bound is not held:
 * its σ is overstated).
 *
 * Sparse problems form no dense inverse: A is factored once per element
 * and each requested element's dof columns of A⁻¹ come from solves with
 * that factor (k right-hand sides at a time); only the requested blocks are
 * kept. A rank-deficient element (an unobservable parameter, a gauge
 * freedom: A not positive definite, or a requested column's pivot, were it
 * eliminated last, 1/(A⁻¹)_cc, ≤ 1e-12 of its diagonal A_cc) is an error
 * naming the variable, element and coordinate, unless
 * `rankDeficient: 'pseudo-inverse'` asks for the blocks of the
 * Moore-Penrose pseudo-inverse (a dense eigendecomposition: problems of at
 * most 600 unknowns).
 */
import { checkOneOf, checkOptions, rangeError, typeError } from '../base/check.js';
import { Objective } from '../core/objective.js';
import { columnSquares } from '../core/pattern.js';
import type { Program } from '../core/program.js';
import { LinearSystem, PIVOT_RATIO } from '../linear/linear-system.js';
import { SolveResult } from './result.js';

/** One element of one variable, whose covariance block is wanted. */
export interface CovarianceBlock {
  /** The variable's name. */
  variable: string;
  /** The element's index in the variable (default 0). */
  element?: number;
}

/** Options of {@link covariance}. */
export interface CovarianceOptions {
  /** Also the cross-covariance of every pair of requested blocks (default false). */
  cross?: boolean;
  /**
   * 'error' (the default): a rank-deficient element throws, naming the first
   * unobservable variable, element and coordinate; 'pseudo-inverse': its
   * blocks come from the Moore-Penrose pseudo-inverse (eigenvalues below
   * 1e-12 of the largest count as zero; at most 600 unknowns).
   */
  rankDeficient?: 'error' | 'pseudo-inverse';
}

/** What {@link covariance} returns. */
export interface CovarianceResult {
  /** blocks[b][i]: the covariance of requested block i in batch element b, dof × dof row-major. */
  blocks: Float64Array[][];
  /** With options.cross: cross[b][i][j] = Cov(block i, block j), dof_i × dof_j row-major. */
  cross?: Float64Array[][][];
  /** Per batch element: whether the pseudo-inverse was used (rank-deficient A). */
  pseudoInverse: boolean[];
}

const OBSERVABLE =
  "an observable problem (every requested column's pivot > 1e-12 of its diagonal in A = J̃ᵀJ̃ at the solution), or options.rankDeficient 'pseudo-inverse'";

/** Right-hand sides per solve. */
const COLUMNS_PER_SOLVE = 64;
/** The largest problem the pseudo-inverse densifies. */
const MAX_DENSE = 600;
const DENSE = `'error' for problems of more than ${MAX_DENSE} unknowns (the pseudo-inverse is dense)`;

/**
 * Covariance blocks of the solution `result` of `objective` (its solve's
 * result; the objective's inputs as they were for that solve). For the
 * world-frame covariance of pose positions, see {@link positionCovariances}.
 *
 * @example
 * ```ts
 * import { GaussNewton, Objective, Prior, Variable, Vector, Weight, covariance } from 'ariadne';
 * // Two measurements of x, with σ = 0.1 and 0.2: Var(x) = 1 / (1/0.01 + 1/0.04) = 0.008.
 * const x = new Variable('x', Vector(1), new Float64Array(1));
 * const prior = new Prior({ variable: { variable: x, indices: [0, 0] }, target: Float64Array.of(1, 2), weight: Weight.scale(Float64Array.of(10, 5)) });
 * const objective = new Objective([prior]);
 * const result = new GaussNewton(objective).solve();
 * console.log(covariance(objective, result, [{ variable: 'x' }]).blocks[0]![0]![0]!.toFixed(6)); // 0.008000
 * ```
 */
export function covariance(objective: Objective, result: SolveResult, blocks: readonly CovarianceBlock[], options: CovarianceOptions = {}): CovarianceResult {
  const fn = 'covariance';
  const { cross, rankDeficient, columns } = checkArguments(fn, objective, result, blocks, options);
  const program = objective.program;
  const { batch: B, n } = program;

  const state = program.variables.map((v) => result.values(v.name));
  const evaluation = program.evaluate(state, { residuals: true, jacobians: true });
  for (let b = 0; b < B; b++) {
    if (!evaluation.finite[b])
      throw rangeError(fn, 'result', 'a solution with finite residuals and Jacobians', `batch element ${b}: ${evaluation.nonFinite?.[b] ?? 'not finite'}`);
  }
  const system = new LinearSystem(program.pattern, B, {}, fn);
  try {
    system.linearize(evaluation.jValues!, evaluation.residuals!);
    const factored = system.factor(new Float64Array(B), 'identity');
    const pseudoInverse = Array.from({ length: B }, (_, b) => factored.ok[b] === 0);
    for (let b = 0; b < B; b++) {
      if (!pseudoInverse[b] || rankDeficient === 'pseudo-inverse') continue;
      throw rangeError(fn, 'result', OBSERVABLE, `batch element ${b}: ${unobservable(program, factored.reason[b] ?? '', factored.pivotColumn[b]!)}`);
    }
    if (pseudoInverse.some((p) => p) && n > MAX_DENSE) throw rangeError(fn, 'options.rankDeficient', DENSE, `'pseudo-inverse' with ${n} unknowns`);
    // Of each requested column of A⁻¹ (or A⁺) only the rows of the requested blocks are kept: the
    // column's own block, or with cross every requested block (no dense inverse of a sparse problem).
    const wanted = [...new Set(columns.flatMap(({ first, dof }) => Array.from({ length: dof }, (_, c) => first + c)))];
    const at = new Map(wanted.map((col, c) => [col, c]));
    const ownBlock = new Map(columns.flatMap((block) => Array.from({ length: block.dof }, (_, c) => [block.first + c, block] as const)));
    const rowsOf = (col: number): readonly number[] => {
      if (cross) return wanted;
      const { first, dof } = ownBlock.get(col)!;
      return Array.from({ length: dof }, (_, r) => first + r);
    };
    const kept = Array.from({ length: B }, () => wanted.map((col) => new Float64Array(rowsOf(col).length)));
    const keep = (b: number, c: number, column: Float64Array, offset: number) =>
      rowsOf(wanted[c]!).forEach((row, r) => (kept[b]![c]![r] = column[offset + row]!));
    for (let start = 0; start < wanted.length; start += COLUMNS_PER_SOLVE) {
      const k = Math.min(COLUMNS_PER_SOLVE, wanted.length - start);
      const rhs = new Float64Array(B * k * n);
      for (let b = 0; b < B; b++) for (let c = 0; c < k; c++) rhs[(b * k + c) * n + wanted[start + c]!] = 1;
      const x = system.solve(rhs, k);
      for (let b = 0; b < B; b++) if (!pseudoInverse[b]) for (let c = 0; c < k; c++) keep(b, start + c, x, (b * k + c) * n);
    }
    /** Entry (row, col) of A⁻¹ as kept. */
    const entry = (b: number, row: number, col: number): number => {
      const c = at.get(col)!;
      return kept[b]![c]![cross ? at.get(row)! : row - ownBlock.get(col)!.first]!;
    };
    // A requested column whose pivot, were it eliminated last (1/(A⁻¹)_cc), is ≤ 1e-12 of its diagonal is not observable.
    const diagonal = columnSquares(program.pattern.cols, evaluation.jValues!, B, n);
    for (let b = 0; b < B; b++) {
      if (pseudoInverse[b]) continue;
      const weak = wanted.findIndex((col) => !(1 / entry(b, col, col) > PIVOT_RATIO * diagonal[b * n + col]!));
      if (weak < 0) continue;
      const reason = `the pivot of column ${wanted[weak]} eliminated last is ≤ ${PIVOT_RATIO} of its diagonal`;
      if (rankDeficient === 'error') throw rangeError(fn, 'result', OBSERVABLE, `batch element ${b}: ${unobservable(program, reason, wanted[weak]!)}`);
      if (n > MAX_DENSE) throw rangeError(fn, 'options.rankDeficient', DENSE, `'pseudo-inverse' with ${n} unknowns`);
      pseudoInverse[b] = true;
    }
    for (let b = 0; b < B; b++) {
      if (!pseudoInverse[b]) continue;
      const dense = new Float64Array(wanted.length * n);
      pseudoInverseColumns(denseNormalMatrix(program, evaluation.jValues!, b), n, wanted, dense);
      wanted.forEach((_, c) => keep(b, c, dense, c * n));
    }
    const block = (b: number, i: number, j: number): Float64Array => {
      const [p, q] = [columns[i]!, columns[j]!];
      const out = new Float64Array(p.dof * q.dof);
      for (let r = 0; r < p.dof; r++) for (let c = 0; c < q.dof; c++) out[r * q.dof + c] = entry(b, p.first + r, q.first + c);
      return out;
    };
    return {
      blocks: Array.from({ length: B }, (_, b) => columns.map((_, i) => block(b, i, i))),
      ...(cross ? { cross: Array.from({ length: B }, (_, b) => columns.map((_, i) => columns.map((_, j) => block(b, i, j)))) } : {}),
      pseudoInverse,
    };
  } finally {
    system.dispose();
  }
}

/** covariance's arguments checked: the options, and each block's first column and dof. */
function checkArguments(fn: string, objective: unknown, result: unknown, blocks: unknown, options: unknown) {
  if (!(objective instanceof Objective)) throw typeError(fn, 'objective', 'an Objective', objective);
  if (!(result instanceof SolveResult)) throw typeError(fn, 'result', 'a SolveResult (of a solve of this objective)', result);
  const o = checkOptions(fn, 'options', options, ['cross', 'rankDeficient']);
  if (o.cross !== undefined && typeof o.cross !== 'boolean') throw typeError(fn, 'options.cross', 'a boolean', o.cross);
  const rankDeficient =
    o.rankDeficient === undefined ? 'error' : checkOneOf(fn, 'options.rankDeficient', o.rankDeficient, ['error', 'pseudo-inverse'] as const);
  const program = objective.program;
  if (result.batch !== program.batch) throw rangeError(fn, 'result', `a result of batch ${program.batch} (this objective's)`, `batch ${result.batch}`);
  if (!Array.isArray(blocks) || blocks.length === 0) throw typeError(fn, 'blocks', 'a non-empty array of { variable, element }', blocks);
  const columns = (blocks as CovarianceBlock[]).map((block, i) => blockColumn(fn, `blocks[${i}]`, program, block));
  return { cross: o.cross === true, rankDeficient, columns };
}

/** The first column and tangent dimension of a requested element (a RangeError naming it if constant or absent). */
function blockColumn(fn: string, arg: string, program: Program, block: CovarianceBlock): { first: number; dof: number } {
  if (typeof block !== 'object' || block === null) throw typeError(fn, arg, '{ variable, element }', block);
  const vi = program.variables.findIndex((v) => v.name === block.variable);
  if (vi < 0)
    throw rangeError(
      fn,
      `${arg}.variable`,
      `the name of a variable (${program.variables.map((v) => `'${v.name}'`).join(', ')})`,
      `'${String(block.variable)}'`,
    );
  const v = program.variables[vi]!;
  const element = block.element ?? 0;
  if (!Number.isInteger(element) || element < 0 || element >= v.count)
    throw rangeError(fn, `${arg}.element`, `an element of '${v.name}' in [0, ${v.count})`, String(element));
  const first = program.columns[vi]![element]!;
  if (first < 0) throw rangeError(fn, arg, 'a non-constant element (a constant one has no covariance)', `element ${element} of '${v.name}', held constant`);
  return { first, dof: v.group.dof };
}

/** "coordinate c of element e of variable 'x' is not observable" from the factor's "(pivot of column j)". */
function unobservable(program: Program, reason: string, column: number): string {
  const owner = program.columnOwner(column);
  if (owner === undefined) return `A is not positive definite (${reason})`;
  return `coordinate ${owner.coordinate} of element ${owner.element} of variable '${owner.variable}' is not observable (${reason})`;
}

/** A = J̃ᵀJ̃ of element b, dense n × n. */
function denseNormalMatrix(program: Program, jValues: Float64Array, b: number): Float64Array {
  const { n, pattern } = program;
  const nnz = pattern.rows.length;
  const a = new Float64Array(n * n);
  // Entries by row of J: each pair of a row's entries adds to A.
  const byRow = new Map<number, number[]>();
  for (let e = 0; e < nnz; e++) (byRow.get(pattern.rows[e]!) ?? byRow.set(pattern.rows[e]!, []).get(pattern.rows[e]!)!).push(e);
  for (const entries of byRow.values()) {
    for (const p of entries) for (const q of entries) a[pattern.cols[p]! * n + pattern.cols[q]!]! += jValues[b * nnz + p]! * jValues[b * nnz + q]!;
  }
  return a;
}

/** The `wanted` columns of A⁺ (A symmetric n × n, overwritten), by cyclic Jacobi eigendecomposition, into out (column c at c·n). */
function pseudoInverseColumns(a: Float64Array, n: number, wanted: readonly number[], out: Float64Array): void {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30 * frobenius(a, n)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [akp, akq] = [a[k * n + p]!, a[k * n + q]!];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const [apk, aqk] = [a[p * n + k]!, a[q * n + k]!];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const [vkp, vkq] = [v[k * n + p]!, v[k * n + q]!];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(a[i * n + i]!));
  wanted.forEach((col, c) => {
    for (let row = 0; row < n; row++) {
      let sum = 0;
      for (let k = 0; k < n; k++) {
        const lambda = a[k * n + k]!;
        if (lambda > 1e-12 * largest) sum += (v[row * n + k]! * v[col * n + k]!) / lambda;
      }
      out[c * n + row] = sum;
    }
  });
}

function frobenius(a: Float64Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n * n; i++) sum += a[i]! ** 2;
  return sum;
}
