/**
 * The outcome of a solve: per batch element, a status and its reason, the
 * iterations, costs and cost history; the solution (and, for optimisers that
 * may increase the cost, the best point seen). Numerical outcomes are data,
 * not exceptions.
 */
import { checkInteger, rangeError, typeError } from '../base/check.js';
import type { Program, State } from '../core/program.js';

/** What a result needs of the problem it solved: its variables and batch size, and its evaluation (for the residuals and term costs at the solution). */
type Solved = Pick<Program, 'variables' | 'batch' | 'terms' | 'evaluate'>;

/**
 * 'converged': a function, gradient or parameter tolerance (or the minimum
 * trust region) was reached; 'iteration-limit' and 'time-limit': stopped by a
 * limit; 'failed': see the reason (non-finite values at the initial point, a
 * singular Gauss-Newton system, ...).
 */
export type SolveStatus = 'converged' | 'iteration-limit' | 'time-limit' | 'failed';

/**
 * An element whose undamped A = J̃ᵀJ̃ at the solution is singular or nearly
 * so (SolveResult.rankDeficient): its solution is one of many (a parameter
 * no residual determines, a combination of parameters that only appears
 * together, a gauge freedom), whatever its status says.
 */
export interface RankDeficiency {
  /**
   * The unknown found dependent on the others: the variable, element and
   * tangent coordinate of the column with the smallest pivot ratio (or whose
   * pivot was ≤ 0); which of several dependent unknowns is named depends on
   * the elimination order. Absent when the factorisation named no column.
   */
  variable?: string;
  /** The element of that variable. */
  element?: number;
  /** The coordinate in its tangent space. */
  coordinate?: number;
  /** That column's pivot relative to its diagonal entry, L_cc² / A_cc (≤ 1e-12); NaN where A could not be factored. */
  pivotRatio: number;
  /** A sentence for logs, naming the unknown. */
  message: string;
}

/** The outcome of a solve, per batch element, with the solution of every variable. */
export class SolveResult {
  /** The batch size B. */
  readonly batch: number;
  /** How each element stopped. */
  readonly status: readonly SolveStatus[];
  /** Why each element stopped ("function tolerance reached", ...). */
  readonly reason: readonly string[];
  /** Iterations per element (linear solves: accepted and rejected steps). */
  readonly iterations: Int32Array;
  /** Cost at the initial values. */
  readonly initialCost: Float64Array;
  /** Cost at the solution. */
  readonly finalCost: Float64Array;
  /** Cost of the best point seen (equal to finalCost for monotone methods). */
  readonly bestCost: Float64Array;
  /** Per element: the initial cost, then the cost after each iteration (iterations[b] + 1 values). */
  readonly history: readonly Float64Array[];
  /** Wall-clock seconds of the solve (symbolic analysis included). */
  readonly seconds: number;
  /**
   * Per element: how A = J̃ᵀJ̃ at the solution is rank-deficient, null where
   * it is not (every pivot > 1e-12 of its diagonal entry), undefined where
   * not checked (the element failed or reached its time limit, or
   * options.checkObservability was false).
   */
  readonly rankDeficient: readonly (RankDeficiency | null | undefined)[];
  /** ‖Jᵀr‖∞ at the last point linearised, per element: the solution, but for an element stopped by its iteration or time limit right after a step (with box bounds, the projected gradient's). */
  readonly gradientNorm: Float64Array;
  readonly #objective: Solved;
  readonly #solution: State;
  readonly #best: State;

  /** @internal */
  constructor(fields: {
    objective: Solved;
    status: SolveStatus[];
    reason: string[];
    iterations: Int32Array;
    initialCost: Float64Array;
    finalCost: Float64Array;
    bestCost: Float64Array;
    history: Float64Array[];
    seconds: number;
    gradientNorm: Float64Array;
    rankDeficient: (RankDeficiency | null | undefined)[];
    solution: State;
    best: State;
  }) {
    this.#objective = fields.objective;
    this.batch = fields.objective.batch;
    this.status = fields.status;
    this.reason = fields.reason;
    this.iterations = fields.iterations;
    this.initialCost = fields.initialCost;
    this.finalCost = fields.finalCost;
    this.bestCost = fields.bestCost;
    this.history = fields.history;
    this.seconds = fields.seconds;
    this.gradientNorm = fields.gradientNorm;
    this.rankDeficient = fields.rankDeficient;
    this.#solution = fields.solution;
    this.#best = fields.best;
  }

