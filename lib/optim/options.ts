/**
 * Options shared by the optimisers. Defaults are Ceres' (and
 * ../shared/data/REFERENCE.md's): at most 100 iterations, function tolerance
 * 1e-6, gradient tolerance 1e-10, parameter tolerance 1e-8, initial trust
 * region radius 1e4, Jacobi scaling.
 */
import { checkAbove, checkInteger, checkOneOf, checkOptions, checkOrdered, rangeError, typeError, type OptionValue } from '../base/check.js';
import { checkDampingBounds } from '../linear/linear-system.js';
import { KIND_REQUESTS, type NormalEquationsKind } from '../linear/normal-equations.js';

/** What `onIteration` receives after each iteration. */
export interface IterationInfo {
  /** Iterations done so far (linear solves, accepted and rejected). */
  iteration: number;
  /** B: current cost per batch element. */
  cost: Float64Array;
  /** Batch elements still iterating. */
  running: number;
  /** Seconds since the solve started. */
  seconds: number;
}

/** Options of the optimisers; the defaults are Ceres' settings. */
export interface OptimizerOptions {
  /** Maximum iterations per batch element, counting linear solves (accepted and rejected steps). Default 100. */
  maxIterations?: number;
  /**
   * Stop when |Δcost| ≤ functionTolerance · cost. Default 1e-6. Here, and
   * in every decision of the optimisers, cost leaves out the constant cost
   * of instances on constant elements only (as Ceres' fixed cost); the
   * costs reported include it.
   */
  functionTolerance?: number;
  /** Stop when ‖Jᵀr‖∞ ≤ gradientTolerance. Default 1e-10. */
  gradientTolerance?: number;
  /** Stop when ‖δ‖ ≤ parameterTolerance · (‖x‖ + parameterTolerance). Default 1e-8. */
  parameterTolerance?: number;
  /** Initial trust region radius (Levenberg-Marquardt: λ = 1/radius; Dogleg: Δ). Default 1e4. */
  initialTrustRegionRadius?: number;
  /** The radius never grows beyond this. Default 1e16. */
  maxTrustRegionRadius?: number;
  /** An element whose radius shrinks below this has converged. Default 1e-32. */
  minTrustRegionRadius?: number;
  /**
   * A step is accepted when the cost decreases by more than this fraction
   * of the decrease its model predicts. Default 1e-3.
   */
  minRelativeDecrease?: number;
  /**
   * The factor that shrinks the radius: Dogleg's after a rejected or poor
   * step; Levenberg-Marquardt's after a rejected step, compounding while
   * steps keep being rejected (radius × shrink, × shrink², ...). Default 0.5.
   */
  trustRegionShrink?: number;
  /** Dogleg's radius after a very good step: at least this many times the step's length. Default 3. */
  trustRegionGrowth?: number;
  /**
   * The damped systems are (A + λ·D) with D = clamp(diag A, minDiagonal,
   * maxDiagonal) (Ceres' min_lm_diagonal and max_lm_diagonal). Defaults
   * 1e-6 and 1e32.
   */
  minDiagonal?: number;
  /** See minDiagonal. */
  maxDiagonal?: number;
  /** Scale J's columns by 1/(1 + ‖column‖) at the first iteration (Ceres' Jacobi scaling). Default true. */
  jacobiScaling?: boolean;
  /** The linear solver: dense or sparse (default 'auto') and threads over batch elements. */
  linearSolver?: {
    /** 'dense', 'sparse' or 'auto' (the default: by n and the pattern). */
    kind?: NormalEquationsKind;
    /**
     * Threads over batch elements (default: min(cores, B)). With two or more
     * (and a batch large enough to pay for it), the batch is solved in two
     * halves whose work overlaps: one half's linear algebra runs on its own
     * threads while the other half's cost terms are evaluated. Results do not
     * depend on it.
     */
    threads?: number;
  };
  /** Print a Ceres-like iteration table (to stderr, or to the given function). */
  verbose?: boolean | ((line: string) => void);
  /** Called after every iteration. */
  onIteration?: (info: IterationInfo) => void;
  /** Stop iterating after this many seconds (elements still running get status 'time-limit'). */
  timeLimit?: number;
  /**
   * Check every term's Jacobians against central differences at each new
   * point (the initial one and every candidate), as Ceres' check_gradients:
   * an element whose Jacobian is off by more than the relative tolerance
   * (default 1e-6: ‖J − J_numeric‖max / ‖J_numeric‖max per instance and
   * variable) fails with a message naming the term, the variable, the
   * instance and the error. Costs 2·dof evaluations of every term per
   * variable and point: for finding a wrong Jacobian, not for production.
   * Default false.
   */
  checkDerivatives?:
    | boolean
    | {
        /** The relative tolerance (default 1e-6). */
        tolerance?: number;
      };
  /**
   * Factor the undamped system A = J̃ᵀJ̃ once at each element's solution
   * (not for an element that failed or reached its time limit) and
   * report, in SolveResult.rankDeficient, the elements whose A is singular
   * or has a pivot ≤ 1e-12 of its diagonal entry (an unobservable
   * parameter, a gauge freedom: the solution is one of many). Costs one
   * factorisation per element (about one iteration's linear algebra).
   * Default true; the CUDA backend does not measure pivots and reports only
   * an A that could not be factored.
   */
  checkObservability?: boolean;
}

