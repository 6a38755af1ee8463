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
import type { FactorResult, LinearizeResult } from '../native/binding.js';
import type { ResolvedOptions } from './options.js';
import { SolveResult, type SolveStatus } from './result.js';

/** A native call; `out` arrays (reused across iterations) receive the results of the synchronous calls. */
export type NativeRequest =
  | { op: 'linearize'; jValues: Float64Array; residuals: Float64Array; active: Uint8Array; out: LinearizeResult }
  | { op: 'factor'; lambda: Float64Array; mode: DampingMode }
  | { op: 'solve'; rhs: Float64Array; out: Float64Array };
export type NativeReply = LinearizeResult | FactorResult | Float64Array;
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
}

export interface StepOutput {
  /** B·n scaled steps (only running, valid elements are read). */
  y: Float64Array;
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

const MIN_RELATIVE_DECREASE = 1e-3;

/** The loop: returns the result once every element has stopped. */
export function* minimize(objective: Objective, strategy: Strategy, options: ResolvedOptions, ne: NormalEquations, start: number): NativeSteps<SolveResult> {
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
  let next: Evaluation = { cost: new Float64Array(B), finite: new Uint8Array(B) };
  let jCur = current.jValues!;
  let rCur = current.residuals!;
  const cost = current.cost.slice();
  const initialCost = cost.slice();
  const bestCost = cost.slice();
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
  function* linearize(active: Uint8Array): NativeSteps<void> {
    const lin = (yield { op: 'linearize', jValues: jCur, residuals: rCur, active, out: linearizeOut }) as LinearizeResult;
    for (let b = 0; b < B; b++) if (active[b]) gradientNorm[b] = takeGradient(lin.gradient, scale, gradient, b * n, (b + 1) * n);
  }
  const ctx: StepContext = {
    batch: B,
    n,
    running,
    gradient,
    jv: (v) => jv(v),
    relinearize: linearize,
    *newtonStep() {
      for (let i = 0; i < gradient.length; i++) negatedGradient[i] = -gradient[i]!;
      return (yield { op: 'solve', rhs: negatedGradient, out: stepOut }) as Float64Array;
    },
  };

  refresh();
  yield* linearize(running);
  for (let b = 0; b < B; b++) {
    if (running[b] && gradientNorm[b]! <= options.gradientTolerance) stop(b, 'converged', 'gradient tolerance reached');
    else if (running[b] && options.maxIterations === 0) stop(b, 'iteration-limit', 'iteration limit (0) reached');
  }

  const table = options.log ? new IterationTable(options.log, B) : undefined;
  table?.row(0, cost, running, gradientNorm, undefined, undefined, strategy, 0);
  let iteration = 0;
  const stepNorm = new Float64Array(B);
  const delta = new Float64Array(B * n);
  const accepted = new Uint8Array(B);
  const candidates = new Uint8Array(B);
  const quality = new Float64Array(B);

  const counted = new Int32Array(B);
  while (refresh() > 0) {
    iteration++;
    counted.set(iterations);
    const { y, valid, reason: why } = yield* strategy.step(ctx);
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
      const jy = jv(y);
      for (let b = 0; b < B; b++) {
        if (!candidates[b]) continue;
        iterations[b]!++;
        const change = cost[b]! - next.cost[b]!;
        const finite = next.finite[b] === 1 && Number.isFinite(next.cost[b]!);
        if (finite && Math.abs(change) <= options.functionTolerance * cost[b]!) {
          stop(b, 'converged', 'function tolerance reached');
          continue;
        }
        const model = modelDecrease(jy, rCur, b * m, (b + 1) * m);
        quality[b] = change / model;
        const success = finite && (strategy.acceptAll || (model > 0 && quality[b]! > MIN_RELATIVE_DECREASE));
        if (success) {
          accepted[b] = 1;
          cost[b] = next.cost[b]!;
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
        next = { cost: next.cost, finite: next.finite, residuals: rCur, jValues: jCur };
        jCur = jNext;
        rCur = rNext;
      }
      for (let vi = 0; vi < x.length; vi++) {
        const per = x[vi]!.length / B;
        for (let b = 0; b < B; b++) if (accepted[b]) x[vi]!.set(candidate[vi]!.subarray(b * per, (b + 1) * per), b * per);
      }
      if (!monotone) {
        for (let b = 0; b < B; b++) {
          if (!accepted[b] || !(cost[b]! < bestCost[b]!)) continue;
          bestCost[b] = cost[b]!;
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
    if (relinearize.some((r) => r === 1)) yield* linearize(relinearize);
    for (let b = 0; b < B; b++) {
      if (status[b] === null && accepted[b] && gradientNorm[b]! <= options.gradientTolerance) stop(b, 'converged', 'gradient tolerance reached');
    }
    if (monotone) for (let b = 0; b < B; b++) bestCost[b] = cost[b]!;

    const seconds = (performance.now() - start) / 1e3;
    table?.row(iteration, cost, running, gradientNorm, stepNorm, quality, strategy, seconds);
    options.onIteration?.({ iteration, cost: cost.slice(), running: refresh(), seconds });
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
    const next = steps.next(reply as NativeReply);
    if (next.done) return next.value;
    const request = next.value;
    if (request.op === 'linearize') reply = ne.linearize(request.jValues, request.residuals, request.active, request.out);
    else if (request.op === 'factor') reply = ne.factor(request.lambda, request.mode);
    else reply = ne.solve(request.rhs, 1, request.out);
  }
}

/** Runs the loop with the asynchronous native calls; checks `signal` between them. */
export async function runAsync<T>(steps: NativeSteps<T>, handle: NormalEquations, signal?: AbortSignal): Promise<T> {
  const ne = uncheckedNative(handle);
  let reply: NativeReply | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const next = steps.next(reply as NativeReply);
    if (next.done) return next.value;
    const request = next.value;
    if (request.op === 'linearize') reply = await ne.linearizeAsync(request.jValues, request.residuals, request.active);
    else if (request.op === 'factor') reply = await ne.factorAsync(request.lambda, request.mode);
    else reply = await ne.solveAsync(request.rhs);
  }
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

  row(
    iteration: number,
    cost: Float64Array,
    running: Uint8Array,
    gradientNorm: Float64Array,
    stepNorm: Float64Array | undefined,
    quality: Float64Array | undefined,
    strategy: Strategy,
    seconds: number,
  ): void {
    const e = (v: number) => exponential(v, 2).padStart(10);
    if (this.#batch === 1) {
      const change = this.#previous === undefined ? 0 : this.#previous - cost[0]!;
      this.#previous = cost[0]!;
      this.#log(
        `${String(iteration).padStart(4)}  ${exponential(cost[0]!, 6).padStart(13)}  ${e(change)}  ${e(gradientNorm[0]!)}  ${e(stepNorm?.[0] ?? 0)}  ${e(quality?.[0] ?? 0)}  ${e(strategy.radius(0))}  ${e(seconds)}`,
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
