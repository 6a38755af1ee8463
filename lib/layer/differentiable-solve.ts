/**
 * The float64 differentiable solve (DESIGN.md §5): forward(inputs) sets the
 * objective's named inputs and solves it with the optimiser; backward(∂L/∂x*)
 * gives ∂L/∂input for the differentiable inputs, by the mode chosen.
 *
 * Mode 'implicit' (the implicit function theorem at x*, ∇ₓf(x*, θ) = 0):
 * the forward ends with one undamped linearisation and factorisation at x*,
 * of A = J̃ᵀJ̃ (the Gauss-Newton matrix, robust losses through Ceres'
 * Corrector) or, with exactHessian, of H, kept for the backward. The
 * backward pulls the upstream gradient back to the optimiser's tangent,
 * ḡ = Mᵀ ∂L/∂s with M = ∂s(x* ⊕ δ)/∂δ, solves A w = ḡ with the kept factor
 * (it factors nothing), and then
 *   ∂L/∂θ = −∂/∂θ ⟨∇ₓf(x*, θ), w⟩ = −∂/∂θ Σᵢ r̃ᵢᵀ(J̃ᵢ w),
 * both terms of which (through r̃ and through J̃) are kept: the second is as
 * large as the first for weights and loss radii. Each instance's slope
 * depends on its own inputs only, so ∂/∂θ is taken for one input coordinate
 * of every instance and batch element at once, by a central difference of
 * the analytic slopes. The values of constant elements are parameters and
 * differentiated alike (#constantElementGradient); the other elements'
 * initial values get zero. The memory kept is one
 * factor, whatever the iteration count.
 *
 * Modes 'unroll' and truncated(k) differentiate the recorded steps
 * (unroll.ts); dlm(ε) re-solves a perturbed problem from x* (#dlmSolution).
 * Every mode differentiates the inputs by the same per-coordinate central
 * differences of per-instance quantities (#inputGradient).
 */
import { allFinite, checkFiniteArray, checkOptions, checkTypedArray, rangeError, stateError, typeError } from '../base/check.js';
import { auxiliaryValues, restoreAuxiliaryValues, type Auxiliary } from '../core/auxiliary.js';
import type { Objective } from '../core/objective.js';
import { columnSquares } from '../core/pattern.js';
import { diagonalPositions, differenceStep } from '../core/weight.js';
import type { CostTerm } from '../core/cost-term.js';
import type { Program, State } from '../core/program.js';
import { LinearSystem, PIVOT_RATIO } from '../linear/linear-system.js';
import { Optimizer } from '../optim/optimizer.js';
import type { SolveResult, SolveStatus } from '../optim/result.js';
import { checkInput, currentInput, findSlot, inputShape, inputSlots, objectiveValues, setInput, type InputSlot } from './inputs.js';
import { normalizationCotangent, retractionCotangent } from './tangent-maps.js';
import { solveRecordingSteps, unrollable, unrolledBackward, type Trajectory } from './unroll.js';

/** The names of the backward modes: 'implicit' (the default), 'unroll', {@link truncated}(k), {@link dlm}(ε). */
export const BACKWARD_MODES = ['implicit', 'unroll', 'truncated', 'dlm'] as const;

/** The unrolled backward through the last k accepted steps only (see {@link truncated}). */
export interface TruncatedMode {
  /** Which mode. */
  readonly kind: 'truncated';
  /** k ≥ 1. */
  readonly steps: number;
}

/** The direct loss minimisation backward with perturbation ε (see {@link dlm}). */
export interface DlmMode {
  /** Which mode. */
  readonly kind: 'dlm';
  /** ε > 0. */
  readonly epsilon: number;
}

/** A backward mode: 'implicit', 'unroll', {@link truncated}(k) or {@link dlm}(ε). */
export type BackwardMode = 'implicit' | 'unroll' | TruncatedMode | DlmMode;

/**
 * The unrolled backward through the last `k` accepted steps of each batch
 * element (Gauss-Newton and Levenberg-Marquardt): the point k steps before
 * the end is held constant, so the gradient with respect to initial values
 * is zero unless k covers every step.
 */
export function truncated(k: number): TruncatedMode {
  return checkTruncated('truncated', 'k', k);
}

/**
 * Direct loss minimisation: x_ε = argmin f(x) − ε⟨ḡ, x ⊖ x*⟩ (warm-started
 * at x*), ∂L/∂θ ≈ (∇_θ f(x*) − ∇_θ f(x_ε)) / ε. `epsilon` > 0, on the scale
 * of ḡ's effect on f (the error is O(ε)).
 */
export function dlm(epsilon: number): DlmMode {
  return checkDlm('dlm', 'epsilon', epsilon);
}

function checkTruncated(fn: string, arg: string, k: unknown): TruncatedMode {
  if (typeof k !== 'number') throw typeError(fn, arg, 'a number', k);
  if (!Number.isInteger(k) || k < 1) throw rangeError(fn, arg, 'an integer ≥ 1 (the steps unrolled)', String(k));
  return Object.freeze({ kind: 'truncated', steps: k });
}

