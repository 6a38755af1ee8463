/**
 * The strategy of a trust-region method (as Ceres' TrustRegionStrategy):
 * how a step is computed from the linearisation, and how the trust region
 * reacts to an accepted, rejected or invalid step. Gauss-Newton,
 * Levenberg-Marquardt and Dogleg are strategies of one loop (minimizer.ts).
 */
import type { DampingMode } from '../linear/normal-equations.js';
import type { LinearSteps } from '../linear/drivers.js';

/** What a strategy sees: the batch, the scaled gradient G = S·Jᵀr at each element's x, the coordinates held on a bound, and J·v. */
export interface StepContext {
  batch: number;
  n: number;
  running: Uint8Array;
  gradient: Float64Array;
  /** B·n: 1 where a coordinate sits on a bound that −G pushes against (held this iteration); all 0 without box bounds. */
  held: Uint8Array;
  /** J·v with each element's current (scaled) Jacobian (valid until the next call). */
  jv(v: Float64Array): Float64Array;
  /**
   * y = −A⁻¹ G with the last factor, for all running elements (valid until
   * the next call); with held coordinates, the reduced system's:
   * A_FF y_F = −G_F on the free ones, y = 0 on the held ones.
   */
  newtonStep(): LinearSteps<Float64Array>;
  /** Re-forms A for the given elements (their J and r are unchanged), so that the next factor covers only them. */
  relinearize(active: Uint8Array): LinearSteps<void>;
  /**
   * The Newton step y = −(A + λD)⁻¹G with this damping: the one computed
   * with the last linearisation (when the strategy planned this factor,
   * plannedFactor, and that linearisation covered every running element),
   * else factored and solved now.
   */
  dampedNewtonStep(factor: { lambda: Float64Array; mode: DampingMode }): LinearSteps<StepOutput>;
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
  /**
   * Whether its step is y = −(A + λD)⁻¹G with the last factor (Gauss-Newton,
   * Levenberg-Marquardt): box bounds then reduce it to the free coordinates.
   * A strategy that is not (Dogleg) holds them itself (StepContext.held, newtonStep).
   */
  readonly newtonStep: boolean;
  /** Whether element b must have A re-formed before the next step although its x did not change. */
  needsRefactor(b: number): boolean;
  /**
   * The damping of the next factorisation when it is known before the
   * linearisation (which then goes to the native side with that factor and
   * the Newton step as one call; see StepContext.dampedNewtonStep).
   */
  plannedFactor?(): { lambda: Float64Array; mode: DampingMode };
  step(ctx: StepContext): LinearSteps<StepOutput>;
  accepted(b: number, quality: number, stepNorm: number): void;
  rejected(b: number): void;
  /** A step that could not be computed: a reason to fail the element, or null to go on (e.g. more damping). */
  invalid(b: number, reason: string | null): string | null;
  /** Whether element b's trust region has shrunk below its minimum (converged). */
  exhausted(b: number): boolean;
  /** The trust-region radius of element b, for the iteration table. */
  radius(b: number): number;
}
