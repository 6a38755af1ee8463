/**
 * The trust-region loop shared by Gauss-Newton, Levenberg-Marquardt and
 * Dogleg (as Ceres' TrustRegionMinimizer), run for B batch elements at once
 * with per-element state: each element has its own damping or radius,
 * accepts or rejects its own steps, and stops on its own; stopped elements
 * are frozen (left out of the linearisation, factorisation and evaluation)
 * while the others go on.
 *
 * One iteration, in named steps: the strategy computes the step y in
 * Jacobi-scaled coordinates (δ = S·y; computeStep); steps that cannot be
 * taken are handled and the parameter tolerance checked (takeSteps); the
 * candidates x ⊕ δ are evaluated (evaluateCandidates); each is judged by
 * its quality ρ = (cost − cost′) / model, with the model decrease
 * −(J y)ᵀ(r + J y / 2), and accepted or rejected (judgeCandidates,
 * isStepSuccessful); the accepted ones become the current points
 * (moveToCandidates); termination is checked and the moved elements
 * relinearised (endIteration). Termination follows Ceres:
 * |cost − cost′| ≤ ftol·cost, ‖δ‖ ≤ ptol·(‖x‖ + ptol), ‖Jᵀr‖∞ ≤ gtol, the
 * minimum trust region, the iteration limit (linear solves, accepted and
 * rejected). The costs compared leave out the constant cost of instances on
 * constant elements only (Evaluation.variableCost); the reported ones
 * include it.
 *
 * The loop is a generator that yields its linear-algebra calls to a driver
 * (the drivers of the linear layer). A recorder, when given, sees every iteration's
 * decisions (for a backward pass that replays them).
 */
import { solveSymmetricPositive } from '../core/blocks.js';
import { columnSquares } from '../core/pattern.js';
import type { Evaluation, Program, State } from '../core/program.js';
import type { LinearSteps } from '../linear/drivers.js';
import { PIVOT_RATIO, type FactorSnapshot, type LinearSystem } from '../linear/linear-system.js';
import type { DampingMode, FactorResult, LinearizeResult, StepBuffers, StepResult } from '../linear/normal-equations.js';
import type { ResolvedOptions } from './options.js';
import type { IterationReport } from './report.js';
import { SolveResult, type RankDeficiency, type SolveStatus } from './result.js';
import type { StepContext, StepOutput, Strategy } from './strategy.js';

/** One iteration's decisions, per batch element (the loop's own arrays, valid during the call). */
export interface IterationRecord {
  iteration: number;
  /** 1 where the element took a step to a candidate point. */
  candidates: Uint8Array;
  /** 1 where the candidate was accepted. */
  accepted: Uint8Array;
  /** B·n: the step δ (zero where no candidate); x ⊕ δ is the candidate. */
  delta: Float64Array;
  /** The quality ρ of each candidate's step. */
  quality: Float64Array;
  /** The trust-region radius the step was computed with (Levenberg-Marquardt: λ = 1/radius). */
  radius: Float64Array;
  /**
   * The factors of the damped systems this iteration's steps were solved
   * with (scaled: S(A + λD)S), for every element that took a step; the
   * recorder owns them (disposes them, or keeps them for a backward).
   * Undefined on the CUDA backend (no snapshots).
   */
  factors: FactorSnapshot | undefined;
}

/** The loop: returns the result once every element has stopped; `report` is called after every iteration. */
export function* minimize(
  objective: Program,
  strategy: Strategy,
  options: ResolvedOptions,
  system: LinearSystem,
  start: number,
  report: (r: IterationReport) => void,
  recorder?: (r: IterationRecord) => void,
): LinearSteps<SolveResult> {
  // Built when the driver first asks (the initial evaluation then overlaps the other loops' native work).
  return yield* new TrustRegionLoop(objective, strategy, options, system, start, report, recorder).run();
}

/** A planned factor's step from the last linearisation (Strategy.plannedFactor), with the elements it covered. */
interface PlannedStep {
  ok: Uint8Array;
  reason: (string | null)[];
  y: Float64Array;
  jy: Float64Array | undefined;
  active: Uint8Array;
  /** With a recorder: the factors the step was solved with. */
  factors: FactorSnapshot | undefined;
}

