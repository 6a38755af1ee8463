/**
 * The batched normal equations: B least-squares problems that share one
 * Jacobian sparsity pattern, each with its own J and r. The pattern's
 * symbolic work (A = JᵀJ's pattern, a fill-reducing ordering, the symbolic
 * factorisation, the scatter map from J into A) is done once, here; each
 * iteration of an optimiser then calls linearize → factor → solve.
 */
import { MAX_INT32, checkFinite, checkInteger, checkOneOf, checkOptions, checkTypedArray, stateError, typeError } from '../base/check.js';
import {
  KIND_REQUESTS,
  BACKENDS,
  type FactorResult,
  type JacobianPattern,
  type LinearizeResult,
  type NormalEquationsInfo,
  type NormalEquationsOptions,
  type SolverKind,
} from '../native/binding.js';
import { LinearSystem, checkDampingBounds, type DampingMode } from './linear-system.js';

export type {
  Backend,
  DeferredCall,
  FactorResult,
  JacobianPattern,
  LinearizeResult,
  NormalEquationsInfo,
  NormalEquationsKind,
  NormalEquationsOptions,
  SolverKind,
  StepBuffers,
  StepResult,
} from '../native/binding.js';
export { BACKENDS, KIND_REQUESTS, SOLVER_KINDS, cudaAvailability } from '../native/binding.js';
export type { DampingMode } from './linear-system.js';

const MODES = ['diagonal', 'identity'] as const;
const MAX_THREADS = 1024;

/**
 * Forms, damps, factors and solves A = JᵀJ for B problems at once, on the
 * native core (dense LLᵀ for small n; CHOLMOD's supernodal or Eigen's sparse
 * Cholesky otherwise). Batch elements are independent and run in parallel.
 * `backend: 'cuda'` runs the same calls on the GPU (cuSOLVER; see
 * `cudaStatus`), as 'auto', the default, does where the CUDA addon is built
 * and a device is present.
 *
 * Arrays are batch-major: element b of a `[B × k]` array starts at `b·k`.
 * Nothing passed in is modified; results are new arrays.
 *
 * @example
 * ```ts
 * import { NormalEquations } from 'ariadne';
 * // Two problems of the same shape: fit y = a + b·t to three points each.
 * const t = [0, 1, 2];
 * const pattern = { m: 3, n: 2, rows: new Int32Array([0, 0, 1, 1, 2, 2]), cols: new Int32Array([0, 1, 0, 1, 0, 1]) };
 * const ne = new NormalEquations(pattern, 2);
 * const j = new Float64Array(t.flatMap((ti) => [1, ti])); // ∂r/∂(a, b) of r = a + b·t − y
 * const jValues = new Float64Array([...j, ...j]);
 * const residuals = new Float64Array([-1, -3, -5, -2, -2, -2]); // r at a = b = 0 for y = 1 + 2t and y = 2
 * const { gradient } = ne.linearize(jValues, residuals);
 * ne.factor(new Float64Array(2), 'diagonal');
 * const step = ne.solve(gradient); // Gauss-Newton: x = −step
 * console.log(Array.from(step, (s) => -s)); // [1, 2, 2, 0] — up to rounding
 * ne.dispose();
 * ```
 */
export class NormalEquations {
  readonly #system: LinearSystem;
  #busyWith: string | null = null;

