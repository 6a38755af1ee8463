/**
 * Robust losses ρ(s) of the cost ½ Σ ρ(‖W r‖²), with radius δ > 0 in whitened
 * units and ρ′(0) = 1; c = δ²:
 *   Huber          s ≤ c ? s : 2δ√s − c
 *   Cauchy         c·ln(1 + s/c)
 *   Geman-McClure  c·s / (c + s)
 *   Welsch         c·(1 − e^(−s/c))
 *   Tukey          s ≤ c ? c/3·(1 − (1 − s/c)³) : c/3
 * They enter the normal equations as in Ceres' Corrector: if s = 0 or
 * ρ″(s) ≤ 0, r̃ = √ρ′·r and J̃ = √ρ′·J; otherwise α = 1 − √(1 + 2sρ″/ρ′),
 * r̃ = √ρ′/(1 − α)·r and J̃ = √ρ′·(I − α·r rᵀ/s)·J. δ is shaped
 * [1|B] × [1|instances] and is an auxiliary input (the layer learns log δ).
 */
import { checkOneOf, rangeError } from '../base/check.js';
import { Auxiliary } from './auxiliary.js';

/** The robust losses ρ (formulas in {@link RobustLoss}). */
export type LossKind = 'huber' | 'cauchy' | 'geman-mcclure' | 'welsch' | 'tukey';
export const LOSS_KINDS: readonly LossKind[] = ['huber', 'cauchy', 'geman-mcclure', 'welsch', 'tukey'];

/** Options of the {@link RobustLoss} constructors. */
export interface LossOptions {
  /** Batch size of the radii (1 or B; default 1). */
  batch?: number;
  /** The name of this auxiliary input (default: `<term>.loss`). */
  name?: string;
}

/**
 * A robust loss with its radius δ.
 *
 * @example
 * ```ts
 * import { RobustLoss } from 'ariadne';
 * const huber = RobustLoss.huber(1.5);
 * const out = new Float64Array(3);
 * huber.rho(4, 1.5, out); // s = ‖Wr‖² = 4 beyond δ² = 2.25
 * console.log(out[0], out[1]); // 3.75 0.75 — ρ = 2·1.5·2 − 2.25, ρ′ = 1.5 / 2
 * ```
 */
export class RobustLoss {
  /** Which ρ. */
  readonly kind: LossKind;
  readonly #radius: Float64Array;
  readonly #options: LossOptions;

  constructor(kind: LossKind, radius: number | Float64Array, options: LossOptions = {}) {
    this.kind = checkOneOf('RobustLoss', 'kind', kind, LOSS_KINDS);
    this.#radius = typeof radius === 'number' ? Float64Array.of(radius) : radius;
    this.#options = options;
  }

  /** Huber: ρ(s) = s for s ≤ δ², 2δ√s − δ² beyond (quadratic near 0, linear in ‖Wr‖ far away). */
  static huber(radius: number | Float64Array, options?: LossOptions): RobustLoss {
    return new RobustLoss('huber', radius, options);
  }
  /** Cauchy: ρ(s) = δ²·ln(1 + s/δ²). */
  static cauchy(radius: number | Float64Array, options?: LossOptions): RobustLoss {
    return new RobustLoss('cauchy', radius, options);
  }
  /** Geman-McClure: ρ(s) = δ²s / (δ² + s), bounded by δ². */
  static gemanMcClure(radius: number | Float64Array, options?: LossOptions): RobustLoss {
    return new RobustLoss('geman-mcclure', radius, options);
  }
  /** Welsch: ρ(s) = δ²·(1 − e^(−s/δ²)), bounded by δ². */
  static welsch(radius: number | Float64Array, options?: LossOptions): RobustLoss {
    return new RobustLoss('welsch', radius, options);
  }
  /** Tukey's biweight: ρ(s) = δ²/3·(1 − (1 − s/δ²)³) for s ≤ δ², δ²/3 beyond. */
  static tukey(radius: number | Float64Array, options?: LossOptions): RobustLoss {
    return new RobustLoss('tukey', radius, options);
  }

