/**
 * leastSquares(residual, x0): the one-call form for small problems (scipy's
 * least_squares as the anchor): a plain residual function of a parameter
 * vector, optionally its Jacobian, a robust loss, and a batch of data sets
 * solved at once. Under it: one Custom term over a Vector variable, the
 * optimisers and covariance().
 */
import { checkOneOf, checkOptions, rangeError, typeError } from '../base/check.js';
import { Objective } from '../core/objective.js';
import { RobustLoss } from '../core/robust-loss.js';
import { Variable, checkBounds, checkInBounds, type VariableBounds } from '../core/variable.js';
import { Custom } from '../costs/custom.js';
import { Vector } from '../geometry/vector.js';
import { covariance } from './covariance.js';
import { Dogleg } from './dogleg.js';
import { GaussNewton } from './gauss-newton.js';
import { LevenbergMarquardt } from './levenberg-marquardt.js';
import type { Optimizer } from './optimizer.js';
import { OPTIMIZER_OPTION_KEYS, type OptimizerOptions } from './options.js';
import type { SolveResult, SolveStatus } from './result.js';

/** Options of {@link leastSquares}: the optimiser's, and these. */
export interface LeastSquaresOptions<D> extends OptimizerOptions {
  /** The Jacobian of the residual at x (m × n, row-major); default: central differences with relative steps. */
  jacobian?: (x: Float64Array, data: D) => ArrayLike<number>;
  /** A robust loss on each residual: ½ Σ ρ(rᵢ²). */
  loss?: RobustLoss;
  /** Data sets: one problem per entry, solved as one batch (the residual receives the entry); each must give the same number of residuals. */
  data?: readonly D[];
  /** 'lm' (Levenberg-Marquardt, the default), 'gn' or 'dogleg'. */
  method?: 'lm' | 'gn' | 'dogleg';
  /** Box bounds on x, per coordinate (as a Vector variable's: every optimiser holds x in them; x0 must lie in them). */
  bounds?: VariableBounds;
  /** Also the covariance of x ((J̃ᵀJ̃)⁻¹ at the solution, J̃ corrected for the loss; n × n row-major), per data set (see covariance()). */
  covariance?: boolean;
}

/** One problem's outcome (of one data set). */
export interface LeastSquaresSolution {
  /** The solution. */
  x: Float64Array;
  /** ½ Σ ρ(r²) at x. */
  cost: number;
  /** How the solve of this data set stopped. */
  status: SolveStatus;
  /** Why it stopped. */
  reason: string;
  /** Its iterations. */
  iterations: number;
  /** With options.covariance: n × n, row-major. */
  covariance?: Float64Array;
  /** With options.bounds: per coordinate of x, −1 on its lower bound, +1 on its upper bound, 0 inside. */
  activeBounds?: Int8Array;
}

/** What {@link leastSquares} returns: the first (or only) problem's outcome, every data set's, and the full result. */
export interface LeastSquaresResult extends LeastSquaresSolution {
  /** Per data set (one entry without options.data). */
  solutions: LeastSquaresSolution[];
  /** The optimiser's result. */
  result: SolveResult;
}

/**
 * Minimises ½ Σ ρ(rᵢ(x)²) over x ∈ ℝⁿ from x0 (one start for every data
 * set, or one per data set).
 *
 * @example
 * ```ts
 * import { leastSquares } from 'ariadne';
 * // y = a·exp(b·t) through (0, 2), (1, 2.7), (2, 3.6), (3, 4.9).
 * const t = [0, 1, 2, 3];
 * const y = [2, 2.7, 3.6, 4.9];
 * const fit = leastSquares((p) => t.map((ti, i) => p[0]! * Math.exp(p[1]! * ti) - y[i]!), [1, 0]);
 * console.log(fit.status, Array.from(fit.x, (v) => v.toFixed(3))); // converged [ '1.994', '0.299' ]
 * ```
 */