  /**
   * @param pattern where J's non-zeros are (shared by every batch element)
   * @param batch the number B of problems
   * @throws TypeError / RangeError naming the bad argument
   */
  constructor(pattern: JacobianPattern, batch: number, options: NormalEquationsOptions = {}) {
    const fn = 'NormalEquations';
    const p = checkOptions(fn, 'pattern', pattern, ['m', 'n', 'rows', 'cols', 'colBlocks', 'eliminate']);
    const m = checkInteger(fn, 'pattern.m', p.m, 1, MAX_INT32);
    const n = checkInteger(fn, 'pattern.n', p.n, 1, MAX_INT32);
    const rows = checkTypedArray(fn, 'pattern.rows', p.rows, Int32Array);
    const cols = checkTypedArray(fn, 'pattern.cols', p.cols, Int32Array, rows.length, "the length of 'pattern.rows'");
    if (rows.length === 0) throw new RangeError(`${fn}: 'pattern.rows' must be non-empty (a pattern needs at least one entry), got length 0`);
    checkIndices(fn, 'pattern.rows', rows, m, 'm');
    checkIndices(fn, 'pattern.cols', cols, n, 'n');
    let colBlocks: Int32Array | undefined;
    if (p.colBlocks !== undefined) {
      colBlocks = checkTypedArray(fn, 'pattern.colBlocks', p.colBlocks, Int32Array);
      let total = 0;
      for (let b = 0; b < colBlocks.length; b++) {
        if (colBlocks[b]! < 1) throw new RangeError(`${fn}: 'pattern.colBlocks[${b}]' must be a positive block size, got ${colBlocks[b]}`);
        total += colBlocks[b]!;
      }
      if (total !== n) throw new RangeError(`${fn}: 'pattern.colBlocks' must be block sizes that sum to n = ${n}, got a sum of ${total}`);
    }
    let eliminate: number | undefined;
    if (p.eliminate !== undefined) {
      eliminate = checkInteger(fn, 'pattern.eliminate', p.eliminate, 0, colBlocks?.length ?? 0);
    }
    checkInteger(fn, 'batch', batch, 1, MAX_INT32);
    const o = checkOptions(fn, 'options', options, ['kind', 'threads', 'minDiagonal', 'maxDiagonal', 'backend']);
    const kind = o.kind === undefined ? undefined : checkOneOf(fn, 'options.kind', o.kind, KIND_REQUESTS);
    const threads = o.threads === undefined ? undefined : checkInteger(fn, 'options.threads', o.threads, 1, MAX_THREADS);
    const { minDiagonal, maxDiagonal } = checkDampingBounds(fn, o.minDiagonal, o.maxDiagonal);

    const backend = o.backend === undefined ? 'auto' : checkOneOf(fn, 'options.backend', o.backend, BACKENDS);
    this.#system = new LinearSystem({ m, n, rows, cols, colBlocks, eliminate }, batch, { kind, threads, backend, minDiagonal, maxDiagonal }, fn);
  }

