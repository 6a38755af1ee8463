/**
 * The float64 differentiable solve (DESIGN.md §5): forward(inputs) sets the
 * objective's named inputs and solves it with the optimiser; backward(∂L/∂x*)
 * gives ∂L/∂input for the differentiable inputs.
 *
 * Mode 'implicit' (the implicit function theorem at x*, ∇ₓf(x*, θ) = 0):
 * the forward ends with one undamped linearisation and factorisation at x*,
 * of A = J̃ᵀJ̃ (the Gauss-Newton matrix, robust losses through Ceres'
 * Corrector), kept for the backward. The backward pulls the upstream
 * gradient back to the optimiser's tangent, ḡ = Mᵀ ∂L/∂s with
 * M = ∂s(x* ⊕ δ)/∂δ, solves A w = ḡ with the kept factor (it factors
 * nothing), and then
 *   ∂L/∂θ = −∂/∂θ ⟨∇ₓf(x*, θ), w⟩ = −∂/∂θ Σᵢ r̃ᵢᵀ(J̃ᵢ w),
 * both terms of which (through r̃ and through J̃) are kept: the second is as
 * large as the first for weights and loss radii. Each instance's slope
 * r̃ᵢᵀ(J̃ᵢ w) depends on its own inputs only, so ∂/∂θ is taken for one input
 * coordinate of every instance and batch element at once, by a central
 * difference of the analytic slopes (two evaluations of the input's term per
 * coordinate, accurate to about 1e-10 relative). With A = J̃ᵀJ̃ the gradient
 * is exact where the residuals vanish at x* and biased by the neglected
 * second-order terms elsewhere (docs/differentiable-layer.md). Gradients
 * with respect to initial values are zero; the memory kept is one factor,
 * whatever the iteration count.
 */
import { allFinite, checkFiniteArray, checkOneOf, checkOptions, checkTypedArray, rangeError, stateError, typeError } from '../base/check.js';
import { auxiliaryValues, restoreAuxiliaryValues } from '../core/auxiliary.js';
import type { Objective } from '../core/objective.js';
import type { State } from '../core/program.js';
import { LinearSystem } from '../linear/linear-system.js';
import { Optimizer } from '../optim/optimizer.js';
import type { SolveResult, SolveStatus } from '../optim/result.js';
import { checkInput, currentInput, findSlot, inputShape, inputSlots, objectiveValues, setInput, type InputSlot } from './inputs.js';

/** The backward modes available (truncated, unroll and dlm are to come). */
export const BACKWARD_MODES = ['implicit'] as const;

/** A backward mode (see {@link BACKWARD_MODES}). */
export type BackwardMode = (typeof BACKWARD_MODES)[number];

/** How a {@link DifferentiableSolve} differentiates. */
export interface DifferentiableSolveOptions {
  /** Names of the inputs backward gives gradients for (default: every input given to forward). */
  differentiable?: readonly string[];
  /** 'implicit' (the default). */
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
  /** The matrix factored at x*: the exact Hessian, or J̃ᵀJ̃ (asked for, or H was not positive definite: see hessianFallback). */
  hessian: 'exact' | 'gauss-newton';
  /** Why exactHessian fell back to J̃ᵀJ̃ for this element, or null. */
  hessianFallback: string | null;
  /** The undamped A at x* was not positive definite and was factored as A + μI, μ = 1e-9·max diag A (a gauge freedom, or an unobservable input): gradients are meaningful for gauge-invariant losses only. */
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
/** Step of the central differences of the storage along the tangent, M = ∂s(x ⊕ δ)/∂δ. */
const TANGENT_STEP = 1e-5;
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
  /** The forward's inputs as given (raw), for the backward's differences. */
  #raw = new Map<InputSlot, Float64Array>();
  #solution: State | undefined;
  #info: ElementInfo[] = [];
  #disposed = false;

