/**
 * Levenberg-Marquardt with Ceres' trust-region rules, per batch element:
 * solve (A + λ·D) y = −g in Jacobi-scaled coordinates with λ = 1/μ and
 * D = clamp(diag A, 1e-6, 1e32); on an accepted step of quality ρ,
 * μ ← μ / max(1/3, 1 − (2ρ − 1)³) (at most the maximum radius, 1e16) and
 * v ← 1/shrink (2); on a rejected step, μ ← μ / v and v ← v/shrink.
 * Converged when μ < the minimum radius (1e-32).
 */
import type { Objective } from '../core/objective.js';
import type { LinearSteps } from '../linear/drivers.js';
import type { OptimizerOptions, ResolvedOptions, TrustRegionOptions } from './options.js';
import { Optimizer } from './optimizer.js';
import type { StepContext, StepOutput, Strategy } from './strategy.js';

class LevenbergMarquardtStrategy implements Strategy {
  readonly acceptAll = false;
  readonly newtonStep = true;
  readonly #region: TrustRegionOptions;
  readonly #mu: Float64Array;
  readonly #decrease: Float64Array;

  constructor(batch: number, region: TrustRegionOptions) {
    this.#region = region;
    this.#mu = new Float64Array(batch).fill(region.initialRadius);
    this.#decrease = new Float64Array(batch).fill(1 / region.shrink);
  }

  needsRefactor(): boolean {
    return true; // λ changes after every step, accepted or not
  }

  plannedFactor(): { lambda: Float64Array; mode: 'diagonal' } {
    // λ = 1/μ is known once the last step was judged (before x's linearisation).
    const lambda = new Float64Array(this.#mu.length);
    for (let b = 0; b < lambda.length; b++) lambda[b] = 1 / this.#mu[b]!;
    return { lambda, mode: 'diagonal' };
  }

  *step(ctx: StepContext): LinearSteps<StepOutput> {
    return yield* ctx.dampedNewtonStep(this.plannedFactor());
  }

  accepted(b: number, quality: number): void {
    this.#mu[b] = Math.min(this.#region.maxRadius, this.#mu[b]! / Math.max(1 / 3, 1 - (2 * quality - 1) ** 3));
    this.#decrease[b] = 1 / this.#region.shrink;
  }

  rejected(b: number): void {
    this.#mu[b]! /= this.#decrease[b]!;
    this.#decrease[b]! /= this.#region.shrink;
  }

  invalid(b: number): string | null {
    this.rejected(b); // more damping makes A + λD positive definite
    return null;
  }

  exhausted(b: number): boolean {
    return this.#mu[b]! < this.#region.minRadius;
  }

  radius(b: number): number {
    return this.#mu[b]!;
  }
}

/**
 * Levenberg-Marquardt (the default optimiser, as in Ceres).
 *
 * @example
 * ```ts
 * import { Between, LevenbergMarquardt, Objective, SE2, Variable } from 'ariadne';
 * // A square loop of four 2D poses; odometry says 1 m forward then 90° left, four times.
 * const poses = new Variable('poses', SE2, new Float64Array([0, 0, 0, 1.1, 0.1, 1.5, 1, 1.1, 3.1, -0.1, 0.9, -1.6]), { constant: [0] });
 * const step = [1, 0, Math.PI / 2];
 * const edges = new Between({
 *   a: { variable: poses, indices: [0, 1, 2, 3] },
 *   b: { variable: poses, indices: [1, 2, 3, 0] },
 *   measurement: new Float64Array([...step, ...step, ...step, ...step]),
 * });
 * const result = new LevenbergMarquardt(new Objective([edges])).solve();
 * console.log(result.status[0], result.finalCost[0] < 1e-12); // converged true
 * ```
 */
export class LevenbergMarquardt extends Optimizer {
  constructor(objective: Objective, options?: OptimizerOptions) {
    super('LevenbergMarquardt', objective, options);
  }

  /** @internal */
  protected strategy(batch: number, options: ResolvedOptions): Strategy {
    return new LevenbergMarquardtStrategy(batch, options.trustRegion);
  }
}