class TrustRegionLoop {
  readonly #objective: Program;
  readonly #strategy: Strategy;
  readonly #options: ResolvedOptions;
  readonly #system: LinearSystem;
  readonly #start: number;
  readonly #report: (r: IterationReport) => void;
  readonly #recorder: ((r: IterationRecord) => void) | undefined;
  readonly #B: number;
  readonly #n: number;
  readonly #m: number;
  readonly #monotone: boolean;

  // Outcome per element.
  readonly #status: (SolveStatus | null)[];
  readonly #reason: string[];
  readonly #iterations: Int32Array;
  readonly #counted: Int32Array;
  readonly #history: number[][];

  // The points: x, the candidates, the best seen; their evaluations (current and next swap roles).
  readonly #x: State;
  readonly #candidate: State;
  readonly #best: State;
  #current: Evaluation;
  #next: Evaluation;
  /** Reported costs (all instances), the compared ones (variableCost), and their starts and bests. */
  readonly #cost: Float64Array;
  readonly #variable: Float64Array;
  readonly #initialCost: Float64Array;
  readonly #bestCost: Float64Array;
  readonly #bestVariable: Float64Array;
  /** Jacobi scaling S (B·n), from the Jacobian at the initial point. */
  readonly #scale: Float64Array;

  // The linearisation: G = S·Jᵀr, ‖Jᵀr‖∞, the coordinates held on a bound, and the planned step.
  readonly #gradient: Float64Array;
  readonly #gradientNorm: Float64Array;
  readonly #held: Uint8Array;
  readonly #linearizeOut: LinearizeResult;
  readonly #stepBuffers: StepBuffers;
  readonly #jvOut: Float64Array;
  readonly #negatedGradient: Float64Array;
  readonly #solveOut: Float64Array;
  #planned: PlannedStep | undefined;
  /** With a recorder: the factors this iteration's steps were solved with, handed to it. */
  #stepFactors: FactorSnapshot | undefined;

  // One iteration's decisions.
  #iteration = 0;
  readonly #running: Uint8Array;
  readonly #candidates: Uint8Array;
  readonly #accepted: Uint8Array;
  readonly #stepNorm: Float64Array;
  readonly #delta: Float64Array;
  readonly #quality: Float64Array;
  readonly #radius: Float64Array;
  readonly #stepRadius: Float64Array;
  readonly #context: StepContext;

