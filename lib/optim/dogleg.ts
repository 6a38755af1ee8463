/**
 * Powell's dogleg, per batch element, in Jacobi-scaled coordinates y (δ = S·y):
 *   Gauss-Newton point  y_gn = −(A + μ·D)⁻¹ g,  μ from 1e-8, ×10 while A + μD
 *                        is not positive definite (up to 1);
 *   Cauchy point        y_cp = −α g,  α = ‖g‖² / ‖J g‖²;
 *   step: y_gn if ‖y_gn‖ ≤ Δ; else −Δ g/‖g‖ if ‖y_cp‖ ≥ Δ; else the point
 *   where the segment y_cp → y_gn leaves the ball ‖y‖ = Δ.
 * With box bounds, the coordinates held (on a bound that −g pushes against)
 * are left out of both points: y_gn solves the reduced system
 * (A + μD)_FF y_F = −g_F with y_B = 0, and y_cp = −α g_F with g_F = g, its
 * held coordinates zeroed, α = ‖g_F‖² / ‖J g_F‖²; the path between them
 * moves the free coordinates only, and the candidate is projected onto the
 * box (minimizer.ts).
 * Radius (Ceres' DoglegStrategy): × shrink (½) when ρ < 0.25 or the step is
 * rejected; max(Δ, growth (3) · ‖y‖) when ρ > 0.75, at most the maximum radius. A rejected step reuses y_gn and y_cp
 * (x did not change, nor then the held coordinates): no new factorisation.
 */
import type { Objective } from '../core/objective.js';
import type { FactorResult } from '../linear/normal-equations.js';
import type { LinearSteps } from '../linear/drivers.js';
import type { OptimizerOptions, ResolvedOptions, TrustRegionOptions } from './options.js';
import { Optimizer } from './optimizer.js';
import type { StepContext, StepOutput, Strategy } from './strategy.js';

const MIN_MU = 1e-8;
const MAX_MU = 1;

class DoglegStrategy implements Strategy {
  readonly acceptAll = false;
  readonly newtonStep = false;
  readonly #region: TrustRegionOptions;
  readonly #radius: Float64Array;
  readonly #mu: Float64Array;
  /** 1 where x changed since y_gn and y_cp were computed. */
  readonly #stale: Uint8Array;
  readonly #valid: Uint8Array;
  readonly #reason: (string | null)[];
  #gaussNewton: Float64Array | undefined;
  #cauchy: Float64Array | undefined;
  /** g_F: the gradient without the held coordinates (g itself without bounds). */
  #free: Float64Array | undefined;
  /** The step returned (reused: read before the next step). */
  #step: Float64Array | undefined;

  constructor(batch: number, region: TrustRegionOptions) {
    this.#region = region;
    this.#radius = new Float64Array(batch).fill(region.initialRadius);
    this.#mu = new Float64Array(batch).fill(MIN_MU);
    this.#stale = new Uint8Array(batch).fill(1);
    this.#valid = new Uint8Array(batch);
    this.#reason = new Array<string | null>(batch).fill(null);
  }

  needsRefactor(): boolean {
    return false;
  }