function checkDlm(fn: string, arg: string, epsilon: unknown): DlmMode {
  if (typeof epsilon !== 'number') throw typeError(fn, arg, 'a number', epsilon);
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw rangeError(fn, arg, 'a finite number > 0', String(epsilon));
  return Object.freeze({ kind: 'dlm', epsilon });
}

/** options.mode checked: one of the modes, an object made by truncated() or dlm(), or its like. */
function checkMode(fn: string, mode: unknown): BackwardMode {
  if (mode === 'implicit' || mode === 'unroll') return mode;
  const expected = "'implicit', 'unroll', truncated(k) or dlm(ε)";
  if (typeof mode === 'object' && mode !== null && 'kind' in mode) {
    if (mode.kind === 'truncated') return checkTruncated(fn, 'options.mode.steps', (mode as { steps?: unknown }).steps);
    if (mode.kind === 'dlm') return checkDlm(fn, 'options.mode.epsilon', (mode as { epsilon?: unknown }).epsilon);
  }
  if (typeof mode === 'string') throw rangeError(fn, 'options.mode', expected, `'${mode}'`);
  throw typeError(fn, 'options.mode', expected, mode);
}

/** How a {@link DifferentiableSolve} differentiates. */
export interface DifferentiableSolveOptions {
  /** Names of the inputs backward gives gradients for (default: every input given to forward). */
  differentiable?: readonly string[];
  /** 'implicit' (the default), 'unroll', truncated(k) or dlm(ε); unroll and truncated for Gauss-Newton and Levenberg-Marquardt only. */
  mode?: BackwardMode;
  /**
   * Implicit mode only: the forward's final factorisation is of the exact
   * Hessian H = ∇²ₓf instead of J̃ᵀJ̃, which makes the implicit gradient
   * exact for any residual (an element where H is not positive definite
   * falls back to J̃ᵀJ̃, and its info says so). Default false.
   */
  exactHessian?: boolean;
}

/** Per batch element: how its solve ended and whether its gradient means anything. */
export interface ElementInfo {
  /** How the forward's solve stopped. */
  status: SolveStatus;
  /** Why it stopped. */
  reason: string;
  /** Its iterations. */
  iterations: number;
  /** The cost at x*. */
  finalCost: number;
  /** The matrix factored at x* (implicit and dlm modes): the exact Hessian, or J̃ᵀJ̃ (asked for, or H was not positive definite: see hessianFallback); null for unroll and truncated, which factor nothing at x*. */
  hessian: 'exact' | 'gauss-newton' | null;
  /** Why exactHessian fell back to J̃ᵀJ̃ for this element, or null. */
  hessianFallback: string | null;
  /**
   * The undamped A at x* was singular (not positive definite, or a pivot
   * ≤ 1e-12 of its diagonal entry: a gauge freedom, or an unobservable
   * parameter) and was factored as A + μI, μ = 1e-9·max diag A: gradients
   * are meaningful for gauge-invariant losses only. This factorisation is
   * the forward's observability check (implicit and dlm modes; the result's
   * rankDeficient is not filled there). Unroll and truncated forwards
   * factor nothing at x*: their result's rankDeficient reports it.
   */
  regularized: boolean;
  /** Why this element's gradient is zero (its solve failed, or A + μI could not be factored), or null. */
  gradientZeroReason: string | null;
}

/** What forward returns. */
export interface ForwardResult {
  /** x* of every variable, by name: B·count·storage numbers each. */
  values: Record<string, Float64Array>;
  /** Per batch element. */
  info: ElementInfo[];
  /** The optimiser's result. */
  result: SolveResult;
}

/** Relative step of the central differences in the inputs: ∛ε, balancing truncation (h²) and rounding (ε/h). */
const INPUT_STEP = Math.cbrt(Number.EPSILON);
/** μ = GAUGE_SHIFT · max diag A regularises a singular undamped A (DESIGN.md §5). */
const GAUGE_SHIFT = 1e-9;

let warnedZeroGradient = false;

export class DifferentiableSolve {
  /** The optimiser that solves the forward. */
  readonly optimizer: Optimizer;
  /** Its objective, whose inputs the forward sets. */
  readonly objective: Objective;
  /** The backward mode. */
  readonly mode: BackwardMode;
  /** Whether the implicit mode factors the exact Hessian. */
  readonly exactHessian: boolean;
  readonly #slots: Map<string, InputSlot>;
  readonly #differentiable: readonly InputSlot[] | undefined;
  readonly #system: LinearSystem;
  /** Every input as the forward used it (as given, or as it was), for the backward's differences. */
  #raw = new Map<InputSlot, Float64Array>();
  /** The inputs given to the forward: those backward differentiates unless options.differentiable names others. */
  #given: InputSlot[] = [];
  /** The auxiliary inputs' stored values at the forward, reinstalled for the backward. */
  #stored = new Map<Auxiliary, Float64Array>();
  #solution: State | undefined;
  #info: ElementInfo[] = [];
  /** The path of the forward's solve (unroll and truncated), until a backward has used it. */
  #trajectory: Trajectory | undefined;
  /** λ per element of the factor kept at x* (μ where A was regularised). */
  #lambda = new Float64Array(0);
  /** Per variable, its constant elements grouped for #constantElementGradient. */
  readonly #groups = new Map<number, number[][]>();
  /** dlm's inner solves (the factor kept at x* stays as it is). */
  #dlmSystem: LinearSystem | undefined;
  #disposed = false;

