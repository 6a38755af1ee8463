/**
 * The trust-region loop shared by Gauss-Newton, Levenberg-Marquardt and
 * Dogleg, run for B batch elements at once with per-element state: each
 * element has its own damping or radius, accepts or rejects its own steps,
 * and stops on its own; stopped elements are frozen (left out of the
 * linearisation, factorisation and evaluation) while the others go on.
 *
 * Per iteration, for the running elements: a strategy computes the step y in
 * Jacobi-scaled coordinates (δ = S·y); the candidate x ⊕ δ is evaluated; the
 * step quality is ρ = (cost − cost′) / model, with the model decrease
 * −(J y)ᵀ(r + J y / 2) (Ceres' TrustRegionMinimizer). Termination follows
 * Ceres: |cost − cost′| ≤ ftol·cost, ‖δ‖ ≤ ptol·(‖x‖ + ptol), ‖Jᵀr‖∞ ≤ gtol,
 * the iteration limit (linear solves, accepted and rejected).
 *
 * The loop is a generator that yields the native linear-algebra calls, so
 * that one body serves the synchronous driver and the asynchronous one (which
 * awaits the *Async calls and leaves the event loop free between them).
 */
import type { Evaluation, Objective, State } from '../core/objective.js';
import { NormalEquations, uncheckedNative, type DampingMode } from '../linear/normal-equations.js';
import type { DeferredCall, FactorResult, LinearizeResult, NativeNormalEquations, StepBuffers, StepResult } from '../linear/normal-equations.js';
import type { ResolvedOptions } from './options.js';
import { SolveResult, type SolveStatus } from './result.js';

/** A native call; `out` arrays (reused across iterations) receive the results of the synchronous calls. */
export type NativeRequest =
  | { op: 'linearize'; jValues: Float64Array; residuals: Float64Array; active: Uint8Array; out: LinearizeResult }
  | { op: 'factor'; lambda: Float64Array; mode: DampingMode }
  | { op: 'solve'; rhs: Float64Array; out: Float64Array }
  | { op: 'step'; jValues: Float64Array; residuals: Float64Array; active: Uint8Array; lambda: Float64Array; mode: DampingMode; out: StepBuffers };
export type NativeReply = LinearizeResult | FactorResult | Float64Array | StepResult;
export type NativeSteps<T> = Generator<NativeRequest, T, NativeReply>;

/** What a strategy sees: the batch, the scaled gradient G = S·Jᵀr at each element's x, and J·v. */
export interface StepContext {
  batch: number;
  n: number;
  running: Uint8Array;
  gradient: Float64Array;
  /** J·v with each element's current (scaled) Jacobian (valid until the next call). */
  jv(v: Float64Array): Float64Array;
  /** y = −A⁻¹ G with the last factor, for all elements (valid until the next call). */
  newtonStep(): NativeSteps<Float64Array>;
  /** Re-forms A for the given elements (their J and r are unchanged), so that the next factor covers only them. */
  relinearize(active: Uint8Array): NativeSteps<void>;
  /**
   * The Newton step y = −(A + λD)⁻¹G with this damping: the one computed
   * with the last linearisation (when the strategy planned this factor,
   * plannedFactor, and that linearisation covered every running element),
   * else factored and solved now.
   */
  dampedNewtonStep(factor: { lambda: Float64Array; mode: DampingMode }): NativeSteps<StepOutput>;
}

export interface StepOutput {
  /** B·n scaled steps (only running, valid elements are read). */
  y: Float64Array;
  /** J·y, when the strategy has it (else the loop computes it). */
  jy?: Float64Array;
  /** B: 1 where the step could be computed. */
  valid: Uint8Array;
  /** B: why a step could not be computed. */
  reason: (string | null)[];
}

