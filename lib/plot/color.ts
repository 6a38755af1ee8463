/**
 * Colour scales. The cost scale is matplotlib's "inferno" (a perceptually
 * uniform map: lightness rises monotonically, readable in grey and by
 * colour-blind readers), cut to [0.08, 0.80] so that both ends stay visible
 * on white: well-fitting edges are dark, badly fitting ones glow orange. The
 * stops are inferno at t = 0, 1/9, …, 1 (matplotlib, CC0), interpolated in sRGB.
 */

const INFERNO = ['#000004', '#1b0c41', '#4a0c6b', '#781c6d', '#a52c60', '#cf4446', '#ed6925', '#fb9b06', '#f7d13d', '#fcffa4'];
const LOW = 0.08;
const HIGH = 0.8;

const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
const STOPS = INFERNO.map(rgb);

function hex(c: readonly number[]): string {
  return (
    '#' +
    c
      .map((v) =>
        Math.round(Math.min(255, Math.max(0, v)))
          .toString(16)
          .padStart(2, '0'),
      )
      .join('')
  );
}

/** The cost scale's colour at t ∈ [0, 1] (clamped): t = 1 is the top colour, given to the highest cost. */
export function costColor(t: number): string {
  const s = (LOW + (HIGH - LOW) * Math.min(1, Math.max(0, t))) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(s));
  const f = s - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return hex([0, 1, 2].map((c) => a[c]! + (b[c]! - a[c]!) * f));
}

/**
 * Series colours: the Okabe–Ito palette (distinct for colour-blind readers),
 * less its yellow, which vanishes on white, plus two dark tones.
 */
export const SERIES_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#1f2328', '#8c6d31'];
