/**
 * The convergence plot: cost per iteration on a log axis whose ends are
 * whole decades. A cost of 0 (or one more than 20 decades below the
 * largest) cannot sit on a log axis: it is drawn at the axis floor and a
 * note under the plot says how many were. NaN and ±∞ are skipped (the line
 * breaks there), also with a note. With `band`, the series are summarised by
 * their mean and a min–max band, a series that stopped early keeping its
 * last cost.
 */
import { checkOptions, rangeError, typeError } from '../base/check.js';
import { SERIES_COLORS } from './color.js';
import { checkSize, checkText } from './options.js';
import { GRID, MUTED, SWATCH_WIDTH, documentStart, heading, legendColumn, px, text, textWidth, type LegendItem } from './svg.js';
import { formatValue, linearTicks, logTicks } from './ticks.js';

/** One line of a convergence plot. */
export interface ConvergenceSeries {
  /** Its name in the legend. */
  label: string;
  /** Cost after each iteration, the initial cost first (e.g. a SolveResult's `history[b]`). */
  costs: ArrayLike<number>;
}

/** Options of {@link renderConvergenceSvg}. */
export interface ConvergenceSvgOptions {
  /** A heading above the plot (default: none). */
  title?: string;
  /** Width in px (default 760). */
  width?: number;
  /** Height in px (default 460). */
  height?: number;
  /** Draw the mean with a min–max band instead of one line per series (default false). */
  band?: boolean;
}

/** Costs more than this many decades below the largest are drawn at the axis floor. */
const DECADES = 20;
const TICK_FONT = 11;
/** Legend rows listed before "… and N more". */
const LEGEND_ROWS = 12;

interface Line {
  label: string;
  color: string;
  /** Iteration → cost (NaN: skipped). */
  values: number[];
  width: number;
  markers: boolean;
  opacity: number;
}

/** Mean, min and max over the series at each iteration; a finished series keeps its last finite cost. */
function summarise(series: readonly number[][]): { mean: number[]; min: number[]; max: number[] } {
  const n = Math.max(...series.map((s) => s.length));
  const last = series.map(() => NaN);
  const mean: number[] = [];
  const min: number[] = [];
  const max: number[] = [];
  for (let k = 0; k < n; k++) {
    let sum = 0;
    let count = 0;
    let lo = Infinity;
    let hi = -Infinity;
    series.forEach((s, i) => {
      if (k < s.length && Number.isFinite(s[k]!)) last[i] = s[k]!;
      const v = last[i]!;
      if (Number.isNaN(v)) return;
      sum += v;
      count++;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    });
    mean.push(count > 0 ? sum / count : NaN);
    min.push(count > 0 ? lo : NaN);
    max.push(count > 0 ? hi : NaN);
  }
  return { mean, min, max };
}

/**
 * An SVG plot of cost against iteration, log-scaled, one line per series
 * (or, with `band`, their mean and min–max band), with a legend.
 *
 * @param series one or more `{ label, costs }`; costs ≥ 0, NaN/±∞ skipped.
 * @returns the SVG document as a string (deterministic).
 * @throws TypeError / RangeError naming the argument for bad series or options.
 *
 * @example
 * ```ts
 * import { LevenbergMarquardt, parseG2o, poseGraphObjective, renderConvergenceSvg } from 'ariadne';
 * const graph = parseG2o(['VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 0.5 0.3 0.2', 'EDGE_SE2 0 1 1 0 0 1 0 0 1 0 1'].join('\n'));
 * const result = new LevenbergMarquardt(poseGraphObjective(graph).objective).solve();
 * const svg = renderConvergenceSvg([{ label: 'LM', costs: result.history[0] }], { title: 'One edge' });
 * console.log(svg.includes('<title>One edge</title>')); // true
 * ```
 */
