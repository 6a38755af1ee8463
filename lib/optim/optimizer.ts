/**
 * The base of the three optimisers: validates the objective and options,
 * builds the batched normal equations for the objective's Jacobian pattern
 * (the symbolic work, once per solve) and runs the shared trust-region loop
 * with the subclass' step strategy.
 *
 * A large batch on the CPU with two or more threads is solved in two halves
 * whose work overlaps (runPipelined): while one half's linear algebra runs
 * on its own thread, the other half's residuals and Jacobians are evaluated
 * in JavaScript, so that the evaluation no longer leaves the other cores
 * idle. Batch elements are independent, so the result is the same.
 */
import * as os from 'node:os';

import { typeError } from '../base/check.js';
import { Objective } from '../core/objective.js';
import type { Program } from '../core/program.js';
import { runAsync, runPipelined, runSync } from '../linear/drivers.js';
import { LinearSystem } from '../linear/linear-system.js';
import { cudaAvailability } from '../linear/normal-equations.js';
import { minimize, type IterationRecord } from './minimizer.js';
import { resolveOptions, type OptimizerOptions, type ResolvedOptions } from './options.js';
import { partReporters, reporter, type IterationReport } from './report.js';
import { SolveResult } from './result.js';
import type { Strategy } from './strategy.js';

/** Jacobian entries (over the batch) from which the halves' overlap pays for its threads. */
const MIN_OVERLAP_ENTRIES = 1 << 16;

/** The base of GaussNewton, LevenbergMarquardt and Dogleg: one trust-region loop, each with its step strategy. */
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

  /** @internal The subclass' step strategy for a batch. */
  protected abstract strategy(batch: number, options: ResolvedOptions): Strategy;

  /** Solves every batch element; never modifies the variables (read the solution from the result). */
  solve(): SolveResult {
    return this.#solve(this.#options);
  }

  /**
   * @internal solve() without the final observability check: the
   * differentiable layer factors the system at the solution itself (and
   * reports a singular one in its info).
   */
  solveUnchecked(): SolveResult {
    return this.#solve({ ...this.#options, checkObservability: false });
  }

  #solve(options: ResolvedOptions): SolveResult {
    const start = performance.now();
    const { program: objective } = this.objective;
    const report = reporter(options, objective.batch);
    const threads = options.linearSolver.threads ?? Math.min(os.availableParallelism(), objective.batch);
    if (objective.batch >= 2 && threads >= 2 && objective.batch * objective.nnz >= MIN_OVERLAP_ENTRIES && !cudaAvailability().available) {
      // Two halves, each with half the threads.
      const half = Math.floor(objective.batch / 2);
      const parts = [objective.elementRange(0, half), objective.elementRange(half, objective.batch)];
      const reports = partReporters([parts[0]!.batch, parts[1]!.batch], report);
      const handles: LinearSystem[] = [];
      try {
        for (const part of parts) handles.push(this.#normalEquations(part, Math.max(1, Math.floor(threads / 2))));
        const loops = parts.map((part, i) => minimize(part, this.strategy(part.batch, options), options, handles[i]!, start, reports[i]!));
        return SolveResult.concat(objective, runPipelined(loops, handles), (performance.now() - start) / 1e3);
      } finally {
        disposeAll(handles);
      }
    }
    return this.#solveOnOneSystem(start, report, undefined, options);
  }

  /**
   * @internal solve() on one linear system (the same result), every
   * iteration's decisions to `recorder`: the differentiable layer's
   * unrolled backward replays them.
   */
  solveRecorded(recorder: (r: IterationRecord) => void): SolveResult {
    return this.#solveOnOneSystem(performance.now(), reporter(this.#options, this.objective.batch), recorder);
  }

  /** @internal The options as resolved (defaults filled in). */
  get resolvedOptions(): ResolvedOptions {
    return this.#options;
  }

  #solveOnOneSystem(
    start: number,
    report: (r: IterationReport) => void,
    recorder?: (r: IterationRecord) => void,
    options: ResolvedOptions = this.#options,
  ): SolveResult {
    const { program } = this.objective;
    const ne = this.#normalEquations(program, options.linearSolver.threads);
    try {
      return runSync(minimize(program, this.strategy(program.batch, options), options, ne, start, report, recorder), ne);
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
    const { program } = this.objective;
    const ne = this.#normalEquations(program, this.#options.linearSolver.threads);
    const report = reporter(this.#options, program.batch);
    try {
      return await runAsync(minimize(program, this.strategy(program.batch, this.#options), this.#options, ne, start, report), ne, signal);
    } finally {
      ne.dispose();
    }
  }

  // The symbolic analysis runs in the background while the loop evaluates the initial point.
  #normalEquations(objective: Program, threads: number | undefined): LinearSystem {
    const { kind } = this.#options.linearSolver;
    const { minDiagonal, maxDiagonal } = this.#options.trustRegion;
    return new LinearSystem(objective.pattern, objective.batch, { kind, threads, minDiagonal, maxDiagonal, background: true }, this.#fn);
  }
}

/** Disposes every handle, even when one throws (the first error is rethrown after). */
function disposeAll(handles: readonly LinearSystem[]): void {
  let failure: unknown;
  for (const ne of handles) {
    try {
      ne.dispose();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}