export interface Strategy {
  /** Accept every finite step (Gauss-Newton) instead of judging its quality. */
  readonly acceptAll: boolean;
  /** Whether element b must have A re-formed before the next step although its x did not change. */
  needsRefactor(b: number): boolean;
  /**
   * The damping of the next factorisation when it is known before the
   * linearisation (which then goes to the native side with that factor and
   * the Newton step as one call; see StepContext.dampedNewtonStep).
   */
  plannedFactor?(): { lambda: Float64Array; mode: DampingMode };
  step(ctx: StepContext): NativeSteps<StepOutput>;
  accepted(b: number, quality: number, stepNorm: number): void;
  rejected(b: number): void;
  /** A step that could not be computed: a reason to fail the element, or null to go on (e.g. more damping). */
  invalid(b: number, reason: string | null): string | null;
  /** Whether element b's trust region has shrunk below its minimum (converged). */
  exhausted(b: number): boolean;
  /** The trust-region radius of element b, for the iteration table. */
  radius(b: number): number;
}

/** What the loop reports after each iteration (iteration 0: the start); the arrays are the loop's own, valid during the call. */
export interface IterationReport {
  iteration: number;
  /** Per element: cost, whether still running, ‖Jᵀr‖∞, ‖δ‖ and ρ of the last step, trust region radius. */
  cost: Float64Array;
  running: Uint8Array;
  gradientNorm: Float64Array;
  stepNorm: Float64Array;
  quality: Float64Array;
  radius: Float64Array;
  seconds: number;
}

const MIN_RELATIVE_DECREASE = 1e-3;

