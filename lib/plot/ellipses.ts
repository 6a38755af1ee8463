/**
 * Uncertainty ellipses of pose positions. A position p ~ N(p*, Σ) (world
 * frame, d = 2 or 3) lands on the page at q = P p, P the view's 2 × d
 * projection (rows `right` and `up`, as projectPoints), so q ~ N(P p*, C)
 * with C = P Σ Pᵀ. The ellipse drawn is the confidence region
 *   {q : (q − P p*)ᵀ C⁻¹ (q − P p*) ≤ k²},  k² = −2 ln(1 − confidence)
 * (the χ²₂ quantile: 5.991 at 0.95), with semi-axes k √λᵢ along the
 * eigenvectors of C. In page px (X = x + (u − u0)·s, Y = y + (v1 − v)·s) C
 * becomes s² F C F, F = diag(1, −1); with a, b, c its XX, XY, YY entries,
 *   λ₁,₂ = (a + c)/2 ± √(((a − c)/2)² + b²),   φ = ½ atan2(2b, a − c),
 * φ the major axis' angle from +X towards +Y (SVG's rotate).
 *
 * All ellipses are one path of two half-arcs each, all turning the same
 * way: filled once (nonzero), so that overlaps do not darken, and each
 * outlined. About 70 bytes per pose.
 */
import { checkAbove, checkTypedArray, rangeError } from '../base/check.js';
import type { Projection } from './projection.js';
import { px, type LegendItem } from './svg.js';
import type { Frame } from './pose-graph.js';
import { formatValue } from './ticks.js';

const ELLIPSE_COLOR = '#1f78c8';
const FILL_OPACITY = 0.1;
const STROKE_OPACITY = 0.5;
/** Relative tolerance of the symmetry and semi-definiteness checks. */
const TOLERANCE = 1e-9;

/** The part of a panel's frame (pose-graph.ts) the ellipses use: X = x + (u − u0)·s, Y = y + (v1 − v)·s; the panel is w × h px. */
export type EllipseFrame = Pick<Frame, 'x' | 'y' | 'w' | 'h' | 's' | 'u0' | 'v1'>;

/**
 * Reads `covariances`: count symmetric positive semi-definite d × d blocks,
 * row-major, finite (a rounding-level asymmetry or negative eigenvalue,
 * ≤ 1e-9 of the diagonal, is accepted).
 */
export function checkCovariances(fn: string, arg: string, value: unknown, count: number, d: number): Float64Array {
  const axes = d === 2 ? 'x-y' : 'x-y-z';
  const sigma = checkTypedArray(fn, arg, value, Float64Array, count * d * d, `${count} poses × ${d} × ${d}: each pose's ${axes} covariance`);
  const entry = (i: number, r: number, c: number) => sigma[(i * d + r) * d + c]!;
  const requirement = `symmetric positive semi-definite ${d} × ${d} blocks (position covariances)`;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < d * d; k++) {
      const v = sigma[i * d * d + k]!;
      if (!Number.isFinite(v)) throw rangeError(fn, arg, 'finite', `${v} at pose ${i}, index ${k}`);
    }
    let scale = 0;
    for (let r = 0; r < d; r++) scale = Math.max(scale, Math.abs(entry(i, r, r)));
    for (let r = 0; r < d; r++) {
      for (let c = r + 1; c < d; c++) {
        if (Math.abs(entry(i, r, c) - entry(i, c, r)) > TOLERANCE * scale)
          throw rangeError(
            fn,
            arg,
            requirement,
            `a block that is not symmetric at pose ${i} (${entry(i, r, c)} at [${r}][${c}], ${entry(i, c, r)} at [${c}][${r}])`,
          );
      }
    }
    // Semi-definite: every principal minor ≥ 0 (within the tolerance, in units of the diagonal's scale).
    const minor = negativeMinor((r, c) => entry(i, r, c), d, scale);
    if (minor !== undefined) throw rangeError(fn, arg, requirement, `a block with a negative eigenvalue at pose ${i} (${minor})`);
  }
  return sigma;
}

/** The first principal minor of a symmetric d × d matrix (d ≤ 3) below −1e-9·scaleᵏ, described; undefined when none. */
function negativeMinor(m: (r: number, c: number) => number, d: number, scale: number): string | undefined {
  const name = (rows: number[]) => `the minor of rows ${rows.join(', ')}`;
  for (let r = 0; r < d; r++) if (m(r, r) < -TOLERANCE * scale) return `${m(r, r)} at [${r}][${r}]`;
  for (let r = 0; r < d; r++) {
    for (let c = r + 1; c < d; c++) {
      const det = m(r, r) * m(c, c) - m(r, c) * m(c, r);
      if (det < -TOLERANCE * scale * scale) return `${name([r, c])} is ${det}`;
    }
  }
  if (d === 3) {
    const det =
      m(0, 0) * (m(1, 1) * m(2, 2) - m(1, 2) * m(2, 1)) - m(0, 1) * (m(1, 0) * m(2, 2) - m(1, 2) * m(2, 0)) + m(0, 2) * (m(1, 0) * m(2, 1) - m(1, 1) * m(2, 0));
    if (det < -TOLERANCE * scale ** 3) return `its determinant is ${det}`;
  }
  return undefined;
}

