/**
 * The unrolled backward (DESIGN.md §5, modes 'unroll' and truncated(k)) for
 * Gauss-Newton and Levenberg-Marquardt: the forward records each accepted
 * step δ_k and its damping λ_k; the backward runs the steps in reverse and
 * differentiates each, x_{k+1} = x_k ⊕ δ_k with
 *   δ_k = −(A_k + λ_k E_k)⁻¹ g_k,   g = J̃ᵀr̃,  A = J̃ᵀJ̃,
 * through x_k and θ, holding λ_k, the Jacobi scaling S and the accept/reject
 * decisions fixed (E = diag A where Levenberg-Marquardt's D = clamp(S² diag A)
 * is not clamped, constant where it is; E = 0 for Gauss-Newton).
 *
 * For a cotangent d̄ of δ_k, with u = (A + λE)⁻¹ d̄ (the symmetric K solved
 * once, K refactored at x_k in the scaled coordinates the forward used),
 *   d̄ᵀ dδ = −d φ,   φ(x, θ) = uᵀ(g + (A + λE) δ)   (u, δ held fixed),
 * a sum over instances (Program.instanceProducts) differentiated in x by
 * Program.productTangentGradient and in θ as the implicit mode does. The
 * cotangent of x_k adds what flows through the retraction itself.
 */
import { stateError } from '../base/check.js';
import { columnSquares } from '../core/pattern.js';
import type { Program, State, StepProducts } from '../core/program.js';
import type { FactorSnapshot, LinearSystem } from '../linear/linear-system.js';
import type { DampingMode } from '../linear/normal-equations.js';
import { GaussNewton } from '../optim/gauss-newton.js';
import { LevenbergMarquardt } from '../optim/levenberg-marquardt.js';
import { jacobiScale } from '../optim/minimizer.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { SolveResult } from '../optim/result.js';
import { retractionCotangent, storageCotangent } from './tangent-maps.js';

/** One iteration in which some element accepted its step. */
interface AcceptedStep {
  /** B: 1 where the element took δ (and it led towards the returned solution). */
  accepted: Uint8Array;
  /** B·n: δ, column order. */
  delta: Float64Array;
  /** B: λ of the step (0 for Gauss-Newton). */
  lambda: Float64Array;
  /** The factors the forward solved the step with (undefined on the CUDA backend: refactored in the backward). */
  factors: FactorSnapshot | undefined;
}

/** What the forward keeps for the unrolled backward: the path to x* (its last `window` accepted steps per element). */
export interface Trajectory {
  /** The point each kept step starts from, then x*: states[k] is where steps[k] starts. */
  states: State[];
  steps: AcceptedStep[];
  /** B: each element's accepted steps in the whole solve (kept or not). */
  accepted: Int32Array;
  /** Jacobi scaling S (B·n) the forward's steps were computed with. */
  scale: Float64Array;
  damping: DampingMode;
  minDiagonal: number;
  maxDiagonal: number;
}

/** Whether the optimiser's steps can be unrolled (Gauss-Newton and Levenberg-Marquardt). */
export function unrollable(optimizer: Optimizer): boolean {
  return optimizer instanceof GaussNewton || optimizer instanceof LevenbergMarquardt;
}

/**
 * Solves with the optimiser, recording its accepted steps; the states along
 * the path are replayed (the recorder's steps give the solution to the bit),
 * and an element whose result is an earlier point (Gauss-Newton keeps its
 * best) has the steps after that point dropped.
 */