/** The loop: returns the result once every element has stopped; `report` is called after every iteration. */
export function* minimize(
  objective: Objective,
  strategy: Strategy,
  options: ResolvedOptions,
  ne: NormalEquations,
  start: number,
  report: (r: IterationReport) => void,
): NativeSteps<SolveResult> {
  const B = objective.batch;
  const { n, m } = objective;
  const nnz = objective.nnz;
  const cols = objective.pattern.cols;
  const native = uncheckedNative(ne);
  // Outputs of the native calls, reused: a fresh array of B·n numbers per call costs its page faults.
  const jvOut = new Float64Array(B * m);
  const jv = (v: Float64Array) => native.jv(v, jvOut);
  const linearizeOut: LinearizeResult = { gradient: new Float64Array(B * n), squaredNorm: new Float64Array(B) };
  const negatedGradient = new Float64Array(B * n);
  const stepOut = new Float64Array(B * n);

  const status: (SolveStatus | null)[] = new Array<SolveStatus | null>(B).fill(null);
  const reason: string[] = new Array<string>(B).fill('');
  const iterations = new Int32Array(B);
  const history: number[][] = Array.from({ length: B }, () => []);
  const stop = (b: number, s: SolveStatus, why: string) => {
    status[b] = s;
    reason[b] = why;
  };

  let x: State = objective.initialState();
  let candidate: State = x.map((v) => new Float64Array(v.length));
  // The current point's evaluation, and the candidates'; they swap roles when steps are accepted.
  const current = objective.evaluate(x, { residuals: true, jacobians: true });
  let next: Evaluation = { cost: new Float64Array(B), variableCost: new Float64Array(B), finite: new Uint8Array(B) };
  let jCur = current.jValues!;
  let rCur = current.residuals!;
  // The reported cost, and the part the loop compares (without the constant
  // cost of instances on constant elements only, as Ceres' fixed cost: the
  // path does not depend on them).
  const cost = current.cost.slice();
  const variable = current.variableCost.slice();
  const initialCost = cost.slice();
  const bestCost = cost.slice();
  const bestVariable = variable.slice();
  const monotone = !strategy.acceptAll;
  const best: State = monotone ? x : x.map((v) => v.slice());
  for (let b = 0; b < B; b++) {
    history[b]!.push(cost[b]!);
    if (!current.finite[b]) stop(b, 'failed', 'non-finite residual or Jacobian at the initial values');
  }

  // Jacobi scaling, from the Jacobian at the initial point (as Ceres).
  const scale = new Float64Array(B * n).fill(1);
  if (options.jacobiScaling) {
    for (let b = 0; b < B; b++) {
      const sq = scale.subarray(b * n, (b + 1) * n).fill(0);
      const j = jCur.subarray(b * nnz, (b + 1) * nnz);
      for (let k = 0; k < nnz; k++) sq[cols[k]!]! += j[k]! * j[k]!;
      for (let c = 0; c < n; c++) sq[c] = 1 / (1 + Math.sqrt(sq[c]!));
    }
  }
  // The initial J scaled here; the candidates' J are scaled as they are evaluated.
  for (let b = 0; b < B; b++) {
    const s = scale.subarray(b * n, (b + 1) * n);
    for (let k = 0; k < nnz; k++) jCur[b * nnz + k]! *= s[cols[k]!]!;
  }

  const running = new Uint8Array(B);
  const refresh = () => {
    let count = 0;
    for (let b = 0; b < B; b++) {
      running[b] = status[b] === null ? 1 : 0;
      count += running[b]!;
    }
    return count;
  };
  const gradient = new Float64Array(B * n);
  const gradientNorm = new Float64Array(B);
  // The planned factor and step of the last linearisation (plannedFactor), with its elements.
  const stepBuffers: StepBuffers = { ...linearizeOut, step: new Float64Array(B * n), jy: jvOut };
  let planned: { ok: Uint8Array; reason: (string | null)[]; y: Float64Array; jy: Float64Array; active: Uint8Array } | undefined;
  function* linearize(active: Uint8Array, plan: boolean): NativeSteps<void> {
    const factor = plan ? strategy.plannedFactor?.() : undefined;
    let lin: LinearizeResult;
    planned = undefined;
    if (factor === undefined) {
      lin = (yield { op: 'linearize', jValues: jCur, residuals: rCur, active, out: linearizeOut }) as LinearizeResult;
    } else {
      const step = (yield { op: 'step', jValues: jCur, residuals: rCur, active, ...factor, out: stepBuffers }) as StepResult;
      lin = step;
      planned = { ok: step.ok, reason: step.reason, y: step.step, jy: step.jy, active: active.slice() };
    }
    for (let b = 0; b < B; b++) if (active[b]) gradientNorm[b] = takeGradient(lin.gradient, scale, gradient, b * n, (b + 1) * n);
  }
  const ctx: StepContext = {
    batch: B,
    n,
    running,
    gradient,
    jv: (v) => jv(v),
    relinearize: (active) => linearize(active, false),
    *newtonStep() {
      for (let i = 0; i < gradient.length; i++) negatedGradient[i] = -gradient[i]!;
      return (yield { op: 'solve', rhs: negatedGradient, out: stepOut }) as Float64Array;
    },
    *dampedNewtonStep(factor) {
      const p = planned;
      planned = undefined;
      let covered = p !== undefined;
      for (let b = 0; b < B && covered; b++) if (running[b] && !p!.active[b]) covered = false;
      if (covered) return { y: p!.y, jy: p!.jy, valid: p!.ok, reason: p!.reason };
      const { ok, reason } = (yield { op: 'factor', ...factor }) as FactorResult;
      const y = yield* ctx.newtonStep();
      return { y, valid: ok, reason };
    },
  };

  refresh();
  yield* linearize(running, true);
  for (let b = 0; b < B; b++) {
    if (running[b] && gradientNorm[b]! <= options.gradientTolerance) stop(b, 'converged', 'gradient tolerance reached');
    else if (running[b] && options.maxIterations === 0) stop(b, 'iteration-limit', 'iteration limit (0) reached');
  }

  let iteration = 0;
  const stepNorm = new Float64Array(B);
  const delta = new Float64Array(B * n);
  const accepted = new Uint8Array(B);
  const candidates = new Uint8Array(B);
  const quality = new Float64Array(B);
  const radius = new Float64Array(B);
  const reportAt = (seconds: number) => {
    for (let b = 0; b < B; b++) radius[b] = strategy.radius(b);
    refresh();
    report({ iteration, cost, running, gradientNorm, stepNorm, quality, radius, seconds });
  };
  reportAt(0);

  const counted = new Int32Array(B);
  while (refresh() > 0) {
    iteration++;
    counted.set(iterations);
    const { y, jy: stepJy, valid, reason: why } = yield* strategy.step(ctx);
    candidates.fill(0);
    accepted.fill(0);
    quality.fill(0);
    for (let b = 0; b < B; b++) {
      if (!running[b]) continue;
      if (!valid[b]) {
        iterations[b]!++;
        const failure = strategy.invalid(b, why[b] ?? null);
        if (failure !== null) stop(b, 'failed', failure);
        y.fill(0, b * n, (b + 1) * n);
        continue;
      }
      stepNorm[b] = unscaledStep(y, scale, delta, b * n, (b + 1) * n);
      const xNorm = objective.stateNorm(x, b);
      if (stepNorm[b]! <= options.parameterTolerance * (xNorm + options.parameterTolerance)) {
        stop(b, 'converged', 'parameter tolerance reached');
        continue;
      }
      candidates[b] = 1;
    }
    for (let b = 0; b < B; b++) if (!candidates[b]) y.fill(0, b * n, (b + 1) * n);

    if (candidates.some((c) => c === 1)) {
      objective.retract(x, delta, candidate, candidates);
      objective.evaluate(candidate, { residuals: true, jacobians: true, active: candidates, columnScale: options.jacobiScaling ? scale : undefined }, next);
      const jy = stepJy ?? jv(y);
      for (let b = 0; b < B; b++) {
        if (!candidates[b]) continue;
        iterations[b]!++;
        const change = variable[b]! - next.variableCost[b]!;
        const finite = next.finite[b] === 1 && Number.isFinite(next.cost[b]!);
        if (finite && Math.abs(change) <= options.functionTolerance * variable[b]!) {
          stop(b, 'converged', 'function tolerance reached');
          continue;
        }
        const model = modelDecrease(jy, rCur, b * m, (b + 1) * m);
        quality[b] = change / model;
        const success = finite && (strategy.acceptAll || (model > 0 && quality[b]! > MIN_RELATIVE_DECREASE));
        if (success) {
          accepted[b] = 1;
          cost[b] = next.cost[b]!;
          variable[b] = next.variableCost[b]!;
          strategy.accepted(b, quality[b]!, Math.sqrt(dot(y, y, b * n, (b + 1) * n)));
        } else if (!finite && strategy.acceptAll) {
          stop(b, 'failed', 'non-finite residuals at a Gauss-Newton step');
        } else {
          strategy.rejected(b);
        }
      }
      // The accepted candidates become the current points: the other
      // elements' J and r are copied into the candidates' arrays, which then
      // become the current ones (no copy at all when every element accepts).
      if (accepted.some((a) => a === 1)) {
        const jNext = next.jValues!;
        const rNext = next.residuals!;
        for (let b = 0; b < B; b++) {
          if (accepted[b] || status[b] !== null) continue; // stopped elements' J and r are not read again
          jNext.set(jCur.subarray(b * nnz, (b + 1) * nnz), b * nnz);
          rNext.set(rCur.subarray(b * m, (b + 1) * m), b * m);
        }
        next = { cost: next.cost, variableCost: next.variableCost, finite: next.finite, residuals: rCur, jValues: jCur };
        jCur = jNext;
        rCur = rNext;
      }
      for (let vi = 0; vi < x.length; vi++) {
        const per = x[vi]!.length / B;
        for (let b = 0; b < B; b++) if (accepted[b]) x[vi]!.set(candidate[vi]!.subarray(b * per, (b + 1) * per), b * per);
      }
      if (!monotone) {
        for (let b = 0; b < B; b++) {
          if (!accepted[b] || !(variable[b]! < bestVariable[b]!)) continue;
          bestCost[b] = cost[b]!;
          bestVariable[b] = variable[b]!;
          for (let vi = 0; vi < x.length; vi++) {
            const per = x[vi]!.length / B;
            best[vi]!.set(x[vi]!.subarray(b * per, (b + 1) * per), b * per);
          }
        }
      }
    }

    const relinearize = new Uint8Array(B);
    for (let b = 0; b < B; b++) {
      // One cost per counted iteration (an element that stopped in it included): history[b].length = iterations[b] + 1.
      if (iterations[b]! > counted[b]!) history[b]!.push(cost[b]!);
      if (status[b] !== null) continue;
      if (strategy.exhausted(b)) stop(b, 'converged', 'minimum trust region radius reached');
      else if (iterations[b]! >= options.maxIterations) stop(b, 'iteration-limit', `iteration limit (${options.maxIterations}) reached`);
      else if (accepted[b] || strategy.needsRefactor(b)) relinearize[b] = 1;
    }
    if (relinearize.some((r) => r === 1)) yield* linearize(relinearize, true);
    for (let b = 0; b < B; b++) {
      if (status[b] === null && accepted[b] && gradientNorm[b]! <= options.gradientTolerance) stop(b, 'converged', 'gradient tolerance reached');
    }
    if (monotone) for (let b = 0; b < B; b++) bestCost[b] = cost[b]!;

    const seconds = (performance.now() - start) / 1e3;
    reportAt(seconds);
    if (seconds > options.timeLimit) {
      for (let b = 0; b < B; b++) if (status[b] === null) stop(b, 'time-limit', `time limit (${options.timeLimit} s) reached`);
    }
  }

  return new SolveResult({
    objective,
    status: status as SolveStatus[],
    reason,
    iterations,
    initialCost,
    finalCost: cost,
    bestCost,
    history: history.map((h) => Float64Array.from(h)),
    seconds: (performance.now() - start) / 1e3,
    solution: x,
    best,
  });
}