/** The trust-region parameters, validated together (resolveOptions). */
export interface TrustRegionOptions {
  initialRadius: number;
  minRadius: number;
  maxRadius: number;
  minRelativeDecrease: number;
  shrink: number;
  growth: number;
  minDiagonal: number;
  maxDiagonal: number;
}

export interface ResolvedOptions {
  maxIterations: number;
  functionTolerance: number;
  gradientTolerance: number;
  parameterTolerance: number;
  trustRegion: TrustRegionOptions;
  jacobiScaling: boolean;
  linearSolver: { kind: NormalEquationsKind; threads: number | undefined };
  log: ((line: string) => void) | undefined;
  onIteration: ((info: IterationInfo) => void) | undefined;
  timeLimit: number;
  /** The relative tolerance of the Jacobian check at each new point, or undefined for no check. */
  checkDerivatives: number | undefined;
  checkObservability: boolean;
}

/** The optimisers' option names. */
export const OPTIMIZER_OPTION_KEYS = [
  'maxIterations',
  'functionTolerance',
  'gradientTolerance',
  'parameterTolerance',
  'initialTrustRegionRadius',
  'maxTrustRegionRadius',
  'minTrustRegionRadius',
  'minRelativeDecrease',
  'trustRegionShrink',
  'trustRegionGrowth',
  'minDiagonal',
  'maxDiagonal',
  'jacobiScaling',
  'linearSolver',
  'verbose',
  'onIteration',
  'timeLimit',
  'checkDerivatives',
  'checkObservability',
] as const;

function tolerance(fn: string, arg: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw typeError(fn, arg, 'a number', value);
  if (!(Number.isFinite(value) && value >= 0)) throw rangeError(fn, arg, 'a finite number ≥ 0', `${value}`);
  return value;
}

/**
 * The trust-region parameters with their defaults (Ceres'), and the
 * relations between them: min ≤ initial ≤ max radius, minDiagonal ≤
 * maxDiagonal (lib/linear's check), a relative decrease and a shrink factor
 * in (0, 1), a growth factor above 1. A relation's message names an option
 * the caller gave.
 */