export function renderConvergenceSvg(series: readonly ConvergenceSeries[], options: ConvergenceSvgOptions = {}): string {
  const fn = 'renderConvergenceSvg';
  if (!Array.isArray(series)) throw typeError(fn, 'series', 'an array of { label, costs }', series);
  if (series.length === 0) throw rangeError(fn, 'series', 'non-empty', 'an empty array');
  const data = series.map((s, i) => checkSeries(fn, `series[${i}]`, s));
  const o = checkOptions(fn, 'options', options, ['title', 'width', 'height', 'band']);
  const title = checkText(fn, 'options.title', o.title);
  const width = checkSize(fn, 'options.width', o.width, 760);
  const height = checkSize(fn, 'options.height', o.height, 460);
  if (o.band !== undefined && typeof o.band !== 'boolean') throw typeError(fn, 'options.band', 'a boolean', o.band);

  // What to draw.
  const many = data.length > 8;
  let lines: Line[];
  let band: { min: number[]; max: number[] } | undefined;
  if (o.band) {
    const s = summarise(data.map((d) => d.values));
    band = s;
    lines = [{ label: `mean of ${data.length}`, color: SERIES_COLORS[0]!, values: s.mean, width: 2, markers: s.mean.length <= 40, opacity: 1 }];
  } else {
    lines = data.map((d, i) => ({
      label: d.label,
      color: SERIES_COLORS[i % SERIES_COLORS.length]!,
      values: d.values,
      width: many ? (data.length > 20 ? 1 : 1.4) : 2,
      markers: !many && d.values.length <= 40,
      opacity: data.length > 20 ? 0.7 : 1,
    }));
  }
  const all = [...lines.flatMap((l) => l.values), ...(band ? [...band.min, ...band.max] : [])];
  let top = 0;
  let smallest = Infinity;
  let skipped = 0;
  for (const d of data) for (const v of d.values) if (!Number.isFinite(v)) skipped++;
  for (const v of all) {
    if (!Number.isFinite(v)) continue;
    top = Math.max(top, v);
    if (v > 0) smallest = Math.min(smallest, v);
  }
  // The axis: whole decades around [floor, top]; floor = the smallest positive cost, at most DECADES below the top.
  const floor = smallest === Infinity ? top || 1 : Math.max(smallest, top * 10 ** -DECADES);
  let zeros = 0;
  let tiny = 0;
  for (const d of data) {
    for (const v of d.values) {
      if (v === 0) zeros++;
      else if (v < floor) tiny++;
    }
  }
  // Clamped costs get a decade of their own at the bottom, apart from the smallest drawn one.
  let k0 = Math.floor(Math.log10(floor) + 1e-12) - (zeros + tiny > 0 ? 1 : 0);
  let k1 = Math.ceil(Math.log10(top || 1) - 1e-12);
  if (k1 <= k0) {
    k0 -= 1;
    k1 += 1;
  }
  const lo = 10 ** k0;
  const hi = 10 ** k1;
  const iterations = Math.max(...lines.map((l) => l.values.length));
  const xMax = Math.max(1, iterations - 1);

  // Notes under the plot.
  const notes: string[] = [];
  const plural = (n: number, what: string) => `${n} cost${n === 1 ? '' : 's'} ${what}`;
  const clamped = [...(zeros > 0 ? [plural(zeros, 'of 0')] : []), ...(tiny > 0 ? [plural(tiny, `below ${formatValue(floor)}`)] : [])];
  if (clamped.length > 0) notes.push(`${clamped.join(' and ')} drawn at the axis floor ${formatValue(lo)} (a log axis cannot show them).`);
  if (skipped > 0) notes.push(`${skipped} non-finite cost${skipped === 1 ? '' : 's'} (NaN or ±∞) skipped.`);
  if (band && data.some((d) => d.values.length < iterations)) notes.push('Series that stopped early keep their last cost in the mean and band.');

  // Layout.
  const head: string[] = [];
  const headingBottom = heading(
    head,
    14,
    title,
    `${data.length} series · ${iterations} iteration${iterations === 1 ? '' : 's'} (the initial cost is iteration 0)`,
  );
  const legendItems = legend(lines, band, data.length);
  const legendWidth = Math.max(...legendItems.map((it) => SWATCH_WIDTH + 6 + textWidth(it.label, 12)));
  const plotTop = headingBottom + 20;
  const bottom = 6 + TICK_FONT + 8 + 14 + 8 + notes.length * 16 + 8;
  const plotH = Math.max(60, height - plotTop - bottom);
  const yTicks = logTicks(lo, hi, plotH, 18);
  const labelWidth = Math.max(...yTicks.major.map((t) => textWidth(t.label, TICK_FONT)));
  const x0 = 14 + 14 + 10 + labelWidth + 8;
  const plotW = Math.max(60, width - x0 - 20 - legendWidth - 14);
  const X = (k: number) => x0 + (k / xMax) * plotW;
  const Y = (v: number) => plotTop + plotH - ((Math.log10(v) - k0) / (k1 - k0)) * plotH;
  // Costs below the floor sit on the bottom edge.
  const dataY = (v: number) => (v < floor ? plotTop + plotH : Y(v));

  const out = [documentStart(width, height, title ?? 'Convergence'), ...head];
  // Axes: grid on the decades, ticks outside, labels, titles.
  const xTicks = linearTicks(0, xMax, Math.max(2, plotW / 70), 1);
  let grid = '';
  let marks = '';
  const axis = ['<g class="axes">'];
  for (const t of xTicks) {
    const x = px(X(t.value));
    grid += `M${x} ${px(plotTop)}v${px(plotH)}`;
    marks += `M${x} ${px(plotTop + plotH)}v5`;
    axis.push(text(X(t.value), plotTop + plotH + 7 + TICK_FONT, t.label, { size: TICK_FONT, anchor: 'middle', fill: MUTED }));
  }
  for (const t of yTicks.major) {
    const y = px(Y(t.value));
    grid += `M${px(x0)} ${y}h${px(plotW)}`;
    marks += `M${px(x0)} ${y}h-5`;
    axis.push(text(x0 - 8, Y(t.value) + TICK_FONT * 0.36, t.label, { size: TICK_FONT, anchor: 'end', fill: MUTED, className: 'y-tick' }));
  }
  for (const v of yTicks.minor) marks += `M${px(x0)} ${px(Y(v))}h-3`;
  axis.push(
    `<path d="${grid}" stroke="${GRID}" stroke-width="1" fill="none"/>`,
    `<path d="${marks}" stroke="${MUTED}" stroke-width="1" fill="none"/>`,
    `<rect x="${px(x0)}" y="${px(plotTop)}" width="${px(plotW)}" height="${px(plotH)}" fill="none" stroke="#8c959f" stroke-width="1"/>`,
    text(x0 + plotW / 2, plotTop + plotH + 7 + TICK_FONT + 8 + 11, 'iteration', { size: 12, anchor: 'middle', fill: MUTED }),
    text(14 + 11, plotTop + plotH / 2, 'cost (log scale)', { size: 12, anchor: 'middle', fill: MUTED, rotate: -90 }),
    '</g>\n',
  );
  out.push(...axis);

  // Data.
  if (band) {
    const d = pathOf(band.max, X, dataY) + pathOf(band.min, X, dataY, true).replace(/^M/, 'L') + 'Z';
    out.push(`<path class="band" d="${d}" fill="${SERIES_COLORS[0]}" fill-opacity="0.18" stroke="none"/>\n`);
  }
  out.push('<g class="series-lines" fill="none" stroke-linejoin="round" stroke-linecap="round">');
  for (const line of lines) {
    const opacity = line.opacity < 1 ? ` stroke-opacity="${line.opacity}"` : '';
    out.push(`<path class="series" d="${pathOf(line.values, X, dataY)}" stroke="${line.color}" stroke-width="${line.width}"${opacity}/>`);
  }
  out.push('</g>\n');
  for (const line of lines) {
    if (!line.markers) continue;
    out.push(`<g class="markers" fill="${line.color}" stroke="#ffffff" stroke-width="1">`);
    line.values.forEach((v, k) => {
      if (Number.isFinite(v)) out.push(`<circle cx="${px(X(k))}" cy="${px(dataY(v))}" r="3"/>`);
    });
    out.push('</g>\n');
  }

  out.push(legendColumn(legendItems, x0 + plotW + 20, plotTop + 8, 12, 20), '\n');
  notes.forEach((note, i) =>
    out.push(text(x0, plotTop + plotH + 7 + TICK_FONT + 8 + 14 + 8 + 12 + i * 16, note, { size: 11, fill: MUTED, className: 'note' })),
  );
  out.push('\n</svg>\n');
  return out.join('');
}