export function leastSquares<D = undefined>(
  residual: (x: Float64Array, data: D) => ArrayLike<number>,
  x0: ArrayLike<number> | readonly ArrayLike<number>[],
  options: LeastSquaresOptions<D> = {},
): LeastSquaresResult {
  const fn = 'leastSquares';
  if (typeof residual !== 'function') throw typeError(fn, 'residual', 'a function (x, data) => residuals', residual);
  checkOptions(fn, 'options', options, [...OPTIMIZER_OPTION_KEYS, 'jacobian', 'loss', 'data', 'method', 'covariance', 'bounds']);
  const { jacobian, loss, data, method, covariance: wantCovariance, bounds, ...solverOptions } = options;
  if (jacobian !== undefined && typeof jacobian !== 'function')
    throw typeError(fn, 'options.jacobian', 'a function (x, data) => J (m × n, row-major)', jacobian);
  if (loss !== undefined && !(loss instanceof RobustLoss)) throw typeError(fn, 'options.loss', 'a RobustLoss', loss);
  if (data !== undefined && (!Array.isArray(data) || data.length === 0)) throw typeError(fn, 'options.data', 'a non-empty array of data sets', data);
  const sets = (data ?? [undefined]) as readonly D[];
  const B = sets.length;
  const starts = startValues(fn, x0, B);
  const n = starts.length / B;
  const m = checkedResidual(fn, 'residual', residual(starts.slice(0, n), sets[0]!), undefined).length;
  if (m === 0) throw rangeError(fn, 'residual', 'a function giving at least one residual', 'none at x0');
  sets.forEach((set, b) => {
    const count = checkedResidual(fn, 'residual', residual(starts.slice(b * n, (b + 1) * n), set), undefined).length;
    if (count !== m)
      throw rangeError(fn, 'options.data', `data sets that each give the same number of residuals (data set 0: ${m})`, `${count} residuals from data set ${b}`);
  });

  if (bounds !== undefined) checkInBounds(fn, 'x0', starts, checkBounds(fn, Vector(n), bounds));
  const x = new Variable('x', Vector(n), starts, { batch: B, ...(bounds === undefined ? {} : { bounds }) });
  // One instance per residual (a robust loss applies to each), all on x: a row (batch element,
  // instance i) knows its data set and i from two auxiliary inputs; the user's functions are called
  // once per element and point, their outputs kept for the element's consecutive rows.
  const residuals = cached((values: Float64Array, set: number) => Float64Array.from(checkedResidual(fn, 'residual', residual(values, sets[set]!), m)));
  const jacobians =
    jacobian === undefined
      ? undefined
      : cached((values: Float64Array, set: number) => {
          const j = jacobian(values, sets[set]!);
          if (j === null || typeof j !== 'object' || j.length !== m * n)
            throw rangeError(fn, 'options.jacobian', `a function giving m × n = ${m * n} numbers`, describeLength(j));
          return Float64Array.from(j);
        });
  const term = new Custom({
    name: 'residuals',
    dim: 1,
    variables: [{ variable: x, indices: new Int32Array(m) }],
    auxiliary: [
      { name: 'set', k: 1, values: Float64Array.from(sets, (_, b) => b), batch: B },
      { name: 'residual', k: 1, values: Float64Array.from({ length: m }, (_, i) => i) },
    ],
    residual: (rows, [values, set, index], out) => {
      for (let row = 0; row < rows; row++) out[row] = residuals(values!.subarray(row * n, (row + 1) * n), set![row]!)[index![row]!]!;
    },
    ...(jacobians === undefined
      ? {}
      : {
          jacobians: (rows, [values, set, index], [J]) => {
            for (let row = 0; row < rows; row++) {
              const j = jacobians(values!.subarray(row * n, (row + 1) * n), set![row]!);
              J!.set(j.subarray(index![row]! * n, (index![row]! + 1) * n), row * n);
            }
          },
        }),
    ...(loss === undefined ? {} : { loss }),
  });
  const optimizer = makeOptimizer(fn, method, new Objective([term]), solverOptions);
  const result = optimizer.solve();
  const values = result.values('x');
  const blocks = wantCovariance === true ? covariance(optimizer.objective, result, [{ variable: 'x' }]).blocks : undefined;
  const solutions = sets.map((_, b) => ({
    x: values.slice(b * n, (b + 1) * n),
    cost: result.finalCost[b]!,
    status: result.status[b]!,
    reason: result.reason[b]!,
    iterations: result.iterations[b]!,
    ...(blocks === undefined ? {} : { covariance: blocks[b]![0]! }),
    ...(bounds === undefined ? {} : { activeBounds: result.activeBounds('x', b) }),
  }));
  return { ...solutions[0]!, solutions, result };
}

