/**
 * The only place that loads a `.node` file: the CPU addon, from
 * `prebuilds/<platform>-<arch>/` or from a source build in `build/Release/`
 * (node-gyp-build decides), and the optional CUDA addon, from
 * `build-cuda/Release/` or `prebuilds-cuda/<platform>-<arch>/` (its own
 * folders: node-gyp-build loads the first `.node` it finds). Loaded on first
 * use, so that importing the package never fails; a missing CPU addon is
 * reported with what to do, a missing CUDA backend with why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { JacobianPattern } from '../core/pattern.js';
import type { Backend, NormalEquationsKind, SolverKind } from './kinds.js';

export type { JacobianPattern };
export { BACKENDS, KIND_REQUESTS, SOLVER_KINDS, type Backend, type NormalEquationsKind, type SolverKind } from './kinds.js';

/** Options of the NormalEquations constructor. */
export interface NormalEquationsOptions {
  /** Dense or sparse factorisation (default 'auto'). */
  kind?: NormalEquationsKind;
  /** Threads the batch elements are spread over (default: min(cores, batch); at most batch are used). Results do not depend on it. */
  threads?: number;
  /**
   * Lower bound of the damping D = clamp(diag A, minDiagonal, maxDiagonal)
   * of factor and step in 'diagonal' mode (default 1e-6, Ceres'
   * min_lm_diagonal). Finite, positive and at most maxDiagonal.
   */
  minDiagonal?: number;
  /** Upper bound of that damping (default 1e32, Ceres' max_lm_diagonal). Finite and positive. */
  maxDiagonal?: number;
  /** The backend (default 'auto'); the facade chooses the addon, the addons ignore it. */
  backend?: Backend;
}

/** What `linearize` returns. */
export interface LinearizeResult {
  /** B·n: Jᵀr per batch element. */
  gradient: Float64Array;
  /** B: ‖r‖² per batch element. */
  squaredNorm: Float64Array;
}

/** What `factor` returns: per batch element, whether it was factored and why not. */
export interface FactorResult {
  /** B: 1 where the element's damped matrix was factored. */
  ok: Uint8Array;
  /** B: why an element failed (null where ok). */
  reason: (string | null)[];
  /**
   * B: of the matrix M factored (damping included), min over columns of
   * L_cc² / M_cc, the column's pivot relative to its diagonal entry: ≤ 1
   * and near 0 where a column is numerically a combination of the columns
   * eliminated before it (≤ 1e-12: rank-deficient). NaN where not factored,
   * or on the CUDA backend, which does not measure it.
   */
  pivotRatio: Float64Array;
  /** B: the column (0-based, of A) with that smallest ratio; where not factored, the column whose pivot was ≤ 0 when the backend names it, else −1. */
  pivotColumn: Int32Array;
}

/** Sizes of a NormalEquations handle and the factorisation it uses. */
export interface NormalEquationsInfo {
  /** Rows of J. */
  m: number;
  /** Columns of J (unknowns per batch element). */
  n: number;
  /** Entries of the Jacobian pattern (duplicates included). */
  nnz: number;
  /** Batch size B. */
  batch: number;
  /** The kind in use ('auto' resolved). */
  kind: SolverKind;
  /** 'dense-llt', 'ariadne-supernodal', or (CHOLMOD builds, large patterns) 'cholmod-supernodal'. */
  backend: string;
  /** Threads the batch elements are spread over (at most the batch size). */
  threads: number;
  /** Entries of A = JᵀJ's upper triangle. */
  normalNonzeros: number;
  /** Entries of one element's Cholesky factor. */
  factorNonzeros: number;
  /** Bytes the handle holds once every element is factored. */
  memoryBytes: number;
  /** The lower bound of the 'diagonal' damping (options.minDiagonal). */
  minDiagonal: number;
  /** The upper bound of the 'diagonal' damping (options.maxDiagonal). */
  maxDiagonal: number;
  /** CUDA backend only: the device's compute seconds in the last call, copies excluded (for benchmarks). */
  lastDeviceSeconds?: number;
}

/**
 * The addon's handle. The synchronous calls take an optional last `out`:
 * arrays of the result's exact length, sharing no memory with the inputs or
 * with each other, that receive the result and are returned (the optimiser
 * reuses them across iterations; the public facade always returns new
 * arrays). Typed arrays may be over a SharedArrayBuffer or a resizable
 * buffer.
 */