  /** Binds the loss to a term, validating δ (finite, > 0). */
  bind(fn: string, termName: string): Auxiliary {
    return new Auxiliary(fn, 'options.loss', this.#options.name ?? `${termName}.loss`, this.#radius, 1, this.#options.batch, undefined, (v, f, a) => {
      for (let i = 0; i < v.length; i++) {
        if (!(Number.isFinite(v[i]) && v[i]! > 0)) throw rangeError(f, a, 'a finite loss radius > 0', `${v[i]} at index ${i}`);
      }
    });
  }

  /** out = [ρ(s), ρ′(s), ρ″(s)] for radius δ. */
  rho(s: number, delta: number, out: Float64Array): void {
    rho(this.kind, s, delta, out, 0);
  }

  /**
   * out = [∂ρ(s)/∂δ, ∂ρ′(s)/∂δ] at radius δ: the radius' share of the cost
   * ½ρ and of its gradient ρ′·JᵀWᵀW r (what the differentiable layer needs).
   *
   * @example
   * ```ts
   * import { RobustLoss } from 'ariadne';
   * const out = new Float64Array(2);
   * RobustLoss.huber(1.5).radiusDerivatives(4, 1.5, out); // s = 4 beyond δ² = 2.25: ρ = 2δ√s − δ², ρ′ = δ/√s
   * console.log(out[0], out[1]); // 1 0.5 — 2√s − 2δ, 1/√s
   * ```
   */
  radiusDerivatives(s: number, delta: number, out: Float64Array): void {
    rhoRadius(this.kind, s, delta, out, 0);
  }
}

/**
 * Writes [∂ρ/∂δ, ∂ρ′/∂δ] at out[o..o+1]. Each ρ is c·φ(s/c) with c = δ², so
 * ∂/∂δ = 2δ·∂/∂c; with x = s/c:
 *   Huber          s ≤ c: 0, 0;  beyond: 2√s − 2δ, 1/√s
 *   Cauchy         ∂ρ/∂c = ln(1 + x) − x/(1 + x),   ∂ρ′/∂c = x/(c(1 + x)²)
 *   Geman-McClure  ∂ρ/∂c = x²/(1 + x)²,              ∂ρ′/∂c = 2x/(c(1 + x)³)
 *   Welsch         ∂ρ/∂c = 1 − e⁻ˣ − x·e⁻ˣ,           ∂ρ′/∂c = x·e⁻ˣ/c
 *   Tukey          s ≤ c, q = 1 − x: ∂ρ/∂c = (1 − q³)/3 − q²x, ∂ρ′/∂c = 2qx/c;  beyond: 1/3, 0
 */
export function rhoRadius(kind: LossKind, s: number, delta: number, out: Float64Array, o: number): void {
  const c = delta * delta;
  const x = s / c;
  let dRho: number;
  let dRho1: number;
  switch (kind) {
    case 'huber': {
      const root = Math.sqrt(s);
      out[o] = s <= c ? 0 : 2 * root - 2 * delta;
      out[o + 1] = s <= c ? 0 : 1 / root;
      return;
    }
    case 'cauchy':
      dRho = Math.log1p(x) - x / (1 + x);
      dRho1 = x / (c * (1 + x) * (1 + x));
      break;
    case 'geman-mcclure':
      dRho = (x * x) / ((1 + x) * (1 + x));
      dRho1 = (2 * x) / (c * (1 + x) * (1 + x) * (1 + x));
      break;
    case 'welsch': {
      const e = Math.exp(-x);
      dRho = -Math.expm1(-x) - x * e;
      dRho1 = (x * e) / c;
      break;
    }
    case 'tukey': {
      const q = 1 - x;
      dRho = s <= c ? (1 - q * q * q) / 3 - q * q * x : 1 / 3;
      dRho1 = s <= c ? (2 * q * x) / c : 0;
      break;
    }
  }
  out[o] = 2 * delta * dRho;
  out[o + 1] = 2 * delta * dRho1;
}

