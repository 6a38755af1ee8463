/**
 * The drivers of a loop that asks for linear algebra: the optimisers' loop
 * (lib/optim/minimizer.ts) is a generator that yields its linearize, factor,
 * solve and step requests, so that one loop body serves the synchronous
 * driver, the asynchronous one (which awaits the *Async calls and leaves the
 * event loop free between them) and the pipelined one (several loops, each
 * with its own handle, whose native work overlaps the others' JavaScript).
 */
import {
  uncheckedNative,
  type DampingMode,
  type DeferredCall,
  type FactorResult,
  type LinearizeResult,
  type NativeNormalEquations,
  type NormalEquations,
  type StepBuffers,
  type StepResult,
} from './normal-equations.js';

/** A linear-algebra call; `out` arrays (reused across iterations) receive the results of the synchronous calls. */
export type NativeRequest =
  | { op: 'linearize'; jValues: Float64Array; residuals: Float64Array; active: Uint8Array; out: LinearizeResult }
  | { op: 'factor'; lambda: Float64Array; mode: DampingMode }
  | { op: 'solve'; rhs: Float64Array; out: Float64Array }
  | { op: 'step'; jValues: Float64Array; residuals: Float64Array; active: Uint8Array; lambda: Float64Array; mode: DampingMode; out: StepBuffers };
export type NativeReply = LinearizeResult | FactorResult | Float64Array | StepResult;
export type NativeSteps<T> = Generator<NativeRequest, T, NativeReply>;

/** Runs the loop with the synchronous native calls. */
export function runSync<T>(steps: NativeSteps<T>, handle: NormalEquations): T {
  const ne = uncheckedNative(handle);
  let reply: NativeReply | undefined;
  for (;;) {
    const next = steps.next(reply!);
    if (next.done) return next.value;
    const r = next.value;
    if (r.op === 'linearize') reply = ne.linearize(r.jValues, r.residuals, r.active, r.out);
    else if (r.op === 'factor') reply = ne.factor(r.lambda, r.mode);
    else if (r.op === 'solve') reply = ne.solve(r.rhs, 1, r.out);
    else reply = ne.step(r.jValues, r.residuals, r.active, r.lambda, r.mode, r.out);
  }
}

/**
 * Runs several loops, each with its own handle, so that their work
 * overlaps: each loop's native calls run on a thread of their own (begin)
 * while the other loops' JavaScript runs; a loop's call is waited for (end)
 * when it is that loop's turn again. Returns the loops' results in order.
 */
export function runPipelined<T>(loops: readonly NativeSteps<T>[], handles: readonly NormalEquations[]): T[] {
  const ne = handles.map(uncheckedNative);
  const results: (T | undefined)[] = loops.map(() => undefined);
  const pending = loops.map(() => false);
  const deferred = (r: NativeRequest): DeferredCall => {
    if (r.op === 'linearize') return ['linearize', r.jValues, r.residuals, r.active, r.out];
    if (r.op === 'factor') return ['factor', r.lambda, r.mode];
    if (r.op === 'solve') return ['solve', r.rhs, 1, r.out];
    return ['step', r.jValues, r.residuals, r.active, r.lambda, r.mode, r.out];
  };
  const advance = (i: number, reply: NativeReply | undefined) => {
    const next = loops[i]!.next(reply!);
    if (next.done) {
      results[i] = next.value;
      return;
    }
    ne[i]!.begin([deferred(next.value)]);
    pending[i] = true;
  };
  try {
    loops.forEach((_, i) => advance(i, undefined));
    while (pending.includes(true)) {
      for (let i = 0; i < loops.length; i++) {
        if (!pending[i]) continue;
        pending[i] = false;
        advance(i, ne[i]!.end()[0]);
      }
    }
  } finally {
    // A loop that threw leaves the others' calls running: wait for them
    // before the handles go (their own errors are not the one to report).
    pending.forEach((p, i) => {
      try {
        if (p) ne[i]!.end();
      } catch {
        // the error that stopped the loops propagates
      }
    });
  }
  return results as T[];
}

/** Runs the loop with the asynchronous native calls (step as linearize, factor, solve); checks `signal` between them. */
export async function runAsync<T>(steps: NativeSteps<T>, handle: NormalEquations, signal?: AbortSignal): Promise<T> {
  const ne = uncheckedNative(handle);
  let reply: NativeReply | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const next = steps.next(reply!);
    if (next.done) return next.value;
    const r = next.value;
    if (r.op === 'linearize') {
      reply = await ne.linearizeAsync(r.jValues, r.residuals, r.active);
    } else if (r.op === 'factor') {
      reply = await ne.factorAsync(r.lambda, r.mode);
    } else if (r.op === 'solve') {
      reply = await ne.solveAsync(r.rhs);
    } else {
      const { gradient, squaredNorm } = await ne.linearizeAsync(r.jValues, r.residuals, r.active);
      signal?.throwIfAborted();
      const { ok, reason } = await ne.factorAsync(r.lambda, r.mode);
      signal?.throwIfAborted();
      const step = await ne.solveAsync(gradient);
      reply = { gradient, squaredNorm, step, jy: newtonJy(ne, step, ok, r.active), ok, reason };
    }
  }
}

/**
 * `step`'s Newton step and J·y from a solve's A⁻¹g (negated in place), for the
 * drivers that call linearize, factor and solve one by one: elements not
 * factored (NaN steps) or not active get NaN in J·y, as `step` gives them.
 */
function newtonJy(ne: NativeNormalEquations, step: Float64Array, ok: Uint8Array, active: Uint8Array): Float64Array {
  const B = ok.length;
  const n = step.length / B;
  const finite = new Float64Array(step.length);
  for (let i = 0; i < step.length; i++) {
    step[i] = -step[i]!;
    finite[i] = Number.isFinite(step[i]!) ? step[i]! : 0;
  }
  const jy = ne.jv(finite);
  const m = jy.length / B;
  for (let b = 0; b < B; b++) {
    if (!ok[b] || !active[b]) {
      step.fill(NaN, b * n, (b + 1) * n);
      jy.fill(NaN, b * m, (b + 1) * m);
    }
  }
  return jy;
}