/** Reads `confidence` (default 0.95) and returns it with k² = −2 ln(1 − confidence). */
export function checkConfidence(fn: string, arg: string, value: unknown): { confidence: number; k2: number } {
  const confidence = value === undefined ? 0.95 : checkAbove(fn, arg, value, 0, 1);
  return { confidence, k2: -2 * Math.log1p(-confidence) };
}

/** Semi-axes (px) and the major axis' angle (degrees, from +X towards +Y, in (−90, 90]) of one pose's ellipse. */
function pageEllipse(sigma: Float64Array, i: number, d: number, p: Projection, s: number, k2: number): { rx: number; ry: number; angle: number } {
  // C = P Σ Pᵀ in m², then page px²: a = s² C_uu, b = −s² C_uv, c = s² C_vv.
  const at = (r: number, c: number) => (sigma[(i * d + r) * d + c]! + sigma[(i * d + c) * d + r]!) / 2;
  let uu = 0;
  let uv = 0;
  let vv = 0;
  for (let r = 0; r < d; r++) {
    for (let c = 0; c < d; c++) {
      const m = at(r, c);
      uu += p.right[r]! * m * p.right[c]!;
      uv += p.right[r]! * m * p.up[c]!;
      vv += p.up[r]! * m * p.up[c]!;
    }
  }
  const a = s * s * uu;
  const b = -s * s * uv;
  const c = s * s * vv;
  const mean = (a + c) / 2;
  const radius = Math.hypot((a - c) / 2, b);
  // A semi-definite C has λ₂ ≥ 0 up to rounding.
  const rx = Math.sqrt(k2 * Math.max(0, mean + radius));
  const ry = Math.sqrt(k2 * Math.max(0, mean - radius));
  let angle = radius === 0 ? 0 : (Math.atan2(2 * b, a - c) * 90) / Math.PI;
  if (angle <= -90) angle += 180;
  return { rx, ry, angle };
}

/**
 * The ellipses about the page positions `uv` (metres) of the poses, in pose
 * order, clipped to the panel: per pose `M` at the end of the major axis,
 * then two arcs `a rx ry φ 1 0 ∓2rx·(cos φ, sin φ)`. Ellipses under 0.05 px
 * (a fixed pose's zero block) are left out; a flat one keeps 0.1 px across,
 * a line.
 */
export function ellipsesSvg(sigma: Float64Array, uv: Float64Array, d: number, p: Projection, f: EllipseFrame, k2: number, strokeWidth: number): string {
  const count = uv.length / 2;
  let path = '';
  for (let i = 0; i < count; i++) {
    const { rx, ry, angle } = pageEllipse(sigma, i, d, p, f.s, k2);
    if (!(rx >= 0.05)) continue;
    const X = f.x + (uv[2 * i]! - f.u0) * f.s;
    const Y = f.y + (f.v1 - uv[2 * i + 1]!) * f.s;
    const phi = (angle * Math.PI) / 180;
    const dx = rx * Math.cos(phi);
    const dy = rx * Math.sin(phi);
    const arc = `a${px(rx)} ${px(Math.max(ry, 0.1))} ${px(angle)} 1 0`;
    // Rounded once, so that the second half-arc ends exactly where the first began.
    const [ax, ay] = [px(-2 * dx), px(-2 * dy)];
    path += `M${px(X + dx)} ${px(Y + dy)}${arc} ${ax} ${ay}${arc} ${negate(ax)} ${negate(ay)}`;
  }
  if (path === '') return '';
  return (
    `<defs><clipPath id="ellipse-clip"><rect x="${px(f.x)}" y="${px(f.y)}" width="${px(f.w)}" height="${px(f.h)}"/></clipPath></defs>` +
    `<path class="ellipses" clip-path="url(#ellipse-clip)" d="${path}" fill="${ELLIPSE_COLOR}" fill-opacity="${FILL_OPACITY}" stroke="${ELLIPSE_COLOR}" stroke-opacity="${STROKE_OPACITY}" stroke-width="${Math.round(strokeWidth * 100) / 100}"/>`
  );
}

/** −x of a number as px writes it. */
const negate = (x: string): string => (x === '0' ? x : x.startsWith('-') ? x.slice(1) : `-${x}`);

/** The legend's entry: what the ellipses mean. */
export function ellipseLegendItem(confidence: number): LegendItem {
  return {
    label: `${formatValue(100 * confidence)}% position confidence ellipse`,
    swatch: (x, y) =>
      `<ellipse cx="${px(x + 12)}" cy="${px(y)}" rx="11" ry="5" fill="${ELLIPSE_COLOR}" fill-opacity="${FILL_OPACITY * 2}" stroke="${ELLIPSE_COLOR}" stroke-opacity="${STROKE_OPACITY}"/>`,
  };
}