export interface NativeNormalEquations {
  linearize(jValues: Float64Array, residuals: Float64Array, active?: Uint8Array, out?: LinearizeResult): LinearizeResult;
  /**
   * Factors (A + E) + λ·D for the elements active in the last linearize, with
   * D = clamp(diag(A + E), minDiagonal, maxDiagonal) ('diagonal') or I. E,
   * when `extra` is given, is B·normalNonzeros values in the slots of
   * A's upper triangle (`normalPattern()`): a symmetric term of this call only
   * (an exact Hessian's second-order terms); A stays as linearized.
   */
  factor(lambda: Float64Array, mode: 'diagonal' | 'identity', extra?: Float64Array): FactorResult;
  solve(rhs: Float64Array, k?: number, out?: Float64Array): Float64Array;
  /**
   * linearize, factor and solve in one call: the Newton step
   * y = −(A + λD)⁻¹ g with this linearisation's g, and J·y. The CPU core runs
   * it per element and keeps neither A nor the factor, so that factor and
   * solve need a new linearize after it (jv and jtv do not) and the elements
   * it stepped have no factor until they are factored again.
   */
  step(
    jValues: Float64Array,
    residuals: Float64Array,
    active: Uint8Array | undefined,
    lambda: Float64Array,
    mode: 'diagonal' | 'identity',
    out?: StepBuffers,
  ): StepResult;
  jv(v: Float64Array, out?: Float64Array): Float64Array;
  jtv(u: Float64Array, out?: Float64Array): Float64Array;
  linearizeAsync(jValues: Float64Array, residuals: Float64Array, active?: Uint8Array): Promise<LinearizeResult>;
  factorAsync(lambda: Float64Array, mode: 'diagonal' | 'identity', extra?: Float64Array): Promise<FactorResult>;
  solveAsync(rhs: Float64Array, k?: number): Promise<Float64Array>;
  /** step off the event loop (what `step` returns, to the bit); the inputs are copied when called. */
  stepAsync(
    jValues: Float64Array,
    residuals: Float64Array,
    active: Uint8Array | undefined,
    lambda: Float64Array,
    mode: 'diagonal' | 'identity',
  ): Promise<StepResult>;
  /**
   * Starts linearize, factor, solve and step calls (each [op, ...its arguments],
   * `out` included) one after another on a thread of their own and returns
   * at once; `end` waits for them and returns their results (the optimiser's
   * pipelined batches). Arguments are checked and inputs copied before any
   * call runs, so an input may not share memory with an earlier call's `out`
   * (it would not see that call's results); results are copied into the
   * `out` arrays by `end`, which throws a TypeError naming one that was
   * detached meanwhile, or a RangeError naming one resized to another length.
   */
  begin(calls: DeferredCall[]): void;
  end(): (LinearizeResult | FactorResult | Float64Array | StepResult)[];
  /**
   * The factors of the last factor, for all B elements, in an object of
   * their own that later calls on this handle (factor, step, dispose) do not
   * change. Throws ERR_INVALID_STATE before any factor, and after a step on
   * the CPU core (which keeps no factor) until the next factor; the CUDA
   * backend has no snapshots (ERR_INVALID_STATE naming it).
   */
  snapshot(): NativeFactorSnapshot;
  /** A's upper triangle by columns (rows ascending in each, the diagonal last): where factor's `extra` values go. */
  normalPattern(): NormalPattern;
  dispose(): void;
  info(): NormalEquationsInfo;
  factorizationCount(): number;
  disposed(): boolean;
}

/** The pattern of A = JᵀJ's upper triangle in compressed columns (the slots of factor's `extra`). */
export interface NormalPattern {
  /** n + 1: column j's entries are [colStart[j], colStart[j + 1]). */
  colStart: Int32Array;
  /** normalNonzeros: the row of each entry, ascending within a column, the diagonal last. */
  rowIndex: Int32Array;
}

/**
 * The factors of a NormalEquations' factor call, kept apart from the handle
 * (`snapshot()`): a backward pass solves with the factor of any step it
 * kept. It owns (or shares until the handle refactors them) the factors of
 * all B elements and reports them to V8 as external memory until disposed.
 */