/** x in exponent notation with two exponent digits, as C's printf (1.00e+04). */
function exponential(x: number, digits: number): string {
  return x.toExponential(digits).replace(/e([+-])(\d)$/, 'e$10$2');
}

// The loops over n or m numbers live in small functions: each gets its own
// type feedback and optimised code (inside the long generator they would be
// compiled with the rest and deoptimised as later loops are first reached).

/** G = Jᵀr (scaled) into `gradient` over [begin, end); returns ‖S⁻¹G‖∞ = ‖Jᵀr‖∞ of the unscaled problem. */
function takeGradient(g: Float64Array, scale: Float64Array, gradient: Float64Array, begin: number, end: number): number {
  let max = 0;
  for (let c = begin; c < end; c++) {
    gradient[c] = g[c]!;
    max = Math.max(max, Math.abs(g[c]! / scale[c]!));
  }
  return max;
}

/** δ = S·y over [begin, end); returns ‖δ‖. */
function unscaledStep(y: Float64Array, scale: Float64Array, delta: Float64Array, begin: number, end: number): number {
  let sum = 0;
  for (let c = begin; c < end; c++) {
    delta[c] = y[c]! * scale[c]!;
    sum += delta[c]! * delta[c]!;
  }
  return Math.sqrt(sum);
}