  constructor(optimizer: Optimizer, options: DifferentiableSolveOptions = {}) {
    const fn = 'DifferentiableSolve';
    if (!(optimizer instanceof Optimizer)) throw typeError(fn, 'optimizer', 'an Optimizer (GaussNewton, LevenbergMarquardt or Dogleg)', optimizer);
    const o = checkOptions(fn, 'options', options, ['differentiable', 'mode', 'exactHessian']);
    this.mode = o.mode === undefined ? 'implicit' : checkOneOf(fn, 'options.mode', o.mode, BACKWARD_MODES);
    if (o.exactHessian !== undefined && typeof o.exactHessian !== 'boolean') throw typeError(fn, 'options.exactHessian', 'a boolean', o.exactHessian);
    this.exactHessian = o.exactHessian === true;
    this.optimizer = optimizer;
    this.objective = optimizer.objective;
    this.#slots = inputSlots(this.objective);
    if (o.differentiable !== undefined) {
      if (!Array.isArray(o.differentiable)) throw typeError(fn, 'options.differentiable', 'an array of input names', o.differentiable);
      this.#differentiable = (o.differentiable as unknown[]).map((name, i) => {
        if (typeof name !== 'string') throw typeError(fn, `options.differentiable[${i}]`, 'an input name', name);
        return findSlot(fn, `options.differentiable[${i}]`, this.#slots, name);
      });
    }
    const { program } = this.objective;
    this.#system = new LinearSystem(program.pattern, program.batch, {}, fn);
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
    this.#raw = given;
    for (const [slot, raw] of given) setInput(slot, raw);

    const result = this.optimizer.solve();
    const solution = this.objective.variables.map((v) => result.values(v.name));
    const info = this.#factorAtSolution(solution, result);
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
    const program = this.objective.program;
    const B = program.batch;
    const n = program.n;
    const u = this.#upstream(fn, upstream);

    const gBar = this.#pullBack(solution, u);
    const w = this.#system.solve(gBar);
    const dead = this.#info.map((e) => e.gradientZeroReason !== null);
    for (let b = 0; b < B; b++) {
      if (dead[b]) w.fill(0, b * n, (b + 1) * n);
    }
    if (dead.some((x) => x) && !warnedZeroGradient) {
      warnedZeroGradient = true;
      process.emitWarning('ariadne: some batch elements of a DifferentiableSolve have a zero gradient (see forward().info[b].gradientZeroReason)');
    }