/** Writes ρ, ρ′, ρ″ at out[o..o+2]. */
export function rho(kind: LossKind, s: number, delta: number, out: Float64Array, o: number): void {
  const c = delta * delta;
  switch (kind) {
    case 'huber': {
      if (s <= c) {
        out[o] = s;
        out[o + 1] = 1;
        out[o + 2] = 0;
      } else {
        const root = Math.sqrt(s);
        out[o] = 2 * delta * root - c;
        out[o + 1] = delta / root;
        out[o + 2] = -delta / (2 * s * root);
      }
      return;
    }
    case 'cauchy': {
      const q = 1 + s / c;
      out[o] = c * Math.log1p(s / c);
      out[o + 1] = 1 / q;
      out[o + 2] = -1 / (c * q * q);
      return;
    }
    case 'geman-mcclure': {
      const q = c + s;
      out[o] = (c * s) / q;
      out[o + 1] = (c * c) / (q * q);
      out[o + 2] = (-2 * c * c) / (q * q * q);
      return;
    }
    case 'welsch': {
      const e = Math.exp(-s / c);
      out[o] = -c * Math.expm1(-s / c);
      out[o + 1] = e;
      out[o + 2] = -e / c;
      return;
    }
    case 'tukey': {
      if (s <= c) {
        const q = 1 - s / c;
        out[o] = (c / 3) * (1 - q * q * q);
        out[o + 1] = q * q;
        out[o + 2] = (-2 * q) / c;
      } else {
        out[o] = c / 3;
        out[o + 1] = 0;
        out[o + 2] = 0;
      }
      return;
    }
  }
}

/**
 * Applies the loss in place to `rows` rows of d residuals and their Jacobian
 * blocks (Ceres' Corrector), returning ρ(s) per row in `rhoOut`.
 */
export function applyLoss(
  kind: LossKind,
  d: number,
  radius: Float64Array,
  rows: number,
  residuals: Float64Array,
  jacobians: readonly { values: Float64Array; cols: number }[],
  rhoOut: Float64Array,
): void {
  const r3 = new Float64Array(3);
  for (let row = 0; row < rows; row++) {
    const base = row * d;
    let s = 0;
    for (let a = 0; a < d; a++) s += residuals[base + a]! * residuals[base + a]!;
    rho(kind, s, radius[row]!, r3, 0);
    rhoOut[row] = r3[0]!;
    const rho1 = r3[1]!;
    const rho2 = r3[2]!;
    const sqrtRho1 = Math.sqrt(rho1);
    if (s === 0 || rho2 <= 0) {
      for (let a = 0; a < d; a++) residuals[base + a]! *= sqrtRho1;
      for (const { values, cols } of jacobians) {
        for (let i = base * cols; i < (base + d) * cols; i++) values[i]! *= sqrtRho1;
      }
      continue;
    }
    const alpha = 1 - Math.sqrt(1 + (2 * s * rho2) / rho1);
    const alphaOverS = alpha / s;
    // J̃ = √ρ′ (J − (α/s) r (rᵀJ)), with the unscaled r; then r̃.
    for (const { values, cols } of jacobians) {
      const jBase = base * cols;
      for (let col = 0; col < cols; col++) {
        let rtj = 0;
        for (let a = 0; a < d; a++) rtj += residuals[base + a]! * values[jBase + a * cols + col]!;
        for (let a = 0; a < d; a++) {
          const i = jBase + a * cols + col;
          values[i] = sqrtRho1 * (values[i]! - alphaOverS * residuals[base + a]! * rtj);
        }
      }
    }
    const scale = sqrtRho1 / (1 - alpha);
    for (let a = 0; a < d; a++) residuals[base + a]! *= scale;
  }
}