  constructor(optimizer: Optimizer, options: DifferentiableSolveOptions = {}) {
    const fn = 'DifferentiableSolve';
    if (!(optimizer instanceof Optimizer)) throw typeError(fn, 'optimizer', 'an Optimizer (GaussNewton, LevenbergMarquardt or Dogleg)', optimizer);
    const o = checkOptions(fn, 'options', options, ['differentiable', 'mode', 'exactHessian']);
    this.mode = o.mode === undefined ? 'implicit' : checkMode(fn, o.mode);
    if (o.exactHessian !== undefined && typeof o.exactHessian !== 'boolean') throw typeError(fn, 'options.exactHessian', 'a boolean', o.exactHessian);
    this.exactHessian = o.exactHessian === true;
    if (this.exactHessian && this.mode !== 'implicit')
      throw rangeError(fn, 'options.exactHessian', "true only with options.mode 'implicit'", `true with ${modeName(this.mode)}`);
    if ((this.mode === 'unroll' || modeKind(this.mode) === 'truncated') && !unrollable(optimizer)) {
      throw rangeError(
        fn,
        'options.mode',
        `'implicit' or dlm(ε) for ${optimizer.constructor.name} (unroll and truncated differentiate Gauss-Newton and Levenberg-Marquardt steps)`,
        modeName(this.mode),
      );
    }
    this.optimizer = optimizer;
    this.objective = optimizer.objective;
    // A coordinate on an active bound is held: none of the backwards knows it yet.
    const bounded = this.objective.variables.find((v) => v.bounds !== undefined);
    if (bounded)
      throw rangeError(fn, 'optimizer', 'an optimiser of an objective without box bounds (not yet differentiated)', `bounds on variable '${bounded.name}'`);
    this.#slots = inputSlots(this.objective);
    if (o.differentiable !== undefined) {
      if (!Array.isArray(o.differentiable)) throw typeError(fn, 'options.differentiable', 'an array of input names', o.differentiable);
      this.#differentiable = (o.differentiable as unknown[]).map((name, i) => {
        if (typeof name !== 'string') throw typeError(fn, `options.differentiable[${i}]`, 'an input name', name);
        if ((o.differentiable as unknown[]).indexOf(name) !== i)
          throw rangeError(fn, `options.differentiable[${i}]`, 'a name not given before', `'${name}' again`);
        return findSlot(fn, `options.differentiable[${i}]`, this.#slots, name);
      });
    }
    const { program } = this.objective;
    const { linearSolver, trustRegion } = optimizer.resolvedOptions;
    const { minDiagonal, maxDiagonal } = trustRegion;
    this.#system = new LinearSystem(program.pattern, program.batch, { kind: linearSolver.kind, threads: linearSolver.threads, minDiagonal, maxDiagonal }, fn);
  }

  /** The number of factorisations so far (the forward's final one included; the backward adds none). */
  get factorizationCount(): number {
    this.#checkLive('DifferentiableSolve.factorizationCount');
    return this.#system.factorizationCount;
  }

  /**
   * Sets the named inputs (others keep their values), solves, and factors
   * the undamped system at the solution for the backward. `inputs`: by
   * name, the numbers each input stores (log δ for a loss radius, initial
   * values for a variable).
   */
  forward(inputs: Record<string, Float64Array>): ForwardResult {
    const fn = 'DifferentiableSolve.forward';
    this.#checkLive(fn);
    if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) throw typeError(fn, 'inputs', 'an object of named Float64Arrays', inputs);
    const given = new Map<InputSlot, Float64Array>();
    for (const [name, value] of Object.entries(inputs)) {
      const slot = findSlot(fn, 'inputs', this.#slots, name);
      given.set(slot, checkInput(fn, slot, value));
    }
    this.#solution = undefined;
    this.#releaseTrajectory();
    for (const [slot, raw] of given) setInput(slot, raw);
    // The inputs this forward solves with, kept for its backward (another forward on the objective, or a
    // setValues, may come between): as given (or as they were), and the auxiliary values as stored.
    this.#given = [...given.keys()];
    this.#raw = new Map([...this.#slots.values()].map((slot) => [slot, given.get(slot) ?? currentInput(slot).slice()]));
    this.#stored = new Map(
      [...this.#slots.values()].flatMap((slot) => (slot.kind === 'variable' ? [] : [[slot.aux, auxiliaryValues(slot.aux).values.slice()]])),
    );

    let result: SolveResult;
    let info: ElementInfo[];
    if (this.#unrolled()) {
      ({ result, trajectory: this.#trajectory } = solveRecordingSteps(this.optimizer, this.#window()));
      info = this.#elementInfo(
        result,
        this.objective.variables.map((v) => result.values(v.name)),
        undefined,
      );
    } else {
      result = this.optimizer.solveUnchecked(); // the factorisation at x* below is the observability check
      info = this.#factorAtSolution(
        this.objective.variables.map((v) => result.values(v.name)),
        result,
      );
    }
    const solution = this.objective.variables.map((v) => result.values(v.name));
    this.#solution = solution;
    this.#info = info;
    const values: Record<string, Float64Array> = {};
    this.objective.variables.forEach((v, i) => (values[v.name] = solution[i]!.slice()));
    return { values, info: info.map((e) => ({ ...e })), result };
  }

  /**
   * ∂L/∂input for every differentiable input, by name (the shape of the
   * input as given), from `upstream`: ∂L/∂x* by variable name (B·count·storage
   * each; a variable left out has ∂L/∂x* = 0). An element whose solve
   * failed gets a zero gradient (its info says why; a warning is given once).
   */
  backward(upstream: Record<string, Float64Array>): Record<string, Float64Array> {
    const fn = 'DifferentiableSolve.backward';
    this.#checkLive(fn);
    const solution = this.#solution;
    if (solution === undefined) throw stateError(`${fn}: call forward before backward`);
    // The forward's inputs installed for the backward, the objective's current ones put back after.
    const current = [...this.#stored.keys()].map((aux) => [aux, auxiliaryValues(aux).values.slice()] as const);
    for (const [aux, values] of this.#stored) restoreAuxiliaryValues(aux, values);
    try {
      return this.#backward(fn, solution, upstream);
    } finally {
      for (const [aux, values] of current) restoreAuxiliaryValues(aux, values);
    }
  }

  #backward(fn: string, solution: State, upstream: Record<string, Float64Array>): Record<string, Float64Array> {
    const program = this.objective.program;
    const B = program.batch;
    const n = program.n;
    const u = this.#upstream(fn, upstream);
    const dead = this.#info.map((e) => e.gradientZeroReason !== null);
    if (dead.some((x) => x) && !warnedZeroGradient) {
      warnedZeroGradient = true;
      process.emitWarning('ariadne: some batch elements of a DifferentiableSolve have a zero gradient (see forward().info[b].gradientZeroReason)');
    }
    const slots = this.#differentiable ?? this.#given;
    // The storage cotangent of each differentiable variable (x₀'s, and its constant elements' values).
    const storageBar = new Map<InputSlot & { kind: 'variable' }, Float64Array>();
    for (const slot of slots) if (slot.kind === 'variable') storageBar.set(slot, new Float64Array(B * slot.variable.count * slot.variable.group.storage));
    /** Adds −∂/∂θ Σᵢ qᵢ(x, θ) to every differentiable input's gradient, qᵢ per instance from `values`. */
    const addGradients = (x: State, values: PerInstance) => {
      for (const slot of slots) {
        if (slot.kind === 'variable') this.#constantElementGradient(slot, x, values, storageBar.get(slot)!);
        else this.#inputGradient(slot, (into) => values(x, slot.term, into), gradients[slot.name]!);
      }
    };
    const gradients: Record<string, Float64Array> = {};
    for (const slot of slots) if (slot.kind !== 'variable') gradients[slot.name] = new Float64Array(inputShape(slot).length);

    if (this.#unrolled()) {
      const trajectory = this.#trajectory;
      if (trajectory === undefined)
        throw stateError(
          `${fn}: the forward's unrolled steps were used by the previous backward (one backward per forward in ${modeName(this.mode)} mode); call forward again`,
        );
      let initial: State;
      try {
        initial = unrolledBackward(fn, program, this.#system, trajectory, this.#window(), u, dead, (x, w, step) =>
          addGradients(x, (state, term, into) => program.instanceProducts(state, term, w, into, step)),
        );
      } finally {
        this.#releaseTrajectory();
      }
      for (const [slot, bar] of storageBar) {
        const start = initial[this.objective.variables.indexOf(slot.variable)]!;
        for (let i = 0; i < bar.length; i++) bar[i]! += start[i]!;
      }
    } else {
      const gBar = retractionCotangent(program, solution, undefined, u, 'step');
      const w = this.#system.solve(gBar);
      for (let b = 0; b < B; b++) if (dead[b]) w.fill(0, b * n, (b + 1) * n);
      if (modeKind(this.mode) === 'dlm') {
        const epsilon = (this.mode as DlmMode).epsilon;
        const perturbed = this.#dlmSolution(solution, w, gBar, epsilon);
        // x_ε moves with x* where x* holds the constant elements' values: they are taken from the state given.
        const constants = (state: State) => perturbed.map((v, vi) => withConstants(program, vi, v, state[vi]!));
        const costs = (state: State, term: CostTerm) =>
          program.evaluate(state, { residuals: false, jacobians: false, instanceCosts: true }).instanceCosts![program.terms.indexOf(term)]!;
        // q_i = (cost_i(x_ε) − cost_i(x*)) / ε, whose −∂/∂θ is the DLM gradient.
        addGradients(solution, (state, term, into) => {
          const at = costs(constants(state), term);
          const base = costs(state, term);
          for (let i = 0; i < into.length; i++) into[i] = (at[i]! - base[i]!) / epsilon;
        });
      } else {
        addGradients(solution, (state, term, into) => program.instanceProducts(state, term, w, into));
      }
    }
    for (const [slot, bar] of storageBar) {
      // A constant element's value is also its x*.
      const vi = this.objective.variables.indexOf(slot.variable);
      const at = withConstants(program, vi, new Float64Array(bar.length), u[vi]!);
      for (let b = 0; b < B; b++) if (dead[b]) at.fill(0, (b * bar.length) / B, ((b + 1) * bar.length) / B);
      for (let i = 0; i < bar.length; i++) bar[i]! += at[i]!;
      gradients[slot.name] = this.#initialValueGradient(slot, bar);
    }
    return gradients;
  }

  /**
   * Bytes the layer keeps from the last forward for its backward: the
   * solution, and the factor at x* (its handle's memory, implicit and dlm)
   * or the recorded path (the states, and the steps with the factors they
   * were solved with, unroll and truncated).
   */
  get retainedBytes(): number {
    this.#checkLive('DifferentiableSolve.retainedBytes');
    const solution = this.#solution?.reduce((sum, x) => sum + x.byteLength, 0) ?? 0;
    if (this.#solution === undefined) return 0;
    if (!this.#unrolled()) return solution + this.#system.info.memoryBytes;
    const t = this.#trajectory;
    if (t === undefined) return solution;
    const states = t.states.reduce((sum, s) => sum + s.reduce((x, v) => x + v.byteLength, 0), 0);
    const steps = t.steps.reduce((sum, s) => sum + s.accepted.byteLength + s.delta.byteLength + s.lambda.byteLength + (s.factors?.info().memoryBytes ?? 0), 0);
    return solution + states + steps + t.scale.byteLength;
  }

  /** Releases the kept factor and the native handle. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#solution = undefined;
    this.#releaseTrajectory();
    this.#system.dispose();
    this.#dlmSystem?.dispose();
  }

  /** Forgets the unrolled path and frees its steps' factors. */
  #releaseTrajectory(): void {
    for (const step of this.#trajectory?.steps ?? []) step.factors?.dispose();
    this.#trajectory = undefined;
  }

  #checkLive(fn: string): void {
    if (this.#disposed) throw stateError(`${fn}: the layer is disposed`);
  }

  /**
   * The undamped A at x* factored, per element the first that factors of:
   * A₀ (J̃ᵀJ̃, or H = J̃ᵀJ̃ + E with exactHessian), A₀ + μI (a gauge freedom:
   * μ = 1e-9·max diag J̃ᵀJ̃), and, with exactHessian, J̃ᵀJ̃ and J̃ᵀJ̃ + μI
   * (H indefinite); the per-element info.
   */
  #factorAtSolution(solution: State, result: SolveResult): ElementInfo[] {
    const program = this.objective.program;
    const B = program.batch;
    const evaluation = program.evaluate(solution, { residuals: true, jacobians: true });
    this.#system.linearize(evaluation.jValues!, evaluation.residuals!, evaluation.finite);
    const fallback: (string | null)[] = new Array<string | null>(B).fill(null);
    let extra: Float64Array | undefined;
    let slots = 0;
    if (this.exactHessian) {
      const upper = this.#system.normalPattern();
      slots = upper.rowIndex.length;
      extra = new Float64Array(B * slots);
      program.secondOrderTerm(solution, upper, extra);
      for (let b = 0; b < B; b++) {
        if (allFinite(extra, b * slots, (b + 1) * slots)) continue;
        fallback[b] = "the Hessian's second-order terms are not finite at the solution; J̃ᵀJ̃ was factored instead";
        extra.fill(0, b * slots, (b + 1) * slots);
      }
    }
    let diagonal: Float64Array | undefined; // diag J̃ᵀJ̃, when some element needs μ
    const lambda = new Float64Array(B);
    let factored = this.#system.factor(lambda, 'identity', extra);
    /** Not factored, or singular but for rounding: a pivot ≤ 1e-12 of its diagonal entry. */
    const singular = (b: number) => !factored.ok[b] || factored.pivotRatio[b]! <= PIVOT_RATIO;
    /** Changes what each singular element gets, and factors again. */
    const retry = (change: (b: number) => void): void => {
      if (!Array.from({ length: B }, (_, b) => evaluation.finite[b] && singular(b)).includes(true)) return;
      for (let b = 0; b < B; b++) if (evaluation.finite[b] && singular(b)) change(b);
      factored = this.#system.factor(lambda, 'identity', extra);
    };
    const regularize = (b: number) => {
      diagonal ??= columnSquares(program.pattern.cols, evaluation.jValues!, B, program.n);
      lambda[b] = GAUGE_SHIFT * maximum(diagonal, b * program.n, (b + 1) * program.n);
    };
    retry(regularize);
    if (extra !== undefined) {
      retry((b) => {
        const why = factored.reason[b] ?? `a pivot ${factored.pivotRatio[b]!.toExponential(1)} of its diagonal entry`;
        fallback[b] = `the Hessian at the solution could not be factored (${why}); J̃ᵀJ̃ was factored instead`;
        extra.fill(0, b * slots, (b + 1) * slots);
        lambda[b] = 0;
      });
      retry(regularize);
    }
    this.#lambda = lambda;
    return this.#elementInfo(result, solution, { finite: evaluation.finite, factored, fallback, lambda });
  }

  /** Per element: the solve's outcome, and (implicit and dlm) the factorisation at x*. */
  #elementInfo(
    result: SolveResult,
    solution: State,
    atSolution: { finite: Uint8Array; factored: { ok: Uint8Array; reason: (string | null)[] }; fallback: (string | null)[]; lambda: Float64Array } | undefined,
  ): ElementInfo[] {
    const finite = atSolution?.finite ?? this.objective.program.evaluate(solution, { residuals: false, jacobians: true }).finite;
    return Array.from({ length: result.status.length }, (_, b) => {
      const status = result.status[b]!;
      const zero =
        status === 'failed'
          ? `the solve failed: ${result.reason[b]}`
          : !finite[b]
            ? 'non-finite residuals or Jacobians at the solution'
            : atSolution !== undefined && !atSolution.factored.ok[b]
              ? `the system at the solution could not be factored: ${atSolution.factored.reason[b]}`
              : null;
      return {
        status,
        reason: result.reason[b]!,
        iterations: result.iterations[b]!,
        finalCost: result.finalCost[b]!,
        hessian: atSolution === undefined ? null : this.exactHessian && atSolution.fallback[b] === null ? 'exact' : 'gauss-newton',
        hessianFallback: atSolution?.fallback[b] ?? null,
        regularized: atSolution !== undefined && atSolution.lambda[b]! > 0,
        gradientZeroReason: zero,
      };
    });
  }

  /** The accepted steps unrolled per element: all, or truncated's k. */
  #window(): number {
    return this.mode === 'unroll' ? Infinity : (this.mode as TruncatedMode).steps;
  }

  #unrolled(): boolean {
    return this.mode === 'unroll' || modeKind(this.mode) === 'truncated';
  }

  /** ∂L/∂x* by variable (B·count·storage each, zeros where not given), checked. */
  #upstream(fn: string, upstream: Record<string, Float64Array>): Float64Array[] {
    if (typeof upstream !== 'object' || upstream === null || Array.isArray(upstream))
      throw typeError(fn, 'upstream', 'an object of named Float64Arrays', upstream);
    const variables = this.objective.variables;
    const B = this.objective.batch;
    const u = variables.map((v) => new Float64Array(B * v.count * v.group.storage));
    for (const [name, value] of Object.entries(upstream)) {
      const index = variables.findIndex((v) => v.name === name);
      if (index < 0) {
        const names = variables.map((v) => `'${v.name}'`).join(', ');
        throw rangeError(fn, 'upstream', `the name of a variable (${names})`, `'${name}'`);
      }
      const arg = `upstream['${name}']`;
      const v = variables[index]!;
      const target = u[index]!;
      checkTypedArray(fn, arg, value, Float64Array, target.length, `batch ${B} × count ${v.count} × storage ${v.group.storage}`);
      checkFiniteArray(value, fn, arg);
      target.set(value);
    }
    return u;
  }

  /**
   * gradient −= ∂/∂θ Σᵢ qᵢ for one auxiliary input θ (in the shape given),
   * qᵢ per instance of the input's term from `values` (B·I): per
   * coordinate, a central difference with that coordinate of every entry
   * moved by ±h (h = ∛ε·max(1, |θ|)); an entry shared by elements or
   * instances sums their parts. Elements whose gradient is zero are left out.
   */
  #inputGradient(slot: Exclude<InputSlot, { kind: 'variable' }>, values: (into: Float64Array) => void, gradient: Float64Array): void {
    const program = this.objective.program;
    const { aux, term } = slot;
    const B = program.batch;
    const I = term.instances;
    const k = aux.k;
    const raw = this.#raw.get(slot)!;
    // A step on W's diagonal stays below half its value, so that the diagonal stays positive; a zero
    // (masking) entry is not moved: f depends on it through its square, so its gradient is 0.
    const diagonal = slot.kind === 'weight' ? diagonalPositions(slot.term.weight!.kind, slot.term.weight!.d) : undefined;
    const steps = raw.map((x, i) => differenceStep(x, INPUT_STEP, diagonal?.[i % k] === 1));
    const up = new Float64Array(B * I);
    const down = new Float64Array(B * I);
    const moved = raw.slice();
    const entries = raw.length / k;
    const stored = auxiliaryValues(aux).values.slice();
    try {
      for (let c = 0; c < k; c++) {
        for (let p = 0; p < entries; p++) moved[p * k + c] = raw[p * k + c]! + steps[p * k + c]!;
        aux.setValues(objectiveValues(slot, moved));
        values(up);
        for (let p = 0; p < entries; p++) moved[p * k + c] = raw[p * k + c]! - steps[p * k + c]!;
        aux.setValues(objectiveValues(slot, moved));
        values(down);
        for (let p = 0; p < entries; p++) moved[p * k + c] = raw[p * k + c]!;
        for (let b = 0; b < B; b++) {
          if (this.#info[b]!.gradientZeroReason !== null) continue;
          for (let i = 0; i < I; i++) {
            const at = ((aux.batch === 1 ? 0 : b) * aux.instances + (aux.instances === 1 ? 0 : i)) * k + c;
            if (steps[at] === 0) continue;
            gradient[at]! -= (up[b * I + i]! - down[b * I + i]!) / (2 * steps[at]!);
          }
        }
      }
    } finally {
      restoreAuxiliaryValues(aux, stored);
    }
  }

  /**
   * ∂L/∂(initial values as given) from the storage cotangent of the
   * variable's values (x₀ and its constant elements): through the
   * normalisation of a Lie-group input, summed over the batch for a variable
   * shared by it.
   */
  #initialValueGradient(slot: InputSlot & { kind: 'variable' }, cotangent: Float64Array): Float64Array {
    const v = slot.variable;
    const B = this.objective.batch;
    const per = v.count * v.group.storage;
    const summed = new Float64Array(v.batch * per);
    for (let b = 0; b < B; b++) for (let k = 0; k < per; k++) summed[(v.batch === 1 ? 0 : b) * per + k]! += cotangent[b * per + k]!;
    const raw = this.#raw.get(slot)!;
    return normalizationCotangent((x) => v.group.normalize(x), raw, summed, v.group.storage);
  }

  /**
   * gradient −= ∂/∂s Σᵢ qᵢ(x, θ) for the stored values s of the variable's
   * constant elements (parameters of the objective, as auxiliary inputs
   * are), in every term, per stored coordinate by central differences of
   * normalize(s ± h e_c), the elements of one group (no instance uses two of
   * them) moved together.
   */
  #constantElementGradient(slot: InputSlot & { kind: 'variable' }, x: State, values: PerInstance, gradient: Float64Array): void {
    const program = this.objective.program;
    const v = slot.variable;
    const vi = this.objective.variables.indexOf(v);
    const { storage: st } = v.group;
    const B = program.batch;
    for (const group of this.#constantGroups(vi)) {
      const inGroup = new Uint8Array(v.count);
      for (const e of group) inGroup[e] = 1;
      for (let c = 0; c < st; c++) {
        const moved = (sign: number) => {
          const state = x.slice();
          const values = x[vi]!.slice();
          for (let b = 0; b < B; b++) {
            for (const e of group) {
              const at = (b * v.count + e) * st;
              const element = values.slice(at, at + st);
              element[c]! += sign * step(element[c]!);
              values.set(v.group.normalize(element), at);
            }
          }
          state[vi] = values;
          return state;
        };
        const [up, down] = [moved(1), moved(-1)];
        for (const term of program.terms) {
          const uses = term.variables.filter((use) => use.variable === v);
          if (uses.length === 0) continue;
          const I = term.instances;
          const plus = new Float64Array(B * I);
          const minus = new Float64Array(B * I);
          values(up, term, plus);
          values(down, term, minus);
          for (let i = 0; i < I; i++) {
            const element = uses.map((use) => use.indices[use.indices.length === 1 ? 0 : i]!).find((e) => inGroup[e] === 1);
            if (element === undefined) continue;
            for (let b = 0; b < B; b++) {
              if (this.#info[b]!.gradientZeroReason !== null) continue;
              const at = (b * v.count + element) * st + c;
              gradient[at]! -= (plus[b * I + i]! - minus[b * I + i]!) / (2 * step(x[vi]![at]!));
            }
          }
        }
      }
    }
  }

  /** The constant elements of variable vi in groups no instance uses two of (greedy colouring; computed once). */
  #constantGroups(vi: number): number[][] {
    let groups = this.#groups.get(vi);
    if (groups !== undefined) return groups;
    const program = this.objective.program;
    const v = program.variables[vi]!;
    const columns = program.columns[vi]!;
    const neighbours = new Map<number, Set<number>>();
    for (let e = 0; e < v.count; e++) if (columns[e]! < 0) neighbours.set(e, new Set());
    for (const term of program.terms) {
      const uses = term.variables.filter((use) => use.variable === v);
      for (let i = 0; i < term.instances; i++) {
        const constant = uses.map((use) => use.indices[use.indices.length === 1 ? 0 : i]!).filter((e) => neighbours.has(e));
        for (const a of constant) for (const b of constant) if (a !== b) neighbours.get(a)!.add(b);
      }
    }
    const colour = new Map<number, number>();
    groups = [];
    for (const [e, near] of neighbours) {
      let c = 0;
      while ([...near].some((other) => colour.get(other) === c)) c++;
      colour.set(e, c);
      (groups[c] ??= []).push(e);
    }
    this.#groups.set(vi, groups);
    return groups;
  }

  /**
   * dlm's x_ε: ∇ₓf(x_ε) = ∇ₓf(x*) + ε ḡ (the stationarity of
   * f − ε⟨ḡ, x ⊖ x*⟩, ḡ taken as constant on the tangent, measured from the
   * gradient the forward left at x*, so that a solve stopped short of
   * ∇f = 0 does not count as ε's effect), by Newton steps from x*: the first
   * with the factor kept at x* (x* ⊕ ε w), then J̃ᵀJ̃ refactored at each
   * point (with x*'s μ), until the equation holds to 1e-6·ε‖ḡ‖∞ or
   * DLM_STEPS steps. Elements whose gradient is zero stay at x*.
   */
  #dlmSolution(solution: State, w: Float64Array, gBar: Float64Array, epsilon: number): State {
    const program = this.objective.program;
    const { batch: B, n } = program;
    const live = Uint8Array.from(this.#info, (e) => (e.gradientZeroReason === null ? 1 : 0));
    const { linearSolver } = this.optimizer.resolvedOptions;
    this.#dlmSystem ??= new LinearSystem(program.pattern, B, { kind: linearSolver.kind, threads: linearSolver.threads }, 'DifferentiableSolve');
    const system = this.#dlmSystem;
    /** ∇ₓf at x for the live elements whose residuals are finite there (the others are left out of `live`). */
    const gradientAt = (x: State): Float64Array => {
      const evaluation = program.evaluate(x, { residuals: true, jacobians: true, active: live });
      for (let b = 0; b < B; b++) if (!evaluation.finite[b]) live[b] = 0;
      return system.linearize(evaluation.jValues!, evaluation.residuals!, live).gradient.slice();
    };
    const target = gradientAt(solution);
    for (let i = 0; i < target.length; i++) target[i]! += epsilon * gBar[i]!;
    const x = solution.map((v) => new Float64Array(v.length));
    const delta = new Float64Array(B * n);
    for (let i = 0; i < delta.length; i++) delta[i] = live[Math.floor(i / n)] ? epsilon * w[i]! : 0;
    program.retract(solution, delta, x);
    for (let iteration = 1; iteration < DLM_STEPS; iteration++) {
      const gradient = gradientAt(x);
      const rhs = new Float64Array(B * n);
      let done = true;
      for (let b = 0; b < B; b++) {
        if (!live[b]) continue;
        for (let i = b * n; i < (b + 1) * n; i++) rhs[i] = target[i]! - gradient[i]!;
        if (maximumAbs(rhs, b * n, (b + 1) * n) > 1e-6 * epsilon * maximumAbs(gBar, b * n, (b + 1) * n)) done = false;
      }
      if (done) break;
      const factored = system.factor(this.#lambda, 'identity');
      const step = system.solve(rhs);
      for (let b = 0; b < B; b++) if (!live[b] || !factored.ok[b]) step.fill(0, b * n, (b + 1) * n);
      const next = x.map((v) => new Float64Array(v.length));
      program.retract(x, step, next);
      next.forEach((v, i) => x[i]!.set(v));
    }
    return x;
  }
}