  constructor(
    objective: Program,
    strategy: Strategy,
    options: ResolvedOptions,
    system: LinearSystem,
    start: number,
    report: (r: IterationReport) => void,
    recorder: ((r: IterationRecord) => void) | undefined,
  ) {
    const B = objective.batch;
    const { n, m } = objective;
    this.#objective = objective;
    this.#strategy = strategy;
    this.#options = options;
    this.#system = system;
    this.#start = start;
    this.#report = report;
    this.#recorder = recorder;
    [this.#B, this.#n, this.#m] = [B, n, m];
    this.#monotone = !strategy.acceptAll;
    this.#status = new Array<SolveStatus | null>(B).fill(null);
    this.#reason = new Array<string>(B).fill('');
    this.#iterations = new Int32Array(B);
    this.#counted = new Int32Array(B);
    this.#history = Array.from({ length: B }, () => []);

    this.#x = objective.initialState();
    this.#candidate = this.#x.map((v) => new Float64Array(v.length));
    this.#best = this.#monotone ? this.#x : this.#x.map((v) => v.slice());
    this.#current = objective.evaluate(this.#x, { residuals: true, jacobians: true });
    this.#next = { cost: new Float64Array(B), variableCost: new Float64Array(B), finite: new Uint8Array(B) };
    this.#cost = this.#current.cost.slice();
    this.#variable = this.#current.variableCost.slice();
    this.#initialCost = this.#cost.slice();
    this.#bestCost = this.#cost.slice();
    this.#bestVariable = this.#variable.slice();
    this.#scale = new Float64Array(B * n).fill(1);

    // Outputs of the native calls, reused: a fresh array of B·n numbers per call costs its page faults.
    this.#gradient = new Float64Array(B * n);
    this.#gradientNorm = new Float64Array(B);
    this.#held = new Uint8Array(B * n);
    this.#linearizeOut = { gradient: new Float64Array(B * n), squaredNorm: new Float64Array(B) };
    this.#jvOut = new Float64Array(B * m);
    this.#stepBuffers = { ...this.#linearizeOut, step: new Float64Array(B * n), jy: this.#jvOut };
    this.#negatedGradient = new Float64Array(B * n);
    this.#solveOut = new Float64Array(B * n);

    this.#running = new Uint8Array(B);
    this.#candidates = new Uint8Array(B);
    this.#accepted = new Uint8Array(B);
    this.#stepNorm = new Float64Array(B);
    this.#delta = new Float64Array(B * n);
    this.#quality = new Float64Array(B);
    this.#radius = new Float64Array(B);
    this.#stepRadius = new Float64Array(B);
    this.#context = this.#stepContext();
  }

  *run(): LinearSteps<SolveResult> {
    try {
      return yield* this.#iterate();
    } finally {
      // A recorder's factors not handed over (the loop ended or threw between taking and handing them).
      this.#dropPlanned();
      this.#stepFactors?.dispose();
      this.#stepFactors = undefined;
    }
  }

  *#iterate(): LinearSteps<SolveResult> {
    yield* this.#iterationZero();
    while (this.#refreshRunning() > 0) {
      this.#iteration++;
      this.#counted.set(this.#iterations);
      if (this.#recorder) for (let b = 0; b < this.#B; b++) this.#stepRadius[b] = this.#strategy.radius(b);
      const step = yield* this.#strategy.step(this.#context);
      if (this.#objective.bounded && this.#strategy.newtonStep) yield* this.#reduceForBounds(step);
      this.#takeSteps(step);
      if (this.#candidates.includes(1)) {
        this.#evaluateCandidates(step);
        this.#judgeCandidates(step);
        this.#moveToCandidates();
      }
      yield* this.#endIteration();
    }
    this.#dropPlanned();
    const rankDeficient = yield* this.#checkObservability();
    return this.#result(rankDeficient);
  }

  /**
   * The undamped A = J̃ᵀJ̃ at each solution (every element that did not
   * fail) factored once: rank-deficient where it cannot be factored or a
   * pivot is ≤ 1e-12 of its diagonal entry (the ratio is the same for the
   * Jacobi-scaled S A S factored here).
   */
  *#checkObservability(): LinearSteps<(RankDeficiency | null | undefined)[]> {
    const B = this.#B;
    const out = new Array<RankDeficiency | null | undefined>(B).fill(undefined);
    if (!this.#options.checkObservability) return out;
    // Not a failed element, nor one whose time is up (the check would take it past its limit).
    const check = Uint8Array.from(this.#status, (s) => (s === 'failed' || s === 'time-limit' ? 0 : 1));
    if (!check.includes(1)) return out;
    const { jValues, residuals } = this.#current;
    // The fused step (λ = 0) factors in the workspace the iterations' steps used; its solve is not read.
    const lambda = new Float64Array(B);
    const factored = (yield {
      op: 'step',
      jValues: jValues!,
      residuals: residuals!,
      active: check,
      lambda,
      mode: 'identity',
      out: this.#stepBuffers,
    }) as StepResult;
    for (let b = 0; b < B; b++) {
      if (!check[b]) continue;
      const ratio = factored.pivotRatio[b]!;
      if (factored.ok[b] && !(ratio <= PIVOT_RATIO)) {
        out[b] = null;
        continue;
      }
      const owner = this.#objective.columnOwner(factored.pivotColumn[b]!);
      const why = factored.ok[b] ? `its pivot is ${ratio.toExponential(1)} of its diagonal entry` : `A could not be factored: ${factored.reason[b]}`;
      const message =
        owner === undefined
          ? `rank-deficient at the solution (${why})`
          : `rank-deficient at the solution: coordinate ${owner.coordinate} of element ${owner.element} of variable '${owner.variable}' is not observable (${why})`;
      out[b] = { ...owner, pivotRatio: factored.ok[b] ? ratio : NaN, message };
    }
    return out;
  }

  #stop(b: number, status: SolveStatus, why: string): void {
    this.#status[b] = status;
    this.#reason[b] = why;
  }

  /** The running elements (not stopped) into #running; their count. */
  #refreshRunning(): number {
    let count = 0;
    for (let b = 0; b < this.#B; b++) {
      this.#running[b] = this.#status[b] === null ? 1 : 0;
      count += this.#running[b]!;
    }
    return count;
  }

  /** The initial point: its cost, the Jacobi scaling, the first linearisation and the tolerances that stop at once. */
  *#iterationZero(): LinearSteps<void> {
    const B = this.#B;
    for (let b = 0; b < B; b++) {
      this.#history[b]!.push(this.#cost[b]!);
      if (!this.#current.finite[b]) {
        const where = this.#current.nonFinite?.[b];
        this.#stop(b, 'failed', `non-finite residual or Jacobian at the initial values${where === undefined ? '' : `: ${where}`}`);
      }
    }
    const cols = this.#objective.pattern.cols;
    if (this.#options.jacobiScaling) jacobiScale(this.#current.jValues!, cols, B, this.#n, this.#scale);
    // The initial J scaled here; the candidates' J are scaled as they are evaluated.
    scaleColumns(this.#current.jValues!, cols, B, this.#n, this.#scale);
    this.#refreshRunning();
    this.#checkDerivatives(this.#x, this.#running);
    this.#refreshRunning();
    yield* this.#linearize(this.#running, true);
    for (let b = 0; b < B; b++) {
      if (!this.#running[b]) continue;
      if (this.#gradientNorm[b]! <= this.#options.gradientTolerance) this.#stop(b, 'converged', 'gradient tolerance reached');
      else if (this.#options.maxIterations === 0) this.#stop(b, 'iteration-limit', 'iteration limit (0) reached');
      else if ((performance.now() - this.#start) / 1e3 >= this.#options.timeLimit)
        this.#stop(b, 'time-limit', `time limit (${this.#options.timeLimit} s) reached before the first step`);
    }
    this.#reportIteration(0);
  }

  /**
   * Linearises the current points of the `active` elements: G and ‖Jᵀr‖∞,
   * and, when `plan` and the strategy knows the next damping, the damped
   * step too (one native call).
   */
  *#linearize(active: Uint8Array, plan: boolean): LinearSteps<void> {
    const factor = plan ? this.#strategy.plannedFactor?.() : undefined;
    const { jValues, residuals } = this.#current;
    let lin: LinearizeResult;
    this.#dropPlanned();
    if (factor !== undefined && this.#recorder && this.#system.snapshots) {
      // A recorder keeps each step's factor: linearize, factor and solve apart (the fused step keeps none).
      yield* this.#linearize(active, false);
      const { ok, reason } = (yield { op: 'factor', ...factor }) as FactorResult;
      const y = (yield* this.#newtonStep()).slice();
      this.#planned = { ok, reason, y, jy: undefined, active: active.slice(), factors: this.#system.snapshot() };
      return;
    }
    if (factor === undefined) {
      lin = (yield { op: 'linearize', jValues: jValues!, residuals: residuals!, active, out: this.#linearizeOut }) as LinearizeResult;
    } else {
      const step = (yield { op: 'step', jValues: jValues!, residuals: residuals!, active, ...factor, out: this.#stepBuffers }) as StepResult;
      lin = step;
      this.#planned = { ok: step.ok, reason: step.reason, y: step.step, jy: step.jy, active: active.slice(), factors: undefined };
    }
    const n = this.#n;
    for (let b = 0; b < this.#B; b++) {
      if (active[b]) this.#gradientNorm[b] = takeGradient(lin.gradient, this.#scale, this.#gradient, b * n, (b + 1) * n);
    }
    if (this.#objective.bounded) this.#projectGradientNorms(active);
  }

  /**
   * The coordinates held (#held): those on a bound that −g pushes against;
   * ‖Jᵀr‖∞ over the others, which a descent may move (the projected gradient).
   */
  #projectGradientNorms(active: Uint8Array): void {
    const n = this.#n;
    const at = this.#objective.boundsAt(this.#x);
    for (let b = 0; b < this.#B; b++) {
      if (!active[b]) continue;
      let max = 0;
      for (let c = b * n; c < (b + 1) * n; c++) {
        const g = this.#gradient[c]!;
        this.#held[c] = (at[c] === -1 && g > 0) || (at[c] === 1 && g < 0) ? 1 : 0;
        if (this.#held[c]) continue;
        max = Math.max(max, Math.abs(g / this.#scale[c]!));
      }
      this.#gradientNorm[b] = max;
    }
  }

  /** What the strategies see and may ask for. */
  #stepContext(): StepContext {
    return {
      batch: this.#B,
      n: this.#n,
      running: this.#running,
      gradient: this.#gradient,
      held: this.#held,
      jv: (v) => this.#system.jv(v, this.#jvOut),
      relinearize: (active) => this.#linearize(active, false),
      newtonStep: () => this.#reducedNewtonStep(),
      dampedNewtonStep: (factor) => this.#dampedNewtonStep(factor),
    };
  }

  /** y = −A⁻¹G with the last factor (the step's sign as the native step's, StepFromSolution). */
  *#newtonStep(): LinearSteps<Float64Array> {
    const g = this.#gradient;
    for (let i = 0; i < g.length; i++) this.#negatedGradient[i] = -g[i]!;
    return (yield { op: 'solve', rhs: this.#negatedGradient, out: this.#solveOut }) as Float64Array;
  }

  /** The planned step when it covers every running element, else factor with this damping and solve. */
  *#dampedNewtonStep(factor: { lambda: Float64Array; mode: DampingMode }): LinearSteps<StepOutput> {
    const planned = this.#takePlanned();
    if (planned !== undefined) {
      this.#stepFactors = planned.factors;
      return { y: planned.y, jy: planned.jy, valid: planned.ok, reason: planned.reason };
    }
    const { ok, reason } = (yield { op: 'factor', ...factor }) as FactorResult;
    if (this.#recorder && this.#system.snapshots) this.#stepFactors = this.#system.snapshot();
    const y = yield* this.#newtonStep();
    return { y, valid: ok, reason };
  }

  /** The planned step when the last linearisation covered every running element (it is used once). */
  #takePlanned(): PlannedStep | undefined {
    const planned = this.#planned;
    this.#planned = undefined;
    if (planned === undefined) return undefined;
    for (let b = 0; b < this.#B; b++) {
      if (this.#running[b] && !planned.active[b]) {
        planned.factors?.dispose();
        return undefined;
      }
    }
    return planned;
  }

  /** Forgets the planned step (and frees its factors). */
  #dropPlanned(): void {
    this.#planned?.factors?.dispose();
    this.#planned = undefined;
  }

  /**
   * Per running element: an invalid step (the strategy decides whether
   * the element fails), the parameter tolerance, or a candidate. Steps of
   * elements without a candidate are zeroed.
   */
  #takeSteps({ y, valid, reason }: StepOutput): void {
    const n = this.#n;
    this.#candidates.fill(0);
    this.#accepted.fill(0);
    this.#quality.fill(0);
    for (let b = 0; b < this.#B; b++) {
      if (!this.#running[b]) continue;
      if (!valid[b]) {
        this.#iterations[b]!++;
        const failure = this.#strategy.invalid(b, reason[b] ?? null);
        if (failure !== null) this.#stop(b, 'failed', failure);
        y.fill(0, b * n, (b + 1) * n);
        continue;
      }
      this.#stepNorm[b] = unscaledStep(y, this.#scale, this.#delta, b * n, (b + 1) * n);
      const ptol = this.#options.parameterTolerance;
      if (this.#stepNorm[b]! <= ptol * (this.#objective.stateNorm(this.#x, b) + ptol)) {
        this.#stop(b, 'converged', 'parameter tolerance reached');
        continue;
      }
      this.#candidates[b] = 1;
    }
    for (let b = 0; b < this.#B; b++) {
      if (this.#candidates[b]) continue;
      y.fill(0, b * n, (b + 1) * n);
      this.#delta.fill(0, b * n, (b + 1) * n);
    }
  }

  /**
   * x ⊕ δ (projected onto the variables' boxes) and its cost, residuals and
   * (scaled) Jacobian, for the candidates (the Jacobian check fails those
   * off). With bounds, the step judged is the projected one: δ and y are
   * replaced by it and J·y is computed again.
   */
  #evaluateCandidates(step: StepOutput): void {
    this.#objective.retract(this.#x, this.#delta, this.#candidate, this.#candidates);
    if (this.#objective.bounded) this.#projectSteps(step);
    const columnScale = this.#options.jacobiScaling ? this.#scale : undefined;
    this.#objective.evaluate(this.#candidate, { residuals: true, jacobians: true, active: this.#candidates, columnScale }, this.#next);
    this.#checkDerivatives(this.#candidate, this.#candidates);
  }

  /**
   * The Newton step of the running elements that hold a coordinate (the
   * Gauss-Newton and Levenberg-Marquardt steps) replaced by the reduced
   * system's (#reducedNewtonStep).
   */
  *#reduceForBounds(step: StepOutput): LinearSteps<void> {
    const n = this.#n;
    const reduce = new Uint8Array(this.#B);
    for (let b = 0; b < this.#B; b++) {
      if (this.#running[b] && step.valid[b] && this.#held.subarray(b * n, (b + 1) * n).includes(1)) reduce[b] = 1;
    }
    if (!reduce.includes(1)) return;
    // The step's own K = A + λD factored again (the fused step call keeps no factor), then solved.
    const { jValues, residuals } = this.#current;
    yield { op: 'linearize', jValues: jValues!, residuals: residuals!, active: this.#running, out: this.#linearizeOut };
    yield { op: 'factor', ...this.#strategy.plannedFactor!() };
    const y = yield* this.#reducedNewtonStep();
    for (let b = 0; b < this.#B; b++) if (reduce[b]) step.y.set(y.subarray(b * n, (b + 1) * n), b * n);
    step.jy = undefined;
  }

  /**
   * y = −K⁻¹G with the last factor of K (= A + λD), the held coordinates of
   * the running elements fixed: the reduced system K_FF y_F = −G_F, y_B = 0.
   * z = K⁻¹(−G̃) (G̃ = G without them) and W = K⁻¹E_B (their unit columns),
   * y = z − W (W_BB)⁻¹ z_B, so that y_B = 0 (k + 1 solves, k the most held
   * coordinates of an element; one solve when none holds any).
   */
  *#reducedNewtonStep(): LinearSteps<Float64Array> {
    const [B, n] = [this.#B, this.#n];
    const held = Array.from({ length: B }, (_, b) => {
      const out: number[] = [];
      if (!this.#running[b]) return out;
      for (let c = 0; c < n; c++) if (this.#held[b * n + c]) out.push(c);
      return out;
    });
    const k = Math.max(...held.map((h) => h.length));
    if (k === 0) return yield* this.#newtonStep();
    const rhs = new Float64Array(B * (k + 1) * n);
    for (let b = 0; b < B; b++) {
      const o = b * (k + 1) * n;
      for (let c = 0; c < n; c++) rhs[o + c] = -this.#gradient[b * n + c]!;
      held[b]!.forEach((c, j) => {
        rhs[o + c] = 0;
        rhs[o + (j + 1) * n + c] = 1;
      });
    }
    const solved = (yield { op: 'solve', rhs, k: k + 1, out: new Float64Array(B * (k + 1) * n) }) as Float64Array;
    const out = new Float64Array(B * n);
    for (let b = 0; b < B; b++) {
      const h = held[b]!;
      const o = b * (k + 1) * n;
      out.set(solved.subarray(o, o + n), b * n);
      if (h.length === 0) continue;
      // (W_BB) t = z_B, then y = z − W t.
      const m = h.length;
      const wbb = new Float64Array(m * m);
      const t = new Float64Array(m);
      h.forEach((row, i) => {
        t[i] = solved[o + row]!;
        h.forEach((_, j) => (wbb[i * m + j] = solved[o + (j + 1) * n + row]!));
      });
      solveSymmetricPositive(wbb, t, m); // W_BB = (K⁻¹)_BB: symmetric positive definite
      for (let c = 0; c < n; c++) {
        let y = solved[o + c]!;
        for (let j = 0; j < m; j++) y -= solved[o + (j + 1) * n + c]! * t[j]!;
        out[b * n + c] = y;
      }
      for (const c of h) out[b * n + c] = 0;
    }
    return out;
  }

  /** δ ← the step from x to its projected candidate (Vector coordinates: their difference), y ← S⁻¹δ, J·y to be recomputed. */
  #projectSteps(step: StepOutput): void {
    const n = this.#n;
    this.#objective.variables.forEach((v, vi) => {
      if (!v.bounds) return;
      const st = v.group.storage;
      const cols = this.#objective.columns[vi]!;
      for (let b = 0; b < this.#B; b++) {
        if (!this.#candidates[b]) continue;
        for (let e = 0; e < v.count; e++) {
          if (cols[e]! < 0) continue;
          for (let c = 0; c < st; c++) {
            const at = (b * v.count + e) * st + c;
            const col = b * n + cols[e]! + c;
            this.#delta[col] = this.#candidate[vi]![at]! - this.#x[vi]![at]!;
            step.y[col] = this.#delta[col]! / this.#scale[col]!;
          }
        }
      }
    });
    step.jy = undefined;
  }

  /** With options.checkDerivatives: the elements `active` selects whose Jacobians at `state` are off fail (and leave `active`). */
  #checkDerivatives(state: State, active: Uint8Array): void {
    const tolerance = this.#options.checkDerivatives;
    if (tolerance === undefined) return;
    const found = this.#objective.compareJacobians(state, active, tolerance);
    for (let b = 0; b < this.#B; b++) {
      if (!active[b] || found[b] === null) continue;
      this.#stop(b, 'failed', found[b]!);
      active[b] = 0;
    }
  }

  /** Per candidate: the function tolerance, then accepted or rejected by its step's quality. */
  #judgeCandidates(step: StepOutput): void {
    const [m, n] = [this.#m, this.#n];
    const jy = step.jy ?? this.#context.jv(step.y);
    const next = this.#next;
    const residuals = this.#current.residuals!;
    for (let b = 0; b < this.#B; b++) {
      if (!this.#candidates[b]) continue;
      this.#iterations[b]!++;
      const change = this.#variable[b]! - next.variableCost[b]!;
      const finite = next.finite[b] === 1 && Number.isFinite(next.cost[b]!);
      if (finite && Math.abs(change) <= this.#options.functionTolerance * this.#variable[b]!) {
        this.#stop(b, 'converged', 'function tolerance reached');
        continue;
      }
      const model = modelDecrease(jy, residuals, b * m, (b + 1) * m);
      this.#quality[b] = change / model;
      if (this.#isStepSuccessful(finite, model, this.#quality[b]!)) {
        this.#accepted[b] = 1;
        this.#cost[b] = next.cost[b]!;
        this.#variable[b] = next.variableCost[b]!;
        this.#strategy.accepted(b, this.#quality[b]!, Math.sqrt(dot(step.y, step.y, b * n, (b + 1) * n)));
      } else if (!finite && this.#strategy.acceptAll) {
        this.#stop(b, 'failed', 'non-finite residuals at a Gauss-Newton step');
      } else {
        this.#strategy.rejected(b);
      }
    }
  }

  /** The acceptance test: a finite cost and, unless the strategy accepts every step, enough of the predicted decrease. */
  #isStepSuccessful(finite: boolean, model: number, quality: number): boolean {
    return finite && (this.#strategy.acceptAll || (model > 0 && quality > this.#options.trustRegion.minRelativeDecrease));
  }

  /**
   * The accepted candidates become the current points: the other running
   * elements' J and r are copied into the candidates' arrays, which then
   * become the current ones (no copy at all when every element accepts);
   * x follows, and the best point of a non-monotone method.
   */
  #moveToCandidates(): void {
    const m = this.#m;
    const nnz = this.#objective.nnz;
    const accepted = this.#accepted;
    if (accepted.includes(1)) {
      const current = this.#current;
      const next = this.#next;
      for (let b = 0; b < this.#B; b++) {
        // A stopped element's J and r at its x are read again by the observability check (a failed one's are not).
        if (accepted[b] || this.#status[b] === 'failed') continue;
        next.jValues!.set(current.jValues!.subarray(b * nnz, (b + 1) * nnz), b * nnz);
        next.residuals!.set(current.residuals!.subarray(b * m, (b + 1) * m), b * m);
      }
      this.#next = { cost: next.cost, variableCost: next.variableCost, finite: next.finite, residuals: current.residuals!, jValues: current.jValues! };
      this.#current = { ...current, residuals: next.residuals!, jValues: next.jValues! };
    }
    copyElements(this.#candidate, this.#x, accepted, this.#B);
    if (this.#monotone) return;
    const better = new Uint8Array(this.#B);
    for (let b = 0; b < this.#B; b++) {
      if (!accepted[b] || !(this.#variable[b]! < this.#bestVariable[b]!)) continue;
      better[b] = 1;
      this.#bestCost[b] = this.#cost[b]!;
      this.#bestVariable[b] = this.#variable[b]!;
    }
    copyElements(this.#x, this.#best, better, this.#B);
  }

  /**
   * The history, the trust region's and the iteration limit's stops, the
   * relinearisation of the moved elements (and of those the strategy asks
   * for), the gradient tolerance, the report and the time limit.
   */
  *#endIteration(): LinearSteps<void> {
    const B = this.#B;
    const relinearize = new Uint8Array(B);
    for (let b = 0; b < B; b++) {
      // One cost per counted iteration (an element that stopped in it included): history[b].length = iterations[b] + 1.
      if (this.#iterations[b]! > this.#counted[b]!) this.#history[b]!.push(this.#cost[b]!);
      if (this.#status[b] !== null) continue;
      if (this.#strategy.exhausted(b)) this.#stop(b, 'converged', 'minimum trust region radius reached');
      else if (this.#iterations[b]! >= this.#options.maxIterations)
        this.#stop(b, 'iteration-limit', `iteration limit (${this.#options.maxIterations}) reached`);
      else if (this.#accepted[b] || this.#strategy.needsRefactor(b)) relinearize[b] = 1;
    }
    if (relinearize.includes(1)) yield* this.#linearize(relinearize, true);
    for (let b = 0; b < B; b++) {
      if (this.#status[b] === null && this.#accepted[b] && this.#gradientNorm[b]! <= this.#options.gradientTolerance)
        this.#stop(b, 'converged', 'gradient tolerance reached');
    }
    if (this.#monotone) this.#bestCost.set(this.#cost);
    const seconds = this.#reportIteration(this.#iteration);
    this.#recorder?.({
      iteration: this.#iteration,
      candidates: this.#candidates,
      accepted: this.#accepted,
      delta: this.#delta,
      quality: this.#quality,
      radius: this.#stepRadius,
      factors: this.#stepFactors,
    });
    this.#stepFactors = undefined;
    if (seconds > this.#options.timeLimit) {
      for (let b = 0; b < B; b++) if (this.#status[b] === null) this.#stop(b, 'time-limit', `time limit (${this.#options.timeLimit} s) reached`);
    }
  }

  /** Reports the iteration; returns the seconds since the start. */
  #reportIteration(iteration: number): number {
    const seconds = iteration === 0 ? 0 : (performance.now() - this.#start) / 1e3;
    for (let b = 0; b < this.#B; b++) this.#radius[b] = this.#strategy.radius(b);
    this.#refreshRunning();
    this.#report({
      iteration,
      cost: this.#cost,
      running: this.#running,
      gradientNorm: this.#gradientNorm,
      stepNorm: this.#stepNorm,
      quality: this.#quality,
      radius: this.#radius,
      seconds,
    });
    return seconds;
  }

  #result(rankDeficient: (RankDeficiency | null | undefined)[]): SolveResult {
    return new SolveResult({
      objective: this.#objective,
      status: this.#status as SolveStatus[],
      reason: this.#reason,
      iterations: this.#iterations,
      initialCost: this.#initialCost,
      finalCost: this.#cost,
      bestCost: this.#bestCost,
      history: this.#history.map((h) => Float64Array.from(h)),
      seconds: (performance.now() - this.#start) / 1e3,
      gradientNorm: this.#gradientNorm.slice(),
      rankDeficient,
      solution: this.#x,
      best: this.#best,
    });
  }
}

// The loops over n or m numbers live in small functions: each gets its own
// type feedback and optimised code (inside a long method they would be
// compiled with the rest and deoptimised as later loops are first reached).

/** Ceres' Jacobi scaling into `scale` (B·n): 1 / (1 + ‖column‖) of each element's J. */
export function jacobiScale(j: Float64Array, cols: Int32Array, B: number, n: number, scale: Float64Array): void {
  const squares = columnSquares(cols, j, B, n);
  for (let c = 0; c < B * n; c++) scale[c] = 1 / (1 + Math.sqrt(squares[c]!));
}

/** J ← J·S in place, per element. */
function scaleColumns(j: Float64Array, cols: Int32Array, B: number, n: number, scale: Float64Array): void {
  const nnz = cols.length;
  for (let b = 0; b < B; b++) {
    const s = scale.subarray(b * n, (b + 1) * n);
    for (let k = 0; k < nnz; k++) j[b * nnz + k]! *= s[cols[k]!]!;
  }
}

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

/** to ← from for the batch elements `which` selects, per variable. */
function copyElements(from: State, to: State, which: Uint8Array, B: number): void {
  for (let vi = 0; vi < from.length; vi++) {
    const per = from[vi]!.length / B;
    for (let b = 0; b < B; b++) if (which[b]) to[vi]!.set(from[vi]!.subarray(b * per, (b + 1) * per), b * per);
  }
}
