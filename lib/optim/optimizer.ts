/**
 * The base of the three optimisers: validates the objective and options,
 * builds the batched normal equations for the objective's Jacobian pattern
 * (the symbolic work, once per solve) and runs the shared trust-region loop
 * with the subclass' step strategy.
 */
import { typeError } from '../core/check.js';
import { Objective } from '../core/objective.js';
import { NormalEquations } from '../linear/normal-equations.js';
import { minimize, runAsync, runSync, type Strategy } from './minimizer.js';
import { resolveOptions, type OptimizerOptions, type ResolvedOptions } from './options.js';
import type { SolveResult } from './result.js';

export abstract class Optimizer {
  /** The objective this optimiser solves. */
  readonly objective: Objective;
  readonly #options: ResolvedOptions;
  readonly #fn: string;

  protected constructor(fn: string, objective: Objective, options: OptimizerOptions | undefined) {
    if (!(objective instanceof Objective)) throw typeError(fn, 'objective', 'an Objective', objective);
    this.#fn = fn;
    this.objective = objective;
    this.#options = resolveOptions(fn, options);
  }

  protected abstract strategy(batch: number, options: ResolvedOptions): Strategy;

  /** Solves every batch element; never modifies the variables (read the solution from the result). */
  solve(): SolveResult {
    const start = performance.now();
    const ne = this.#normalEquations();
    try {
      return runSync(minimize(this.objective, this.strategy(this.objective.batch, this.#options), this.#options, ne, start), ne);
    } finally {
      ne.dispose();
    }
  }

  /**
   * solve() with the linear algebra off the event loop (which is free between
   * the native calls). Rejects with `signal.reason` when aborted.
   */
  async solveAsync(options: { signal?: AbortSignal } = {}): Promise<SolveResult> {
    const signal = options?.signal;
    if (signal !== undefined && !(typeof signal === 'object' && signal !== null && typeof (signal as AbortSignal).throwIfAborted === 'function')) {
      throw typeError(`${this.#fn}.solveAsync`, 'options.signal', 'an AbortSignal', signal);
    }
    const start = performance.now();
    const ne = this.#normalEquations();
    try {
      return await runAsync(minimize(this.objective, this.strategy(this.objective.batch, this.#options), this.#options, ne, start), ne, signal);
    } finally {
      ne.dispose();
    }
  }

  #normalEquations(): NormalEquations {
    const { kind, threads } = this.#options.linearSolver;
    return new NormalEquations(this.objective.pattern, this.objective.batch, threads === undefined ? { kind } : { kind, threads });
  }
}
