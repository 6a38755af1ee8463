/**
 * The only place that loads a `.node` file: the CPU addon, from
 * `prebuilds/<platform>-<arch>/` or from a source build in `build/Release/`
 * (node-gyp-build decides). Loaded on first use, so that importing the
 * package never fails; a missing addon is reported with what to do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where J's non-zeros are: entry k is at (rows[k], cols[k]). Duplicate
 * entries are allowed; their values are summed.
 */
export interface JacobianPattern {
  /** Rows of J (residuals of one batch element). */
  m: number;
  /** Columns of J (unknowns of one batch element). */
  n: number;
  rows: Int32Array;
  cols: Int32Array;
  /** Sizes of the column blocks (variable elements), summing to n. */
  colBlocks?: Int32Array;
  /** How many leading column blocks a Schur kind may eliminate. */
  eliminate?: number;
}

/** 'auto' picks dense or sparse from n and the pattern (never from the batch size). */
export type NormalEquationsKind = 'auto' | 'dense' | 'sparse';

export interface NormalEquationsOptions {
  kind?: NormalEquationsKind;
  /** Threads the batch elements are spread over (default: min(cores, batch)). Results do not depend on it. */
  threads?: number;
}

export interface LinearizeResult {
  /** B·n: Jᵀr per batch element. */
  gradient: Float64Array;
  /** B: ‖r‖² per batch element. */
  squaredNorm: Float64Array;
}

export interface FactorResult {
  /** B: 1 where the element's damped matrix was factored. */
  ok: Uint8Array;
  /** B: why an element failed (null where ok). */
  reason: (string | null)[];
}

export interface NormalEquationsInfo {
  m: number;
  n: number;
  nnz: number;
  batch: number;
  /** The kind in use ('auto' resolved). */
  kind: 'dense' | 'sparse';
  /** 'dense-llt', 'ariadne-supernodal', or (CHOLMOD builds, large patterns) 'cholmod-supernodal'. */
  backend: string;
  threads: number;
  /** Entries of A = JᵀJ's upper triangle. */
  normalNonzeros: number;
  /** Entries of one element's Cholesky factor. */
  factorNonzeros: number;
  /** Bytes the handle holds once every element is factored. */
  memoryBytes: number;
}

export interface NativeNormalEquations {
  linearize(jValues: Float64Array, residuals: Float64Array, active?: Uint8Array): LinearizeResult;
  factor(lambda: Float64Array, mode: 'diagonal' | 'identity'): FactorResult;
  solve(rhs: Float64Array, k?: number): Float64Array;
  jv(v: Float64Array): Float64Array;
  jtv(u: Float64Array): Float64Array;
  linearizeAsync(jValues: Float64Array, residuals: Float64Array, active?: Uint8Array): Promise<LinearizeResult>;
  factorAsync(lambda: Float64Array, mode: 'diagonal' | 'identity'): Promise<FactorResult>;
  solveAsync(rhs: Float64Array, k?: number): Promise<Float64Array>;
  dispose(): void;
  info(): NormalEquationsInfo;
  factorizationCount(): number;
  disposed(): boolean;
}

export interface BuildInfo {
  /** Whether the sparse kind uses CHOLMOD (source builds with SuiteSparse). */
  cholmod: boolean;
  sparseBackend: string;
  eigen: string;
  /** The BLAS in use and its threads, or 'none'. */
  blas: string;
  /** OpenMP's thread limit (1: CHOLMOD's loops run on one thread), 0 without OpenMP. */
  openmpThreadLimit: number;
  hardwareThreads: number;
  napiVersion: number;
}

export interface ReferenceLdltResult {
  x: Float64Array;
  seconds: Float64Array;
  ok: boolean;
}

export interface NativeBinding {
  NormalEquations: new (pattern: JacobianPattern, batch: number, options?: NormalEquationsOptions) => NativeNormalEquations;
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
    // CHOLMOD's OpenMP loops must run on one thread (the batch is the
    // parallelism); libgomp reads its limit once, when the addon loads it.
    const ompLimit = process.env.OMP_THREAD_LIMIT;
    if (ompLimit === undefined) process.env.OMP_THREAD_LIMIT = '1';
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
      );
    } finally {
      if (ompLimit === undefined) delete process.env.OMP_THREAD_LIMIT;
    }
  }
  return cached;
}
