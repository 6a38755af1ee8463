/**
 * The drivers of a loop that asks for linear algebra: the optimisers' loop
 * (the optimisers' minimiser) is a generator that yields its linearize, factor,
 * solve and step requests, so that one loop body serves the synchronous
 * driver, the asynchronous one (which awaits the *Async calls and leaves the
 * event loop free between them) and the pipelined one (several loops, each
 * with its own system, whose native work overlaps the others' JavaScript).
 */
import type { DeferredCall, LinearizeResult, StepBuffers } from '../native/binding.js';
import type { DampingMode, LinearReply, LinearSystem } from './linear-system.js';

/** A linear-algebra call; `out` arrays (reused across iterations) receive the results of the synchronous calls. */
export type LinearRequest =
  | { op: 'linearize'; jValues: Float64Array; residuals: Float64Array; active: Uint8Array; out: LinearizeResult }
  | { op: 'factor'; lambda: Float64Array; mode: DampingMode }
  | { op: 'solve'; rhs: Float64Array; out: Float64Array; k?: number }
  | { op: 'step'; jValues: Float64Array; residuals: Float64Array; active: Uint8Array; lambda: Float64Array; mode: DampingMode; out: StepBuffers };
export type { LinearReply };
/** A loop that yields linear-algebra requests and returns T. */
export type LinearSteps<T> = Generator<LinearRequest, T, LinearReply>;

/** Runs the loop with the synchronous calls. */
export function runSync<T>(steps: LinearSteps<T>, system: LinearSystem): T {
  let reply: LinearReply | undefined;
  for (;;) {
    const next = steps.next(reply!);
    if (next.done) return next.value;
    const r = next.value;
    try {
      if (r.op === 'linearize') reply = system.linearize(r.jValues, r.residuals, r.active, r.out);
      else if (r.op === 'factor') reply = system.factor(r.lambda, r.mode);
      else if (r.op === 'solve') reply = system.solve(r.rhs, r.k ?? 1, r.out);
      else reply = system.step(r.jValues, r.residuals, r.active, r.lambda, r.mode, r.out);
    } catch (error) {
      close(steps);
      throw error;
    }
  }
}

/** Ends a loop suspended at a request that failed, so that its cleanup runs (its own errors are not the one to report). */
function close<T>(steps: LinearSteps<T>): void {
  try {
    steps.return(undefined as T);
  } catch {
    // the request's error propagates
  }
}

/**
 * Runs several loops, each with its own system, so that their work
 * overlaps: each loop's calls run on a thread of their own (begin) while
 * the other loops' JavaScript runs; a loop's call is waited for (end) when
 * it is that loop's turn again. Returns the loops' results in order.
 */
export function runPipelined<T>(loops: readonly LinearSteps<T>[], systems: readonly LinearSystem[]): T[] {
  const results: (T | undefined)[] = loops.map(() => undefined);
  const pending = loops.map(() => false);
  const done = loops.map(() => false);
  const deferred = (r: LinearRequest): DeferredCall => {
    if (r.op === 'linearize') return ['linearize', r.jValues, r.residuals, r.active, r.out];
    if (r.op === 'factor') return ['factor', r.lambda, r.mode];
    if (r.op === 'solve') return ['solve', r.rhs, r.k ?? 1, r.out];
    return ['step', r.jValues, r.residuals, r.active, r.lambda, r.mode, r.out];
  };
  const advance = (i: number, reply: LinearReply | undefined) => {
    const next = loops[i]!.next(reply!);
    if (next.done) {
      results[i] = next.value;
      done[i] = true;
      return;
    }
    systems[i]!.begin([deferred(next.value)]);
    pending[i] = true;
  };
  try {
    loops.forEach((_, i) => advance(i, undefined));
    while (pending.includes(true)) {
      for (let i = 0; i < loops.length; i++) {
        if (!pending[i]) continue;
        pending[i] = false;
        advance(i, systems[i]!.end()[0]);
      }
    }
  } finally {
    // A loop that threw leaves the others' calls running: wait for them
    // before the systems go (their own errors are not the one to report).
    pending.forEach((p, i) => {
      try {
        if (p) systems[i]!.end();
      } catch {
        // the error that stopped the loops propagates
      }
    });
    // Then the loops left suspended end, so that their cleanup runs (a loop that threw has ended).
    loops.forEach((loop, i) => {
      if (!done[i]) close(loop);
    });
  }
  return results as T[];
}

/** Runs the loop with the asynchronous calls; checks `signal` between them. */
export async function runAsync<T>(steps: LinearSteps<T>, system: LinearSystem, signal?: AbortSignal): Promise<T> {
  let reply: LinearReply | undefined;
  for (;;) {
    if (signal?.aborted) close(steps);
    signal?.throwIfAborted();
    const next = steps.next(reply!);
    if (next.done) return next.value;
    const r = next.value;
    try {
      if (r.op === 'linearize') reply = await system.linearizeAsync(r.jValues, r.residuals, r.active);
      else if (r.op === 'factor') reply = await system.factorAsync(r.lambda, r.mode);
      else if (r.op === 'solve') reply = await system.solveAsync(r.rhs, r.k ?? 1);
      else reply = await system.stepAsync(r.jValues, r.residuals, r.active, r.lambda, r.mode);
    } catch (error) {
      close(steps);
      throw error;
    }
  }
}