  // Read at construction.
  get #info(): NormalEquationsInfo {
    return this.#system.info;
  }

  /** Rows of J per element. */
  get m(): number {
    return this.#info.m;
  }
  /** Unknowns per element. */
  get n(): number {
    return this.#info.n;
  }
  /** Entries of the pattern. */
  get nnz(): number {
    return this.#info.nnz;
  }
  /** The batch size B. */
  get batch(): number {
    return this.#info.batch;
  }
  /** The kind in use, 'auto' resolved. */
  get kind(): SolverKind {
    return this.#info.kind;
  }
  /** Sizes and the factorisation in use. */
  get info(): NormalEquationsInfo {
    return { ...this.#info };
  }
  /** Numeric factorisations done so far, summed over batch elements (solves never add to it). */
  get factorizationCount(): number {
    this.#checkUsable('factorizationCount');
    return this.#system.factorizationCount;
  }
  /** Whether `dispose` was called; a disposed handle throws ERR_INVALID_STATE on every call. */
  get disposed(): boolean {
    return this.#system.disposed;
  }

  /**
   * Forms A = JᵀJ and g = Jᵀr for each active batch element and returns g
   * and ‖r‖². Inactive elements keep their J, A and factor and get zeros.
   *
   * @param jValues B·nnz values of J, in pattern order
   * @param residuals B·m residuals
   * @param active B flags (non-zero = active); all active when omitted
   */
  linearize(jValues: Float64Array, residuals: Float64Array, active?: Uint8Array): LinearizeResult {
    this.#checkLinearize('linearize', jValues, residuals, active);
    return this.#system.linearize(jValues, residuals, active);
  }

  /**
   * Factors A + λ_b·D for every element active in the last linearize (the
   * others keep their factor and status). An element whose matrix is not
   * positive definite gets ok = 0 and a reason; the others are unaffected.
   *
   * @param lambda B damping factors, finite and ≥ 0
   */
  factor(lambda: Float64Array, mode: DampingMode): FactorResult {
    this.#checkFactor('factor', lambda, mode);
    return this.#system.factor(lambda, mode);
  }

  /**
   * Solves A_b x = rhs_b with each element's last factor (never
   * refactoring): rhs holds k right-hand sides of length n per element
   * (B·k·n). Elements without a valid factor get NaN.
   */
  solve(rhs: Float64Array, k = 1): Float64Array {
    this.#checkSolve('solve', rhs, k);
    return this.#system.solve(rhs, k);
  }

  /** J v per element with the last linearized J: B·n → B·m. */
  jv(v: Float64Array): Float64Array {
    this.#checkVector('jv', 'v', v, this.n, 'n');
    return this.#system.jv(v);
  }

  /** Jᵀ u per element with the last linearized J: B·m → B·n. */
  jtv(u: Float64Array): Float64Array {
    this.#checkVector('jtv', 'u', u, this.m, 'm');
    return this.#system.jtv(u);
  }

  /** linearize off the event loop; the inputs are copied when called. */
  linearizeAsync(jValues: Float64Array, residuals: Float64Array, active?: Uint8Array): Promise<LinearizeResult> {
    this.#checkLinearize('linearizeAsync', jValues, residuals, active);
    return this.#async('linearizeAsync', this.#system.linearizeAsync(jValues, residuals, active));
  }

  /** factor off the event loop; the inputs are copied when called. */
  factorAsync(lambda: Float64Array, mode: DampingMode): Promise<FactorResult> {
    this.#checkFactor('factorAsync', lambda, mode);
    return this.#async('factorAsync', this.#system.factorAsync(lambda, mode));
  }

  /** solve off the event loop; the inputs are copied when called. */
  solveAsync(rhs: Float64Array, k = 1): Promise<Float64Array> {
    this.#checkSolve('solveAsync', rhs, k);
    return this.#async('solveAsync', this.#system.solveAsync(rhs, k));
  }

  /** Frees the native memory now (the garbage collector would, later). Idempotent. */
  dispose(): void {
    if (this.#busyWith !== null) {
      throw stateError(`NormalEquations.dispose: the handle is busy with NormalEquations.${this.#busyWith}; await it before the next call`);
    }
    this.#system.dispose();
  }

  #checkUsable(method: string): void {
    const fn = `NormalEquations.${method}`;
    if (this.#system.disposed) throw stateError(`${fn}: the handle has been disposed`);
    if (this.#busyWith !== null) {
      throw stateError(`${fn}: the handle is busy with NormalEquations.${this.#busyWith}; await it before the next call`);
    }
  }

  #lengthNote(perElementName: string, perElement: number): string {
    return `batch ${this.batch} × ${perElementName} ${perElement}`;
  }

  #checkLinearize(method: string, jValues: unknown, residuals: unknown, active: unknown): void {
    this.#checkUsable(method);
    const fn = `NormalEquations.${method}`;
    const { batch, nnz, m } = this;
    const j = checkTypedArray(fn, 'jValues', jValues, Float64Array, batch * nnz, this.#lengthNote('nnz', nnz));
    const r = checkTypedArray(fn, 'residuals', residuals, Float64Array, batch * m, this.#lengthNote('m', m));
    const mask = active === undefined ? undefined : checkTypedArray(fn, 'active', active, Uint8Array, batch, this.#lengthNote('1', 1));
    checkFinite(fn, 'jValues', j, nnz, mask);
    checkFinite(fn, 'residuals', r, m, mask);
  }

  #checkFactor(method: string, lambda: unknown, mode: unknown): void {
    this.#checkUsable(method);
    const fn = `NormalEquations.${method}`;
    const l = checkTypedArray(fn, 'lambda', lambda, Float64Array, this.batch, this.#lengthNote('1', 1));
    for (let b = 0; b < l.length; b++) {
      const value = l[b]!;
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new RangeError(`${fn}: 'lambda' must be finite and non-negative, got ${value} at batch element ${b}`);
      }
    }
    checkOneOf(fn, 'mode', mode, MODES);
  }

  #checkSolve(method: string, rhs: unknown, k: unknown): void {
    this.#checkUsable(method);
    const fn = `NormalEquations.${method}`;
    if (typeof k !== 'number') throw typeError(fn, 'k', 'a positive integer (the number of right-hand sides)', k);
    if (!Number.isInteger(k) || k < 1 || k > Math.floor(MAX_INT32 / this.n)) {
      throw new RangeError(`${fn}: 'k' must be a positive integer (the number of right-hand sides), got ${k}`);
    }
    const r = checkTypedArray(fn, 'rhs', rhs, Float64Array, this.batch * k * this.n, this.#lengthNote('k·n', k * this.n));
    checkFinite(fn, 'rhs', r, k * this.n);
  }

  #checkVector(method: string, arg: string, value: unknown, perElement: number, name: string): void {
    this.#checkUsable(method);
    const fn = `NormalEquations.${method}`;
    const v = checkTypedArray(fn, arg, value, Float64Array, this.batch * perElement, this.#lengthNote(name, perElement));
    checkFinite(fn, arg, v, perElement);
  }

  /** Marks the handle busy until `promise` settles; a rejection carries the caller's stack. */
  async #async<T>(method: string, promise: Promise<T>): Promise<T> {
    const caller = new Error();
    this.#busyWith = method;
    try {
      return await promise;
    } catch (error) {
      // Not instanceof: errors made by the addon may belong to another realm.
      const e = error as { name?: unknown; message?: unknown; stack?: unknown } | null;
      if (typeof e === 'object' && e !== null && typeof e.message === 'string' && caller.stack) {
        e.stack = `${String(e.name)}: ${e.message}\n${caller.stack.split('\n').slice(1).join('\n')}`;
      }
      throw error;
    } finally {
      this.#busyWith = null;
    }
  }
}

function checkIndices(fn: string, arg: string, values: Int32Array, bound: number, boundName: string): void {
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (v < 0 || v >= bound) throw new RangeError(`${fn}: '${arg}[${k}]' must be in [0, ${boundName} = ${bound}), got ${v}`);
  }
}