/** The optimiser `method` names ('lm' when undefined). */
function makeOptimizer(fn: string, method: unknown, objective: Objective, options: OptimizerOptions): Optimizer {
  const name = method === undefined ? 'lm' : checkOneOf(fn, 'options.method', method, ['lm', 'gn', 'dogleg'] as const);
  if (name === 'gn') return new GaussNewton(objective, options);
  return name === 'dogleg' ? new Dogleg(objective, options) : new LevenbergMarquardt(objective, options);
}

/** f(values, set), computed again only when the set or the values differ from the last call's. */
function cached(f: (values: Float64Array, set: number) => Float64Array): (values: Float64Array, set: number) => Float64Array {
  let lastSet = -1;
  let lastValues: Float64Array = new Float64Array(0);
  let last: Float64Array = new Float64Array(0);
  return (values, set) => {
    if (set !== lastSet || values.length !== lastValues.length || values.some((v, i) => !Object.is(v, lastValues[i]))) {
      last = f(values.slice(), set);
      lastSet = set;
      lastValues = values.slice();
    }
    return last;
  };
}

/** x0 as B·n numbers: one start for every data set, or one per data set. */
function startValues(fn: string, x0: unknown, B: number): Float64Array {
  const numbers = (value: unknown, arg: string): Float64Array => {
    if (value === null || typeof value !== 'object' || typeof (value as ArrayLike<number>).length !== 'number')
      throw typeError(fn, arg, 'an array of numbers', value);
    const out = Float64Array.from(value as ArrayLike<number>);
    if (out.length === 0) throw rangeError(fn, arg, 'at least one parameter', 'none');
    out.forEach((v, i) => {
      if (!Number.isFinite(v)) throw rangeError(fn, arg, 'finite', `${v} at index ${i}`);
    });
    return out;
  };
  const nested = Array.isArray(x0) && x0.length > 0 && typeof x0[0] === 'object';
  if (!nested) {
    const one = numbers(x0, 'x0');
    const out = new Float64Array(B * one.length);
    for (let b = 0; b < B; b++) out.set(one, b * one.length);
    return out;
  }
  const starts = (x0 as unknown[]).map((v, b) => numbers(v, `x0[${b}]`));
  if (starts.length !== B) throw rangeError(fn, 'x0', `one start, or one per data set (${B})`, `${starts.length} starts`);
  if (starts.some((s) => s.length !== starts[0]!.length)) throw rangeError(fn, 'x0', 'starts of one length', 'starts of different lengths');
  const out = new Float64Array(B * starts[0]!.length);
  starts.forEach((s, b) => out.set(s, b * s.length));
  return out;
}

/** The residual function's output, checked: array-like numbers, of length m once m is known. */
function checkedResidual(fn: string, arg: string, r: unknown, m: number | undefined): ArrayLike<number> {
  if (r === null || typeof r !== 'object' || typeof (r as ArrayLike<number>).length !== 'number')
    throw typeError(fn, arg, 'a function giving an array of residuals', r);
  const values = r as ArrayLike<number>;
  if (m !== undefined && values.length !== m) throw rangeError(fn, arg, `a function giving ${m} residuals every time (as at x0)`, `${values.length}`);
  return values;
}

function describeLength(value: unknown): string {
  return value !== null && typeof value === 'object' && typeof (value as ArrayLike<number>).length === 'number'
    ? `${(value as ArrayLike<number>).length} numbers`
    : typeof value;
}