export interface NativeFactorSnapshot {
  /** As NormalEquations' solve with the factors taken: B·k·n, NaN for the elements without a valid factor; never refactors. */
  solve(rhs: Float64Array, k?: number, out?: Float64Array): Float64Array;
  /** solve off the event loop; the inputs are copied when called. */
  solveAsync(rhs: Float64Array, k?: number): Promise<Float64Array>;
  info(): FactorSnapshotInfo;
  /** Frees the factors of the elements not flagged in `elements` (B flags): they solve to NaN after, the others as before. */
  keep(elements: Uint8Array): void;
  /** Frees the factors now (the garbage collector would, later). Idempotent. */
  dispose(): void;
  disposed(): boolean;
}

/** Sizes of a factor snapshot. */
export interface FactorSnapshotInfo {
  /** Batch size B. */
  batch: number;
  /** Unknowns per batch element. */
  n: number;
  /** Bytes the snapshot keeps alive (its factors and solve workspaces). */
  memoryBytes: number;
}

/** The arrays `step` writes. */
export interface StepBuffers extends LinearizeResult {
  /** B·n: the Newton step −(A + λD)⁻¹ g per element (NaN where not factored). */
  step: Float64Array;
  /** B·m: J times the step. */
  jy: Float64Array;
}

/** What `step` returns. */
export type StepResult = StepBuffers & FactorResult;

/** A call of `begin`: linearize, factor, solve or step with its arguments. */
export type DeferredCall =
  | ['linearize', Float64Array, Float64Array, Uint8Array | undefined, LinearizeResult | undefined]
  | ['factor', Float64Array, 'diagonal' | 'identity', Float64Array?]
  | ['solve', Float64Array, number, Float64Array | undefined]
  | ['step', Float64Array, Float64Array, Uint8Array | undefined, Float64Array, 'diagonal' | 'identity', StepBuffers | undefined];

/** How the native addon was built and what it runs with. */
export interface BuildInfo {
  /** The solver kinds, as options.kind names them besides 'auto' (the addon's table of kinds). */
  kinds: string[];
  /** Whether the sparse kind uses CHOLMOD (source builds with SuiteSparse). */
  cholmod: boolean;
  /** The sparse factorisation, in words. */
  sparseBackend: string;
  /** Eigen's version. */
  eigen: string;
  /** The BLAS in use and its threads, or 'none'. */
  blas: string;
  /** OpenMP's thread limit where a factorisation runs (1: CHOLMOD's loops run on one thread, set per call), 0 without OpenMP. */
  openmpThreadLimit: number;
  /** Hardware threads of the machine. */
  hardwareThreads: number;
  /** The N-API version the addon was built for. */
  napiVersion: number;
}

export interface ReferenceLdltResult {
  x: Float64Array;
  seconds: Float64Array;
  ok: boolean;
}

export interface NativeBinding {
  /** `background`: the symbolic analysis runs on a thread of its own; the first call waits for it and throws its errors. */
  NormalEquations: new (pattern: JacobianPattern, batch: number, options?: NormalEquationsOptions & { background?: boolean }) => NativeNormalEquations;
  /** The linear benchmark's reference: Eigen's SimplicialLDLT, one problem at a time. */
  referenceLdlt(pattern: JacobianPattern, jValues: Float64Array, residuals: Float64Array, lambda: Float64Array, repeats: number): ReferenceLdltResult;
  buildInfo(): BuildInfo;
}

/** The package root: the nearest folder above this file with ariadne's package.json. */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'ariadne') return dir;
    if (path.dirname(dir) === dir) throw new Error(`ariadne: cannot find the package root above ${__dirname}`);
  }
}

let cached: NativeBinding | undefined;

/** The CPU addon; throws an Error that says how to get one when none loads. */
export function nativeBinding(): NativeBinding {
  if (cached === undefined) {
    const root = packageRoot();
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const load = require('node-gyp-build') as (dir: string) => NativeBinding;
      cached = load(root);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new Error(
        `ariadne: the native addon could not be loaded (${reason}). There is no prebuilt binary for ` +
          `${process.platform}-${process.arch} or it failed to load: build it from source with ` +
          "'npm rebuild ariadne --foreground-scripts' (npm 11 asks you to allow its install script: " +
          "'npm install --allow-scripts=ariadne'); scripts/bootstrap.sh installs what a source build needs.",
        { cause: error },
      );
    }
  }
  return cached;
}