    const gradients: Record<string, Float64Array> = {};
    for (const slot of this.#differentiable ?? [...this.#raw.keys()]) {
      gradients[slot.name] = slot.kind === 'variable' ? new Float64Array(inputShape(slot).length) : this.#inputGradient(slot, solution, w);
    }
    return gradients;
  }

  /** Releases the kept factor and the native handle. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#solution = undefined;
    this.#system.dispose();
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
    this.#system.linearize(evaluation.jValues!, evaluation.residuals!);
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
    /** Changes what each element that did not factor gets, and factors again. */
    const retry = (change: (b: number) => void): void => {
      if (factored.ok.every((ok) => ok === 1)) return;
      for (let b = 0; b < B; b++) if (!factored.ok[b]) change(b);
      factored = this.#system.factor(lambda, 'identity', extra);
    };
    const regularize = (b: number) => {
      diagonal ??= columnSquares(program.pattern.cols, evaluation.jValues!, B, program.n);
      lambda[b] = GAUGE_SHIFT * maximum(diagonal, b * program.n, (b + 1) * program.n);
    };
    retry(regularize);
    if (extra !== undefined) {
      retry((b) => {
        fallback[b] = `the Hessian at the solution could not be factored (${factored.reason[b]}); J̃ᵀJ̃ was factored instead`;
        extra.fill(0, b * slots, (b + 1) * slots);
        lambda[b] = 0;
      });
      retry(regularize);
    }
    return Array.from({ length: B }, (_, b) => {
      const status = result.status[b]!;
      const zero =
        status === 'failed'
          ? `the solve failed: ${result.reason[b]}`
          : !evaluation.finite[b]
            ? 'non-finite residuals or Jacobians at the solution'
            : !factored.ok[b]
              ? `the system at the solution could not be factored: ${factored.reason[b]}`
              : null;
      return {
        status,
        reason: result.reason[b]!,
        iterations: result.iterations[b]!,
        finalCost: result.finalCost[b]!,
        hessian: this.exactHessian && fallback[b] === null ? 'exact' : 'gauss-newton',
        hessianFallback: fallback[b]!,
        regularized: lambda[b]! > 0,
        gradientZeroReason: zero,
      };
    });
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
   * ḡ = Mᵀu in the optimiser's columns (B·n), M = ∂s(x* ⊕ δ)/∂δ by central
   * differences of the retraction, one tangent coordinate of every element
   * at once (each element's storage depends on its own δ only). A storage
   * difference beyond π is an angle's wrap and is unwrapped.
   */
  #pullBack(solution: State, u: Float64Array[]): Float64Array {
    const program = this.objective.program;
    const { batch: B, n, columns } = program;
    const variables = this.objective.variables;
    const gBar = new Float64Array(B * n);
    const plus = solution.map((x) => new Float64Array(x.length));
    const minus = solution.map((x) => new Float64Array(x.length));
    const delta = new Float64Array(B * n);
    const maxDof = Math.max(...variables.map((v) => v.group.dof));
    for (let c = 0; c < maxDof; c++) {
      delta.fill(0);
      variables.forEach((v, vi) => {
        if (c >= v.group.dof) return;
        for (const col of columns[vi]!) if (col >= 0) for (let b = 0; b < B; b++) delta[b * n + col + c] = TANGENT_STEP;
      });
      program.retract(solution, delta, plus);
      for (let i = 0; i < delta.length; i++) delta[i] = -delta[i]!;
      program.retract(solution, delta, minus);
      variables.forEach((v, vi) => {
        if (c >= v.group.dof) return;
        const st = v.group.storage;
        const cols = columns[vi]!;
        const up = u[vi]!;
        const sp = plus[vi]!;
        const sm = minus[vi]!;
        for (let b = 0; b < B; b++) {
          for (let e = 0; e < v.count; e++) {
            if (cols[e]! < 0) continue;
            let sum = 0;
            for (let k = (b * v.count + e) * st, end = k + st; k < end; k++) {
              let diff = sp[k]! - sm[k]!;
              if (Math.abs(diff) > Math.PI) diff -= 2 * Math.PI * Math.round(diff / (2 * Math.PI));
              sum += up[k]! * diff;
            }
            gBar[b * n + cols[e]! + c] = sum / (2 * TANGENT_STEP);
          }
        }
      });
    }
    return gBar;
  }

  /**
   * −∂/∂θ Σᵢ r̃ᵢᵀ(J̃ᵢ w) for one auxiliary input θ, in the shape given: per
   * coordinate, a central difference of the instances' slopes with that
   * coordinate of every entry moved by ±h (h = ∛ε·max(1, |θ|)); an entry
   * shared by elements or instances sums their parts.
   */
  #inputGradient(slot: Exclude<InputSlot, { kind: 'variable' }>, solution: State, w: Float64Array): Float64Array {
    const program = this.objective.program;
    const { aux, term } = slot;
    const B = program.batch;
    const I = term.instances;
    const k = aux.k;
    const raw = this.#raw.get(slot) ?? currentInput(slot);
    // A weight's step stays below half its value, so that W keeps its positive diagonal.
    const steps = raw.map((x) => (slot.kind === 'weight' && x > 0 ? Math.min(step(x), x / 2) : step(x)));
    const gradient = new Float64Array(raw.length);
    const up = new Float64Array(B * I);
    const down = new Float64Array(B * I);
    const moved = raw.slice();
    const entries = raw.length / k;
    const stored = auxiliaryValues(aux).values.slice();
    try {
      for (let c = 0; c < k; c++) {
        for (let p = 0; p < entries; p++) moved[p * k + c] = raw[p * k + c]! + steps[p * k + c]!;
        aux.setValues(objectiveValues(slot, moved));
        program.instanceSlopes(solution, w, term, up);
        for (let p = 0; p < entries; p++) moved[p * k + c] = raw[p * k + c]! - steps[p * k + c]!;
        aux.setValues(objectiveValues(slot, moved));
        program.instanceSlopes(solution, w, term, down);
        for (let p = 0; p < entries; p++) moved[p * k + c] = raw[p * k + c]!;
        for (let b = 0; b < B; b++) {
          if (this.#info[b]!.gradientZeroReason !== null) continue;
          for (let i = 0; i < I; i++) {
            const at = ((aux.batch === 1 ? 0 : b) * aux.instances + (aux.instances === 1 ? 0 : i)) * k + c;
            gradient[at]! -= (up[b * I + i]! - down[b * I + i]!) / (2 * steps[at]!);
          }
        }
      }
    } finally {
      restoreAuxiliaryValues(aux, stored);
    }
    return gradient;
  }
}

/** The largest of x[begin..end) (a loop: spreading n numbers into Math.max overflows the stack for large n). */
function maximum(x: Float64Array, begin: number, end: number): number {
  let max = -Infinity;
  for (let i = begin; i < end; i++) max = Math.max(max, x[i]!);
  return max;
}

/** diag(J̃ᵀJ̃) per element (B·n): the squares of each column's entries. */
function columnSquares(cols: Int32Array, j: Float64Array, B: number, n: number): Float64Array {
  const nnz = cols.length;
  const out = new Float64Array(B * n);
  for (let b = 0; b < B; b++) for (let e = 0; e < nnz; e++) out[b * n + cols[e]!]! += j[b * nnz + e]! ** 2;
  return out;
}

/** The step of a central difference at x: ∛ε·max(1, |x|). */
function step(x: number): number {
  return INPUT_STEP * Math.max(1, Math.abs(x));
}