/** Path data through the finite values (a NaN breaks the line); `reverse` walks from the last point. */
function pathOf(values: readonly number[], X: (k: number) => number, Y: (v: number) => number, reverse = false): string {
  let d = '';
  let pen = false;
  const order = values.map((_, k) => k);
  if (reverse) order.reverse();
  for (const k of order) {
    const v = values[k]!;
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(X(k))} ${px(Y(v))}`;
    pen = true;
  }
  // A lone point is a zero-length segment: round caps draw it as a dot.
  return d.replace(/^M([^LM]+)$/, 'M$1L$1');
}

function legend(lines: readonly Line[], band: unknown, count: number): LegendItem[] {
  const swatch = (line: Line) => (x: number, y: number) =>
    `<path d="M${px(x)} ${px(y)}h${SWATCH_WIDTH}" stroke="${line.color}" stroke-width="${line.width}" fill="none"/>` +
    (line.markers ? `<circle cx="${px(x + SWATCH_WIDTH / 2)}" cy="${px(y)}" r="3" fill="${line.color}" stroke="#ffffff"/>` : '');
  const items: LegendItem[] = lines.slice(0, lines.length > LEGEND_ROWS ? LEGEND_ROWS - 1 : LEGEND_ROWS).map((l) => ({ label: l.label, swatch: swatch(l) }));
  if (lines.length > LEGEND_ROWS) items.push({ label: `… and ${lines.length - (LEGEND_ROWS - 1)} more`, swatch: () => '' });
  if (band)
    items.push({
      label: `min–max of ${count}`,
      swatch: (x, y) => `<rect x="${px(x)}" y="${px(y - 6)}" width="${SWATCH_WIDTH}" height="12" fill="${SERIES_COLORS[0]}" fill-opacity="0.18"/>`,
    });
  return items;
}

function checkSeries(fn: string, arg: string, s: unknown): { label: string; values: number[] } {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw typeError(fn, arg, 'an object { label, costs }', s);
  const { label, costs } = s as { label: unknown; costs: unknown };
  if (typeof label !== 'string') throw typeError(fn, `${arg}.label`, 'a string', label);
  if (typeof costs !== 'object' || costs === null || typeof (costs as ArrayLike<number>).length !== 'number')
    throw typeError(fn, `${arg}.costs`, 'an array of numbers', costs);
  const list = costs as ArrayLike<unknown>;
  if (list.length === 0) throw rangeError(fn, `${arg}.costs`, 'non-empty', 'length 0');
  const values: number[] = [];
  for (let k = 0; k < list.length; k++) {
    const v = list[k];
    if (typeof v !== 'number') throw typeError(fn, `${arg}.costs[${k}]`, 'a number', v);
    if (v < 0) throw rangeError(fn, `${arg}.costs[${k}]`, '≥ 0 (a cost)', `${v}`);
    values.push(v);
  }
  return { label, values };
}