  /**
   * The solution of variable `name`: B·count·storage values, or with
   * `element` only that batch element's count·storage values (a copy).
   */
  values(name: string, element?: number): Float64Array {
    return this.#pick(this.#solution, 'SolveResult.values', name, element);
  }

  /** The best point seen of variable `name`, as {@link values} (a copy). */
  bestValues(name: string, element?: number): Float64Array {
    return this.#pick(this.#best, 'SolveResult.bestValues', name, element);
  }

  /**
   * For a variable with box bounds: per stored number of the solution (as
   * {@link values}), −1 where it ended on its lower bound, +1 on its upper
   * bound, 0 inside; all 0 for a variable without bounds.
   */
  activeBounds(name: string, element?: number): Int8Array {
    const values = this.values(name, element);
    const bounds = this.#objective.variables.find((v) => v.name === name)!.bounds;
    const out = new Int8Array(values.length);
    if (bounds === undefined) return out;
    const n = bounds.lower.length;
    values.forEach((x, i) => (out[i] = x <= bounds.lower[i % n]! ? -1 : x >= bounds.upper[i % n]! ? 1 : 0));
    return out;
  }

  /**
   * The residuals at the solution, as the optimisers see them: W r,
   * robust losses applied through Ceres' corrector (½‖r̃‖² is a term's cost
   * without a loss), B·m batch-major in the terms' order (evaluated on
   * demand).
   */
  residuals(): Float64Array {
    return this.#objective.evaluate(this.#solution, { residuals: true, jacobians: false }).residuals!;
  }

  /** Each term's cost ½ Σ ρ(‖W r‖²) at the solution, per element, by term name (evaluated on demand; they sum to finalCost). */
  termCosts(): Record<string, Float64Array> {
    const { instanceCosts } = this.#objective.evaluate(this.#solution, { residuals: false, jacobians: false, instanceCosts: true });
    const out: Record<string, Float64Array> = {};
    this.#objective.terms.forEach((term, t) => {
      const costs = instanceCosts![t]!;
      const I = term.instances;
      out[term.name] = Float64Array.from({ length: this.batch }, (_, b) => costs.subarray(b * I, (b + 1) * I).reduce((sum, c) => sum + c, 0));
    });
    return out;
  }

  /** Whether every batch element converged. */
  get converged(): boolean {
    return this.status.every((s) => s === 'converged');
  }

  /**
   * @internal
   * The result of a batch solved in consecutive parts (each part's result over its elements, in order).
   */
  static concat(objective: Solved, parts: readonly SolveResult[], seconds: number): SolveResult {
    const floats = (pick: (r: SolveResult) => Float64Array) => Float64Array.from(parts.flatMap((r) => Array.from(pick(r))));
    const state = (pick: (r: SolveResult) => State): State =>
      objective.variables.map((_, vi) => {
        const pieces = parts.map((r) => pick(r)[vi]!);
        const out = new Float64Array(pieces.reduce((s, p) => s + p.length, 0));
        let offset = 0;
        for (const p of pieces) {
          out.set(p, offset);
          offset += p.length;
        }
        return out;
      });
    return new SolveResult({
      objective,
      status: parts.flatMap((r) => r.status),
      reason: parts.flatMap((r) => r.reason),
      iterations: Int32Array.from(parts.flatMap((r) => Array.from(r.iterations))),
      initialCost: floats((r) => r.initialCost),
      finalCost: floats((r) => r.finalCost),
      bestCost: floats((r) => r.bestCost),
      history: parts.flatMap((r) => r.history),
      seconds,
      gradientNorm: floats((r) => r.gradientNorm),
      rankDeficient: parts.flatMap((r) => r.rankDeficient),
      solution: state((r) => r.#solution),
      best: state((r) => r.#best),
    });
  }

  #pick(state: State, fn: string, name: string, element: number | undefined): Float64Array {
    if (typeof name !== 'string') throw typeError(fn, 'name', 'a variable name', name);
    const index = this.#objective.variables.findIndex((v) => v.name === name);
    if (index < 0) {
      throw rangeError(fn, 'name', `one of ${this.#objective.variables.map((v) => `'${v.name}'`).join(', ')}`, `'${name}'`);
    }
    if (element === undefined) return state[index]!.slice();
    checkInteger(fn, 'element', element, 0, this.batch - 1);
    const per = state[index]!.length / this.batch;
    return state[index]!.slice(element * per, (element + 1) * per);
  }
}
