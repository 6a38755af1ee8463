/**
 * The outcome of a solve: per batch element, a status and its reason, the
 * iterations, costs and cost history; the solution (and, for optimisers that
 * may increase the cost, the best point seen). Numerical outcomes are data,
 * not exceptions.
 */
import { rangeError, typeError } from '../core/check.js';
import type { Objective, State } from '../core/objective.js';

/**
 * 'converged': a function, gradient or parameter tolerance (or the minimum
 * trust region) was reached; 'iteration-limit' and 'time-limit': stopped by a
 * limit; 'failed': see the reason (non-finite values at the initial point, a
 * singular Gauss-Newton system, ...).
 */
export type SolveStatus = 'converged' | 'iteration-limit' | 'time-limit' | 'failed';

export class SolveResult {
  readonly batch: number;
  readonly status: readonly SolveStatus[];
  /** Why each element stopped ("function tolerance reached", ...). */
  readonly reason: readonly string[];
  /** Iterations per element (linear solves: accepted and rejected steps). */
  readonly iterations: Int32Array;
  readonly initialCost: Float64Array;
  /** Cost at the solution. */
  readonly finalCost: Float64Array;
  /** Cost of the best point seen (equal to finalCost for monotone methods). */
  readonly bestCost: Float64Array;
  /** Per element: the cost after each iteration (the initial cost first). */
  readonly history: readonly Float64Array[];
  /** Wall-clock seconds of the solve (symbolic analysis included). */
  readonly seconds: number;
  readonly #objective: Objective;
  readonly #solution: State;
  readonly #best: State;

  constructor(fields: {
    objective: Objective;
    status: SolveStatus[];
    reason: string[];
    iterations: Int32Array;
    initialCost: Float64Array;
    finalCost: Float64Array;
    bestCost: Float64Array;
    history: Float64Array[];
    seconds: number;
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
    this.#solution = fields.solution;
    this.#best = fields.best;
  }

  /** The solution of variable `name`: B·count·storage values (a copy). */
  values(name: string): Float64Array {
    return this.#pick(this.#solution, 'SolveResult.values', name);
  }

  /** The best point seen of variable `name` (a copy). */
  bestValues(name: string): Float64Array {
    return this.#pick(this.#best, 'SolveResult.bestValues', name);
  }

  /** Whether every batch element converged. */
  get converged(): boolean {
    return this.status.every((s) => s === 'converged');
  }

  #pick(state: State, fn: string, name: string): Float64Array {
    if (typeof name !== 'string') throw typeError(fn, 'name', 'a variable name', name);
    const index = this.#objective.variables.findIndex((v) => v.name === name);
    if (index < 0) {
      throw rangeError(fn, 'name', `one of ${this.#objective.variables.map((v) => `'${v.name}'`).join(', ')}`, `'${name}'`);
    }
    return state[index]!.slice();
  }
}