/** The model's decrease −(J y)ᵀ(r + J y / 2) over rows [begin, end). */
function modelDecrease(jy: Float64Array, r: Float64Array, begin: number, end: number): number {
  let model = 0;
  for (let i = begin; i < end; i++) model -= jy[i]! * (r[i]! + 0.5 * jy[i]!);
  return model;
}

function dot(a: Float64Array, b: Float64Array, begin: number, end: number): number {
  let sum = 0;
  for (let i = begin; i < end; i++) sum += a[i]! * b[i]!;
  return sum;
}

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

/** The reports of a solve: the iteration table of `verbose` and `onIteration`. */
export function reporter(options: ResolvedOptions, batch: number): (r: IterationReport) => void {
  const table = options.log ? new IterationTable(options.log, batch) : undefined;
  const onIteration = options.onIteration;
  return (r) => {
    table?.row(r);
    if (r.iteration > 0 && onIteration) {
      let running = 0;
      for (let b = 0; b < r.running.length; b++) running += r.running[b]!;
      onIteration({ iteration: r.iteration, cost: r.cost.slice(), running, seconds: r.seconds });
    }
  };
}

/**
 * Whole-batch reports from the loops of consecutive parts of a batch (of the
 * given sizes) run side by side: iteration k is reported once every part has
 * reported it or stopped (a stopped part's last values stand for it).
 */
