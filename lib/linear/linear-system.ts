/**
 * The library's one way into native linear algebra: a batched linear system
 * over one Jacobian pattern, for the library's own callers (the optimisers,
 * and the differentiable layer), whose inputs are well-formed by
 * construction. It has no argument checks of its own: the native side
 * checks everything (and names the argument); the public NormalEquations
 * checks in TypeScript first and delegates here. Every call the optimisers
 * and drivers make (drivers.ts), and what a backward pass needs
 * (factor snapshots, an additive term before factoring), is here.
 */
import { checkAbove, checkOrdered } from '../base/check.js';
import {
  nativeBinding,
  normalEquationsClass,
  type Backend,
  type DeferredCall,
  type FactorResult,
  type JacobianPattern,
  type LinearizeResult,
  type NativeFactorSnapshot,
  type NativeNormalEquations,
  type NormalEquationsInfo,
  type NormalEquationsKind,
  type NormalPattern,
  type StepBuffers,
  type StepResult,
} from '../native/binding.js';

/** D in A + λD: clamp(diag A, minDiagonal, maxDiagonal) (Levenberg-Marquardt with Jacobi scaling; by default 1e-6 and 1e32) or I. */
export type DampingMode = 'diagonal' | 'identity';

/** A factored matrix with a pivot ≤ this times its diagonal entry (FactorResult.pivotRatio) counts as rank-deficient. */
export const PIVOT_RATIO = 1e-12;

/** The damping bounds' defaults: Ceres' min_lm_diagonal and max_lm_diagonal (the native core's too). */
export const DEFAULT_DAMPING_BOUNDS = { minDiagonal: 1e-6, maxDiagonal: 1e32 } as const;

/** options.minDiagonal and options.maxDiagonal checked together (each a finite number > 0, min ≤ max), the defaults filled in. */
export function checkDampingBounds(fn: string, min: unknown, max: unknown): { minDiagonal: number; maxDiagonal: number } {
  const minDiagonal = min === undefined ? DEFAULT_DAMPING_BOUNDS.minDiagonal : checkAbove(fn, 'options.minDiagonal', min, 0);
  const maxDiagonal = max === undefined ? DEFAULT_DAMPING_BOUNDS.maxDiagonal : checkAbove(fn, 'options.maxDiagonal', max, 0);
  checkOrdered(
    fn,
    { arg: 'options.minDiagonal', value: minDiagonal, given: min !== undefined },
    { arg: 'options.maxDiagonal', value: maxDiagonal, given: max !== undefined },
  );
  return { minDiagonal, maxDiagonal };
}

/** How a linear system is built. */
export interface LinearSystemOptions {
  kind?: NormalEquationsKind;
  threads?: number;
  backend?: Backend;
  minDiagonal?: number;
  maxDiagonal?: number;
  /**
   * Analyse the pattern on a thread of its own while the caller goes on
   * (the optimisers evaluate the initial point meanwhile); the first call
   * waits for it and throws its errors.
   */
  background?: boolean;
}

/** The factors of one factor call, kept for later solves (a backward pass reuses the factor of any step it kept). */
export type FactorSnapshot = NativeFactorSnapshot;

/** A reply to a deferred call (begin/end). */
export type LinearReply = LinearizeResult | FactorResult | Float64Array | StepResult;

export class LinearSystem {
  readonly #native: NativeNormalEquations;
  #info: NormalEquationsInfo | undefined;
  /** Whether `snapshot` can take the factors (the CPU core; the CUDA backend has no snapshots). */
  readonly snapshots: boolean;

  /** `fn` names the caller in construction errors ('NormalEquations' for the public class). */
  constructor(pattern: JacobianPattern, batch: number, options: LinearSystemOptions = {}, fn = 'NormalEquations') {
    const { kind, threads, minDiagonal, maxDiagonal, background } = options;
    const Native = normalEquationsClass(fn, options.backend ?? 'auto');
    this.snapshots = Native === nativeBinding().NormalEquations;
    this.#native = new Native(pattern, batch, { kind, threads, minDiagonal, maxDiagonal, background: background === true });
    if (background !== true) this.#info = this.#native.info();
  }

  /** Sizes and the factorisation in use (a system built in the background waits for its analysis). */
  get info(): NormalEquationsInfo {
    this.#info ??= this.#native.info();
    return this.#info;
  }
  get batch(): number {
    return this.info.batch;
  }
  get m(): number {
    return this.info.m;
  }
  get n(): number {
    return this.info.n;
  }
  get nnz(): number {
    return this.info.nnz;
  }
  /** CUDA backend only: the device's compute seconds in the last call (read now; `info` is read once). */
  get lastDeviceSeconds(): number | undefined {
    return this.#native.info().lastDeviceSeconds;
  }

  linearize(jValues: Float64Array, residuals: Float64Array, active?: Uint8Array, out?: LinearizeResult): LinearizeResult {
    return this.#native.linearize(jValues, residuals, active, out);
  }
  /** Factors (A + extra) + λD for the elements active in the last linearize (extra: B·normalNonzeros values in normalPattern's slots). */
  factor(lambda: Float64Array, mode: DampingMode, extra?: Float64Array): FactorResult {
    return this.#native.factor(lambda, mode, extra);
  }
  solve(rhs: Float64Array, k = 1, out?: Float64Array): Float64Array {
    return this.#native.solve(rhs, k, out);
  }
  /** linearize, factor and the Newton step −(A + λD)⁻¹g with J times it, in one call (keeps no factor on the CPU). */
  step(jValues: Float64Array, residuals: Float64Array, active: Uint8Array | undefined, lambda: Float64Array, mode: DampingMode, out?: StepBuffers): StepResult {
    return this.#native.step(jValues, residuals, active, lambda, mode, out);
  }
  jv(v: Float64Array, out?: Float64Array): Float64Array {
    return this.#native.jv(v, out);
  }
  jtv(u: Float64Array, out?: Float64Array): Float64Array {
    return this.#native.jtv(u, out);
  }

  linearizeAsync(jValues: Float64Array, residuals: Float64Array, active?: Uint8Array): Promise<LinearizeResult> {
    return this.#native.linearizeAsync(jValues, residuals, active);
  }
  factorAsync(lambda: Float64Array, mode: DampingMode, extra?: Float64Array): Promise<FactorResult> {
    return this.#native.factorAsync(lambda, mode, extra);
  }
  solveAsync(rhs: Float64Array, k = 1): Promise<Float64Array> {
    return this.#native.solveAsync(rhs, k);
  }
  stepAsync(jValues: Float64Array, residuals: Float64Array, active: Uint8Array | undefined, lambda: Float64Array, mode: DampingMode): Promise<StepResult> {
    return this.#native.stepAsync(jValues, residuals, active, lambda, mode);
  }

  /** Starts calls on a thread of their own (inputs copied now); `end` waits for them and returns their replies. */
  begin(calls: DeferredCall[]): void {
    this.#native.begin(calls);
  }
  end(): LinearReply[] {
    return this.#native.end();
  }

  /** The factors of the last factor call, apart from this system (see FactorSnapshot). */
  snapshot(): FactorSnapshot {
    return this.#native.snapshot();
  }
  /** A's upper triangle by columns: where factor's `extra` values go. */
  normalPattern(): NormalPattern {
    return this.#native.normalPattern();
  }
  get factorizationCount(): number {
    return this.#native.factorizationCount();
  }
  get disposed(): boolean {
    return this.#native.disposed();
  }
  dispose(): void {
    this.#native.dispose();
  }
}