/** Device 0 as the CUDA addon sees it. */
export interface CudaDeviceInfo {
  /** Whether it can be used. */
  available: boolean;
  /** Why it cannot be used (null when available). */
  reason: string | null;
  /** CUDA devices on the machine. */
  count: number;
  /** Its name, e.g. 'NVIDIA H100 80GB HBM3'. */
  name: string;
  /** 'major.minor', e.g. '9.0' for an H100. */
  computeCapability: string;
  /** Its memory in bytes. */
  memoryBytes: number;
  /** The CUDA version the driver supports (13000 for 13.0), 0 without a driver. */
  driverVersion: number;
  /** The CUDA runtime the addon was built with. */
  runtimeVersion: number;
}

/** The CUDA addon's exports: the same NormalEquations class over the CUDA core. */
export interface CudaBinding {
  NormalEquations: NativeBinding['NormalEquations'];
  /** Device 0, or why there is none. */
  deviceInfo(): CudaDeviceInfo;
  /** Measured device-to-device copy bandwidth, bytes per second (read + write). */
  copyBandwidth(): number;
}

/** Why the CUDA backend cannot be used. */
export type CudaUnavailableReason = 'not built' | 'libraries missing' | 'failed to load' | 'no device';

/** The CUDA addon loaded with a usable device, or why not (`detail`: the loader's or the runtime's words). */
export type CudaAvailability =
  { available: true; binding: CudaBinding; device: CudaDeviceInfo; file: string } | { available: false; reason: CudaUnavailableReason; detail: string };

/** Where the CUDA addon may be, in order: $ARIADNE_CUDA_ADDON, the cmake-js build, a prebuild. */
export function cudaAddonCandidates(root: string = packageRoot()): string[] {
  const files = [
    path.join(root, 'build-cuda', 'Release', 'ariadne_cuda.node'),
    path.join(root, 'prebuilds-cuda', `${process.platform}-${process.arch}`, 'ariadne_cuda.node'),
  ];
  return process.env.ARIADNE_CUDA_ADDON ? [process.env.ARIADNE_CUDA_ADDON, ...files] : files;
}

/**
 * What loading the first existing file of `files` with `load` gives: the
 * binding when it loads and its device is usable, else the reason. Never
 * throws.
 */
export function probeCudaAddon(files: readonly string[], load: (file: string) => unknown): CudaAvailability {
  const file = files.find((f) => fs.existsSync(f));
  if (file === undefined) {
    return {
      available: false,
      reason: 'not built',
      detail: `no ${files.map((f) => path.relative(process.cwd(), f) || f).join(' or ')}; 'npm run build:cuda' builds it where nvcc, cuSOLVER, cuBLAS and cuSPARSE are installed`,
    };
  }
  let binding: CudaBinding;
  try {
    binding = load(file) as CudaBinding;
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    const missing = /shared object|cannot open|\.so(\.\d+)*\b|\.dylib|\.dll/i.test(message);
    return { available: false, reason: missing ? 'libraries missing' : 'failed to load', detail: message };
  }
  const device = binding.deviceInfo();
  if (!device.available) {
    return { available: false, reason: 'no device', detail: (device.reason ?? 'no CUDA device').replace(/^no device: /, '') };
  }
  return { available: true, binding, device, file };
}

let cudaCached: CudaAvailability | undefined;

/** The CUDA backend, or why it is unavailable (probed once per process; never throws). */
export function cudaAvailability(): CudaAvailability {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cudaCached ??= probeCudaAddon(cudaAddonCandidates(), (file) => require(file));
  return cudaCached;
}

/** The addon's class for `backend`; 'cuda' throws where the CUDA backend is unavailable, naming why. */
export function normalEquationsClass(fn: string, backend: Backend): NativeBinding['NormalEquations'] {
  if (backend === 'cpu') return nativeBinding().NormalEquations;
  const cuda = cudaAvailability();
  if (cuda.available) return cuda.binding.NormalEquations;
  if (backend === 'auto') return nativeBinding().NormalEquations;
  const error = new Error(`${fn}: 'options.backend' is 'cuda' but the CUDA backend is unavailable: ${cuda.reason} (${cuda.detail})`);
  throw Object.assign(error, { code: 'ERR_CUDA_UNAVAILABLE', reason: cuda.reason });
}
