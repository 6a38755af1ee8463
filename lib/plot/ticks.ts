/**
 * Axis ticks and number labels. Linear axes step by 1, 2 or 5 × 10ᵏ; log
 * axes put their major ticks on decades (every `step`-th decade when they
 * are crowded) and minor ticks on 2…9 × 10ᵏ when there is room. Labels use
 * the typographic minus and superscript exponents: 10⁻³, 2.5×10⁴.
 */

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** 10ᵏ as a label: 1, 10, 10², 10⁻³. */
export function powerOfTen(k: number): string {
  if (k === 0) return '1';
  if (k === 1) return '10';
  return '10' + String(k).replace(/./g, (c) => SUPERSCRIPT[c]!);
}

/** A minus sign that reads as one (U+2212). */
function minus(s: string): string {
  return s.replace(/^-/, '−');
}

/**
 * A value with `digits` significant digits: plain between 10⁻³ and 10⁵
 * (0.0123, 456, 12300), else as m×10ᵏ (1.23×10⁻⁷); trailing zeros dropped.
 */
export function formatValue(x: number, digits = 3): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '∞' : '−∞';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return minus(String(Number(x.toPrecision(digits))));
  const [mantissa, exponent] = x.toExponential(digits - 1).split('e') as [string, string];
  const m = String(Number(mantissa));
  const power = powerOfTen(Number(exponent));
  return minus(m === '1' ? power : m === '-1' ? '-' + power : `${m}×${power}`);
}

export interface Tick {
  value: number;
  label: string;
}

/** The 1-2-5 step giving at most `maxTicks` ticks over `span`. */
function niceStep(span: number, maxTicks: number): number {
  const raw = span / Math.max(1, maxTicks);
  const k = Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * 10 ** k >= raw) return m * 10 ** k;
  return 10 ** (k + 1);
}

/**
 * Ticks on [lo, hi] stepping by a 1-2-5 multiple (at least `minStep`), at
 * most `maxTicks` of them; labels with just the decimals the step needs.
 */
export function linearTicks(lo: number, hi: number, maxTicks: number, minStep = 0): Tick[] {
  const span = hi - lo;
  if (!(span > 0)) return [{ value: lo, label: formatValue(lo) }];
  const step = Math.max(niceStep(span, maxTicks), minStep);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: Tick[] = [];
  // Integer multiples of the step, so that the values print without drift.
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) {
    const value = i * step + 0; // + 0: no −0
    const label = value === 0 ? '0' : minus(value.toFixed(decimals));
    ticks.push({ value, label });
  }
  return ticks;
}

export interface LogTicks {
  /** Labelled ticks. */
  major: Tick[];
  /** Unlabelled ticks. */
  minor: number[];
}

/**
 * Ticks of a log axis over [lo, hi] (0 < lo ≤ hi) drawn `pixels` long: the
 * decades inside (every step-th one when labels would sit closer than
 * `minGap` px), minor ticks at 2…9 × 10ᵏ when a decade is ≥ 40 px. When
 * fewer than two decades fall inside, or a decade is ≥ 120 px, 2×10ᵏ and
 * 5×10ᵏ are labelled too, and then every label is written out (0.2, 0.5, 1).
 */
export function logTicks(lo: number, hi: number, pixels: number, minGap = 18): LogTicks {
  const l0 = Math.log10(lo);
  const l1 = Math.log10(hi);
  const decades = Math.max(l1 - l0, 1e-12);
  const perDecade = pixels / decades;
  const first = Math.ceil(l0 - 1e-9);
  const last = Math.floor(l1 + 1e-9);
  const step = Math.max(1, Math.ceil(minGap / perDecade));
  const major: Tick[] = [];
  const minor: number[] = [];
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  // Whole multiples of the step, so that the same decades are labelled whatever the range.
  for (let k = first; k <= last; k++) if (k % step === 0) major.push({ value: 10 ** k, label: powerOfTen(k) });
  if (major.length < 2 || perDecade >= 120) {
    for (const t of major) t.label = formatValue(t.value);
    for (let k = Math.floor(l0); k <= Math.ceil(l1); k++) {
      for (const m of [2, 5]) {
        const value = m * 10 ** k;
        if (inside(value)) major.push({ value, label: formatValue(value) });
      }
    }
    major.sort((a, b) => a.value - b.value);
  }
  const labelled = new Set(major.map((t) => t.value));
  if (perDecade >= 40 || step > 1) {
    for (let k = Math.floor(l0); k <= Math.ceil(l1); k++) {
      // With a step, the unlabelled decades become the minor ticks; else 2…9 × 10ᵏ.
      const values = step > 1 ? [10 ** k] : [2, 3, 4, 5, 6, 7, 8, 9].map((m) => m * 10 ** k);
      for (const value of values) if (inside(value) && !labelled.has(value)) minor.push(value);
    }
  }
  return { major, minor };
}