export function solveRecordingSteps(optimizer: Optimizer, window: number): { result: SolveResult; trajectory: Trajectory } {
  const program = optimizer.objective.program;
  const B = program.batch;
  const damping: DampingMode = optimizer instanceof LevenbergMarquardt ? 'diagonal' : 'identity';
  const steps: AcceptedStep[] = [];
  let result: SolveResult;
  try {
    result = optimizer.solveRecorded((r) => {
      if (!r.accepted.includes(1)) {
        r.factors?.dispose();
        return;
      }
      const lambda = new Float64Array(B);
      if (damping === 'diagonal') for (let b = 0; b < B; b++) lambda[b] = 1 / r.radius[b]!;
      steps.push({ accepted: r.accepted.slice(), delta: r.delta.slice(), lambda, factors: r.factors });
    });
  } catch (error) {
    for (const step of steps) step.factors?.dispose();
    throw error;
  }
  const options = optimizer.resolvedOptions;
  const start = program.initialState();
  const scale = new Float64Array(B * program.n).fill(1);
  if (options.jacobiScaling) {
    const { jValues } = program.evaluate(start, { residuals: false, jacobians: true });
    jacobiScale(jValues!, program.pattern.cols, B, program.n, scale);
  }
  const states = [start];
  for (const step of steps) {
    const next = start.map((v) => new Float64Array(v.length));
    program.retract(states[states.length - 1]!, step.delta, next, step.accepted);
    states.push(next);
  }
  const solution = program.variables.map((v) => result.values(v.name));
  for (let b = 0; b < B; b++) {
    let last = states.length - 1;
    while (last > 0 && !sameElement(program, states[last]!, solution, b)) last--;
    for (let k = last; k < steps.length; k++) steps[k]!.accepted[b] = 0;
  }
  // Only the steps some element unrolls are kept (truncated(k): its last k accepted ones), and only their factors.
  const accepted = Int32Array.from({ length: B }, (_, b) => acceptedSteps(steps, b));
  // unrolled[k][b]: element b unrolls step k.
  const unrolled = steps.map(() => new Uint8Array(B));
  for (let b = 0; b < B; b++) {
    let count = 0;
    for (let k = steps.length - 1; k >= 0 && count < window; k--) {
      if (!steps[k]!.accepted[b]) continue;
      count++;
      unrolled[k]![b] = 1;
    }
  }
  const found = unrolled.findIndex((elements) => elements.includes(1));
  const first = found < 0 ? steps.length : found;
  steps.forEach((step, k) => {
    if (unrolled[k]!.includes(1)) {
      step.factors?.keep(unrolled[k]!);
      return;
    }
    step.factors?.dispose();
    step.factors = undefined;
  });
  const { minDiagonal, maxDiagonal } = options.trustRegion;
  return { result, trajectory: { states: states.slice(first), steps: steps.slice(first), accepted, scale, damping, minDiagonal, maxDiagonal } };
}

/** Whether element b of two states holds the same numbers. */
function sameElement(program: Program, a: State, b: State, element: number): boolean {
  return program.variables.every((v, vi) => {
    const per = v.count * v.group.storage;
    for (let k = element * per; k < (element + 1) * per; k++) if (a[vi]![k] !== b[vi]![k]) return false;
    return true;
  });
}

/**
 * Runs the last `window` accepted steps of each element backward from the
 * storage cotangent `upstream` at x* (elements in `dead` get nothing): the
 * window the trajectory was recorded with.
 * `addInputGradients(x, u, step)` adds −∂φ/∂θ of one step to the inputs'
 * gradients. Returns the storage cotangent at x₀ of the non-constant
 * elements, for the batch elements whose every step was unrolled (zero for
 * the others: their earlier path is held constant).
 */