  *step(ctx: StepContext): LinearSteps<StepOutput> {
    const { batch: B, n, gradient } = ctx;
    this.#gaussNewton ??= new Float64Array(B * n);
    this.#cauchy ??= new Float64Array(B * n);
    const need = new Uint8Array(B);
    for (let b = 0; b < B; b++) need[b] = ctx.running[b]! & this.#stale[b]!;
    if (need.some((v) => v === 1)) {
      // The last linearisation covered exactly the elements that need a new factor.
      let pending = need.slice();
      for (;;) {
        const lambda = new Float64Array(B);
        for (let b = 0; b < B; b++) lambda[b] = this.#mu[b]!;
        const { ok, reason } = (yield { op: 'factor', lambda, mode: 'diagonal' }) as FactorResult;
        const retry = new Uint8Array(B);
        for (let b = 0; b < B; b++) {
          if (!pending[b]) continue;
          this.#valid[b] = ok[b]!;
          this.#reason[b] = reason[b] ?? null;
          if (!ok[b] && this.#mu[b]! * 10 <= MAX_MU) {
            this.#mu[b]! *= 10;
            retry[b] = 1;
          }
        }
        if (!retry.some((v) => v === 1)) break;
        yield* ctx.relinearize(retry);
        pending = retry;
      }
      const y = yield* ctx.newtonStep();
      const free = (this.#free ??= new Float64Array(B * n));
      for (let c = 0; c < B * n; c++) free[c] = ctx.held[c] ? 0 : gradient[c]!;
      const jg = ctx.jv(free);
      const m = jg.length / B;
      for (let b = 0; b < B; b++) {
        if (!need[b]) continue;
        this.#stale[b] = 0;
        this.#gaussNewton.set(y.subarray(b * n, (b + 1) * n), b * n);
        // α = ‖g_F‖² / ‖J g_F‖² (0 when g_F = 0: every coordinate held, or a stationary point).
        const gg = sum2(free, b * n, (b + 1) * n);
        const alpha = gg > 0 ? gg / sum2(jg, b * m, (b + 1) * m) : 0;
        for (let c = b * n; c < (b + 1) * n; c++) this.#cauchy[c] = -alpha * free[c]!;
      }
    }

    this.#step ??= new Float64Array(B * n);
    const out = this.#step.fill(0);
    for (let b = 0; b < B; b++) {
      if (!ctx.running[b] || !this.#valid[b]) continue;
      const radius = this.#radius[b]!;
      const gn = this.#gaussNewton.subarray(b * n, (b + 1) * n);
      const cp = this.#cauchy.subarray(b * n, (b + 1) * n);
      const y = out.subarray(b * n, (b + 1) * n);
      const gnNorm = Math.sqrt(sum2(gn, 0, n));
      const cpNorm = Math.sqrt(sum2(cp, 0, n));
      if (gnNorm <= radius) {
        y.set(gn);
      } else if (cpNorm >= radius) {
        for (let c = 0; c < n; c++) y[c] = (radius / cpNorm) * cp[c]!;
      } else {
        // ‖cp + β(gn − cp)‖ = Δ, β ∈ [0, 1].
        let a = 0;
        let bq = 0;
        for (let c = 0; c < n; c++) {
          const d = gn[c]! - cp[c]!;
          a += d * d;
          bq += 2 * cp[c]! * d;
        }
        const cq = cpNorm * cpNorm - radius * radius;
        const beta = (-bq + Math.sqrt(bq * bq - 4 * a * cq)) / (2 * a);
        for (let c = 0; c < n; c++) y[c] = cp[c]! + beta * (gn[c]! - cp[c]!);
      }
    }
    return { y: out, valid: this.#valid.slice(), reason: this.#reason.slice() };
  }

  accepted(b: number, quality: number, stepNorm: number): void {
    if (quality < 0.25) this.#radius[b]! *= this.#region.shrink;
    if (quality > 0.75) this.#radius[b] = Math.max(this.#radius[b]!, this.#region.growth * stepNorm);
    this.#radius[b] = Math.min(this.#region.maxRadius, this.#radius[b]!);
    this.#mu[b] = Math.max(MIN_MU, this.#mu[b]! / 5);
    this.#stale[b] = 1;
  }

  rejected(b: number): void {
    this.#radius[b]! *= this.#region.shrink;
  }

  invalid(_b: number, reason: string | null): string {
    return `the Gauss-Newton system stays ${reason ?? 'singular'} with damping μ = ${MAX_MU}`;
  }

  exhausted(b: number): boolean {
    return this.#radius[b]! < this.#region.minRadius;
  }

  radius(b: number): number {
    return this.#radius[b]!;
  }
}

function sum2(v: Float64Array, begin: number, end: number): number {
  let s = 0;
  for (let i = begin; i < end; i++) s += v[i]! * v[i]!;
  return s;
}

/**
 * Powell's dogleg trust-region method.
 *
 * With box bounds, the coordinates held on a bound (the gradient pushing
 * outward) are left out of both its Gauss-Newton and its Cauchy point.
 *
 * @example
 * ```ts
 * import { Dogleg, Objective, Prior, SO2, Variable } from 'ariadne';
 * const heading = new Variable('heading', SO2, new Float64Array([3]));
 * const result = new Dogleg(new Objective([new Prior({ variable: heading, target: new Float64Array([-3]) })])).solve();
 * console.log(result.values('heading')[0].toFixed(6)); // -3.000000 — across ±π
 * ```
 */
export class Dogleg extends Optimizer {
  constructor(objective: Objective, options?: OptimizerOptions) {
    super('Dogleg', objective, options);
  }

  /** @internal */
  protected strategy(batch: number, options: ResolvedOptions): Strategy {
    return new DoglegStrategy(batch, options.trustRegion);
  }
}