export function partReporters(sizes: readonly number[], report: (r: IterationReport) => void): ((r: IterationReport) => void)[] {
  const B = sizes.reduce((s, x) => s + x, 0);
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((s, x) => s + x, 0));
  const keys = ['cost', 'running', 'gradientNorm', 'stepNorm', 'quality', 'radius'] as const;
  const whole = {
    cost: new Float64Array(B),
    running: new Uint8Array(B),
    gradientNorm: new Float64Array(B),
    stepNorm: new Float64Array(B),
    quality: new Float64Array(B),
    radius: new Float64Array(B),
  };
  const queues: IterationReport[][] = sizes.map(() => []);
  const last: (IterationReport | undefined)[] = sizes.map(() => undefined);
  const stopped = (i: number) => last[i] !== undefined && !last[i]!.running.includes(1);
  let next = 0;
  const flush = () => {
    for (;;) {
      // Ready when every part has reported `next` or stopped, and one has news.
      let news = false;
      for (let i = 0; i < sizes.length; i++) {
        if (queues[i]![0]?.iteration === next) news = true;
        else if (!stopped(i)) return;
      }
      if (!news) return;
      let seconds = 0;
      for (let i = 0; i < sizes.length; i++) {
        if (queues[i]![0]?.iteration === next) last[i] = queues[i]!.shift()!;
        seconds = Math.max(seconds, last[i]!.seconds);
        for (const key of keys) whole[key].set(last[i]![key], offsets[i]);
      }
      report({ iteration: next++, ...whole, seconds });
    }
  };
  return sizes.map((_, i) => (r: IterationReport) => {
    // A copy: the loop reuses its arrays.
    const copy = { ...r, ...Object.fromEntries(keys.map((key) => [key, r[key].slice()])) } as IterationReport;
    queues[i]!.push(copy);
    flush();
  });
}

/** The iteration table of `verbose`: Ceres' columns for one problem, a summary row for a batch. */
class IterationTable {
  readonly #log: (line: string) => void;
  readonly #batch: number;
  #previous: number | undefined;

  constructor(log: (line: string) => void, batch: number) {
    this.#log = log;
    this.#batch = batch;
    log(
      batch === 1
        ? 'iter      cost      cost_change  |gradient|   |step|    tr_ratio  tr_radius  total_time'
        : 'iter  running   mean cost     max cost   max |gradient|  total_time',
    );
  }

  row({ iteration, cost, running, gradientNorm, stepNorm, quality, radius, seconds }: IterationReport): void {
    const e = (v: number) => exponential(v, 2).padStart(10);
    if (this.#batch === 1) {
      const change = this.#previous === undefined ? 0 : this.#previous - cost[0]!;
      this.#previous = cost[0]!;
      const step = iteration === 0 ? 0 : stepNorm[0]!;
      const ratio = iteration === 0 ? 0 : quality[0]!;
      this.#log(
        `${String(iteration).padStart(4)}  ${exponential(cost[0]!, 6).padStart(13)}  ${e(change)}  ${e(gradientNorm[0]!)}  ${e(step)}  ${e(ratio)}  ${e(radius[0]!)}  ${e(seconds)}`,
      );
      return;
    }
    let sum = 0;
    let max = 0;
    let gmax = 0;
    let count = 0;
    for (let b = 0; b < cost.length; b++) {
      sum += cost[b]!;
      max = Math.max(max, cost[b]!);
      if (running[b]) {
        count++;
        gmax = Math.max(gmax, gradientNorm[b]!);
      }
    }
    this.#log(`${String(iteration).padStart(4)}  ${String(count).padStart(7)}  ${e(sum / cost.length)}  ${e(max)}  ${e(gmax)}      ${e(seconds)}`);
  }
}