/** Per batch element and instance of `term` (B·I into `into`), a quantity at `state` whose −∂/∂θ is the gradient. */
type PerInstance = (state: State, term: CostTerm, into: Float64Array) => void;

/** `values` (variable vi's storage) with the constant elements' values of `from`. */
function withConstants(program: Program, vi: number, values: Float64Array, from: Float64Array): Float64Array {
  const v = program.variables[vi]!;
  const st = v.group.storage;
  const columns = program.columns[vi]!;
  const out = values.slice();
  for (let b = 0; b < program.batch; b++) {
    for (let e = 0; e < v.count; e++) if (columns[e]! < 0) out.set(from.subarray((b * v.count + e) * st, (b * v.count + e + 1) * st), (b * v.count + e) * st);
  }
  return out;
}

/** The most Newton steps of dlm's inner solve. */
const DLM_STEPS = 20;

/** The kind of a mode: its name, or the object's kind. */
function modeKind(mode: BackwardMode): (typeof BACKWARD_MODES)[number] {
  return typeof mode === 'string' ? mode : mode.kind;
}

/** A mode as the caller would write it. */
function modeName(mode: BackwardMode): string {
  return typeof mode === 'string' ? `'${mode}'` : mode.kind === 'truncated' ? `truncated(${mode.steps})` : `dlm(${mode.epsilon})`;
}

/** max |x[i]| over [begin, end). */
function maximumAbs(x: Float64Array, begin: number, end: number): number {
  let max = 0;
  for (let i = begin; i < end; i++) max = Math.max(max, Math.abs(x[i]!));
  return max;
}

/** The largest of x[begin..end) (a loop: spreading n numbers into Math.max overflows the stack for large n). */
function maximum(x: Float64Array, begin: number, end: number): number {
  let max = -Infinity;
  for (let i = begin; i < end; i++) max = Math.max(max, x[i]!);
  return max;
}

/** The step of a central difference at x: ∛ε·max(1, |x|). */
function step(x: number): number {
  return INPUT_STEP * Math.max(1, Math.abs(x));
}