export function unrolledBackward(
  fn: string,
  program: Program,
  system: LinearSystem,
  trajectory: Trajectory,
  window: number,
  upstream: State,
  dead: readonly boolean[],
  addInputGradients: (x: State, u: Float64Array, step: StepProducts) => void,
): State {
  const { batch: B, n } = program;
  const { states, steps, scale, damping, minDiagonal, maxDiagonal } = trajectory;
  const cotangent = upstream.map((u) => u.slice());
  const perElement = (state: State, b: number, f: (x: Float64Array, begin: number, end: number) => void) =>
    program.variables.forEach((v, vi) => f(state[vi]!, b * v.count * v.group.storage, (b + 1) * v.count * v.group.storage));
  for (let b = 0; b < B; b++) if (dead[b]) perElement(cotangent, b, (x, begin, end) => x.fill(0, begin, end));
  // Constant elements pass through unchanged (the caller adds their upstream): the path is the free ones'.
  program.variables.forEach((v, vi) => {
    const st = v.group.storage;
    for (let b = 0; b < B; b++)
      for (let e = 0; e < v.count; e++) if (program.columns[vi]![e]! < 0) cotangent[vi]!.fill(0, (b * v.count + e) * st, (b * v.count + e + 1) * st);
  });
  const remaining = new Int32Array(B).fill(Math.min(window, 2 ** 31 - 1));
  const active = new Uint8Array(B);
  for (let k = steps.length - 1; k >= 0; k--) {
    const step = steps[k]!;
    for (let b = 0; b < B; b++) active[b] = step.accepted[b]! && !dead[b] && remaining[b]! > 0 ? 1 : 0;
    if (!active.includes(1)) continue;
    const x = states[k]!;
    const delta = step.delta.slice();
    for (let b = 0; b < B; b++) if (!active[b]) delta.fill(0, b * n, (b + 1) * n);

    // The cotangents of x_k (through the retraction alone) and of δ_k.
    const pointBar = retractionCotangent(program, x, delta, cotangent, 'point');
    const deltaBar = retractionCotangent(program, x, delta, cotangent, 'step');

    // u = K⁻¹ d̄ = S (Â + λD̂)⁻¹ S d̄, with the forward's factor of its scaled system at x_k (or that system refactored).
    const evaluation = program.evaluate(x, { residuals: true, jacobians: true, columnScale: scale, active });
    const rhs = new Float64Array(B * n);
    for (let i = 0; i < rhs.length; i++) rhs[i] = scale[i]! * deltaBar[i]!;
    const u = step.factors?.solve(rhs) ?? refactoredSolve(fn, system, evaluation, { lambda: step.lambda, damping }, active, k, rhs);
    for (let i = 0; i < u.length; i++) u[i]! *= scale[i]!;
    const dampingOf = new Float64Array(B * n);
    const scaledDiagonal = damping === 'diagonal' ? columnSquares(program.pattern.cols, evaluation.jValues!, B, n) : undefined;
    for (let b = 0; b < B; b++) {
      if (!active[b]) {
        u.fill(0, b * n, (b + 1) * n);
        continue;
      }
      if (scaledDiagonal === undefined) continue;
      for (let j = b * n; j < (b + 1) * n; j++) {
        const a = scaledDiagonal[j]!;
        if (a >= minDiagonal && a <= maxDiagonal) dampingOf[j] = step.lambda[b]!;
      }
    }
    const products: StepProducts = { delta, damping: dampingOf };

    // x̄_k = (through the retraction) − ∂φ/∂x; θ̄ −= ∂φ/∂θ.
    const phiGradient = new Float64Array(B * n);
    program.productTangentGradient(x, u, products, phiGradient);
    for (let i = 0; i < pointBar.length; i++) pointBar[i]! -= phiGradient[i]!;
    addInputGradients(x, u, products);
    const before = storageCotangent(program, x, pointBar);
    for (let b = 0; b < B; b++) {
      if (!active[b]) continue;
      remaining[b]!--;
      program.variables.forEach((v, vi) => {
        const per = v.count * v.group.storage;
        cotangent[vi]!.set(before[vi]!.subarray(b * per, (b + 1) * per), b * per);
      });
    }
  }
  // An element with steps left beyond its window holds the point before them constant.
  for (let b = 0; b < B; b++) {
    if (trajectory.accepted[b]! > window || dead[b]) perElement(cotangent, b, (x, begin, end) => x.fill(0, begin, end));
  }
  return cotangent;
}

/** K⁻¹ rhs with K = Â + λD̂ of the step refactored at x_k (the CUDA backend keeps no factor snapshots). */
function refactoredSolve(
  fn: string,
  system: LinearSystem,
  evaluation: { jValues?: Float64Array; residuals?: Float64Array },
  { lambda, damping }: { lambda: Float64Array; damping: DampingMode },
  active: Uint8Array,
  k: number,
  rhs: Float64Array,
): Float64Array {
  system.linearize(evaluation.jValues!, evaluation.residuals!, active);
  const factored = system.factor(lambda, damping);
  for (let b = 0; b < active.length; b++) {
    // The forward factored this very matrix: only rounding could tell them apart.
    if (active[b] && !factored.ok[b])
      throw stateError(
        `${fn}: batch element ${b}'s step ${k + 1} of the kept path, which the forward factored, could not be factored again (${factored.reason[b]})`,
      );
  }
  return system.solve(rhs);
}

/** The accepted steps of element b. */
function acceptedSteps(steps: readonly AcceptedStep[], b: number): number {
  let count = 0;
  for (const s of steps) count += s.accepted[b]!;
  return count;
}