function trustRegion(fn: string, o: Record<string, unknown>): TrustRegionOptions {
  const option = (name: string, fallback: number, lower: number, upper?: number): OptionValue => {
    const arg = `options.${name}`;
    const given = o[name] !== undefined;
    return { arg, value: given ? checkAbove(fn, arg, o[name], lower, upper) : fallback, given };
  };
  const initial = option('initialTrustRegionRadius', 1e4, 0);
  const min = option('minTrustRegionRadius', 1e-32, 0);
  const max = option('maxTrustRegionRadius', 1e16, 0);
  const minRelativeDecrease = option('minRelativeDecrease', 1e-3, 0, 1).value;
  const shrink = option('trustRegionShrink', 0.5, 0, 1).value;
  const growth = option('trustRegionGrowth', 3, 1).value;
  checkOrdered(fn, min, initial);
  checkOrdered(fn, initial, max);
  const { minDiagonal, maxDiagonal } = checkDampingBounds(fn, o.minDiagonal, o.maxDiagonal);
  return { initialRadius: initial.value, minRadius: min.value, maxRadius: max.value, minRelativeDecrease, shrink, growth, minDiagonal, maxDiagonal };
}

/** Validates options (TypeError / RangeError naming the option) and fills in the defaults. */
export function resolveOptions(fn: string, options: unknown): ResolvedOptions {
  const o = checkOptions(fn, 'options', options ?? {}, OPTIMIZER_OPTION_KEYS);
  const maxIterations = o.maxIterations === undefined ? 100 : checkInteger(fn, 'options.maxIterations', o.maxIterations, 0, 1e9);
  const region = trustRegion(fn, o);
  for (const flag of ['jacobiScaling', 'checkObservability'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') throw typeError(fn, `options.${flag}`, 'a boolean', o[flag]);
  }
  const solver = o.linearSolver === undefined ? {} : checkOptions(fn, 'options.linearSolver', o.linearSolver, ['kind', 'threads']);
  const kind = solver.kind === undefined ? 'auto' : checkOneOf(fn, 'options.linearSolver.kind', solver.kind, KIND_REQUESTS);
  const threads = solver.threads === undefined ? undefined : checkInteger(fn, 'options.linearSolver.threads', solver.threads, 1, 1024);
  let log: ((line: string) => void) | undefined;
  if (o.verbose === true) log = (line) => process.stderr.write(`${line}\n`);
  else if (typeof o.verbose === 'function') log = o.verbose as (line: string) => void;
  else if (o.verbose !== undefined && o.verbose !== false) throw typeError(fn, 'options.verbose', 'a boolean or a function (line) => void', o.verbose);
  if (o.onIteration !== undefined && typeof o.onIteration !== 'function') throw typeError(fn, 'options.onIteration', 'a function', o.onIteration);
  const timeLimit = o.timeLimit === undefined ? Infinity : tolerance(fn, 'options.timeLimit', o.timeLimit, Infinity);
  let checkDerivatives: number | undefined;
  if (o.checkDerivatives === true) checkDerivatives = 1e-6;
  else if (typeof o.checkDerivatives === 'object' && o.checkDerivatives !== null) {
    const check = checkOptions(fn, 'options.checkDerivatives', o.checkDerivatives, ['tolerance']);
    checkDerivatives = check.tolerance === undefined ? 1e-6 : checkAbove(fn, 'options.checkDerivatives.tolerance', check.tolerance, 0);
  } else if (o.checkDerivatives !== undefined && o.checkDerivatives !== false) {
    throw typeError(fn, 'options.checkDerivatives', 'a boolean or { tolerance }', o.checkDerivatives);
  }
  return {
    maxIterations,
    functionTolerance: tolerance(fn, 'options.functionTolerance', o.functionTolerance, 1e-6),
    gradientTolerance: tolerance(fn, 'options.gradientTolerance', o.gradientTolerance, 1e-10),
    parameterTolerance: tolerance(fn, 'options.parameterTolerance', o.parameterTolerance, 1e-8),
    trustRegion: region,
    jacobiScaling: o.jacobiScaling === undefined ? true : (o.jacobiScaling as boolean),
    linearSolver: { kind, threads },
    log,
    onIteration: o.onIteration as ((info: IterationInfo) => void) | undefined,
    timeLimit,
    checkDerivatives,
    checkObservability: o.checkObservability === undefined ? true : (o.checkObservability as boolean),
  };
}
