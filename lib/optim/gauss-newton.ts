/**
 * Gauss-Newton: y = −A⁻¹g (Jacobi-scaled), every finite step accepted. An
 * element whose A is not positive definite (gauge freedom, too few
 * measurements) fails with the reason; Levenberg-Marquardt damps instead.
 * The result keeps the best point seen, since GN may increase the cost.
 */
import type { Objective } from '../core/objective.js';
import type { LinearSteps } from '../linear/drivers.js';
import type { OptimizerOptions } from './options.js';
import { Optimizer } from './optimizer.js';
import type { StepContext, StepOutput, Strategy } from './strategy.js';

class GaussNewtonStrategy implements Strategy {
  readonly acceptAll = true;
  readonly newtonStep = true;

  needsRefactor(): boolean {
    return false;
  }

  constructor(readonly batch: number) {}

  plannedFactor(): { lambda: Float64Array; mode: 'identity' } {
    return { lambda: new Float64Array(this.batch), mode: 'identity' };
  }

  *step(ctx: StepContext): LinearSteps<StepOutput> {
    return yield* ctx.dampedNewtonStep(this.plannedFactor());
  }

  accepted(): void {}
  rejected(): void {}

  invalid(_b: number, reason: string | null): string {
    return `the Gauss-Newton system JᵀJ is ${reason ?? 'singular'}; LevenbergMarquardt damps it`;
  }

  exhausted(): boolean {
    return false;
  }

  radius(): number {
    return 0;
  }
}

/**
 * Gauss-Newton.
 *
 * @example
 * ```ts
 * import { GaussNewton, Objective, Prior, Variable, Vector } from 'ariadne';
 * const x = new Variable('x', Vector(2), new Float64Array([4, -1]));
 * const result = new GaussNewton(new Objective([new Prior({ variable: x, target: new Float64Array([1, 2]) })])).solve();
 * console.log(Array.from(result.values('x'))); // [1, 2]
 * ```
 */
export class GaussNewton extends Optimizer {
  constructor(objective: Objective, options?: OptimizerOptions) {
    super('GaussNewton', objective, options);
  }

  /** @internal */
  protected strategy(batch: number): Strategy {
    return new GaussNewtonStrategy(batch);
  }
}
