/**
 * The picture of a pose graph: poses as small markers (heading triangles for
 * SE2 seen from the top, dots otherwise; fixed poses as squares), edges as
 * lines coloured by their cost ½‖W r‖² on a log scale shared by all panels,
 * odometry (|from − to| = 1) solid and loop closures dashed. One panel, or
 * "before and after" side by side. Equal scale on both page axes; axes in
 * metres for the top, front and side views, a scale bar and an axis triad
 * for oblique ones. Given position covariances, the "after" panel shows
 * each pose's confidence ellipse under the edges (ellipses.ts).
 *
 * Size: one element per pose and per edge, edges grouped by colour (64
 * levels) so that each carries only its path data, coordinates rounded to
 * 0.1 px: about 50 bytes per pose or edge. Groups are drawn from the lowest cost up,
 * so the worst edges lie on top.
 */
import { checkOneOf, checkOptions, checkTypedArray, rangeError, typeError } from '../base/check.js';
import { checkG2oPoses, type G2oGraph } from '../io/g2o.js';
import { costColor } from './color.js';
import { checkPoseGraph, edgeCosts, type CheckedGraph } from './edge-costs.js';
import { checkConfidence, checkCovariances, ellipseLegendItem, ellipsesSvg } from './ellipses.js';
import { checkSize, checkText } from './options.js';
import { checkView, projectPoints, projection, type PlotView, type Projection } from './projection.js';
import { GRID, INK, MUTED, documentStart, escapeXml, heading, legendRow, legendRowWidth, px, text, textWidth, type LegendItem } from './svg.js';
import { formatValue, linearTicks, logTicks, type Tick } from './ticks.js';

/** Options of {@link renderPoseGraphSvg}. */
export interface PoseGraphSvgOptions {
  /** The poses to draw (count × storage; default `graph.poses`), e.g. a solve's `result.values('poses')`. */
  poses?: Float64Array;
  /** Other poses (e.g. the initial guess) drawn as a first panel, left of `poses`. */
  before?: Float64Array;
  /** Edge costs at `poses` (default: computed, as by poseGraphEdgeCosts). */
  edgeCosts?: Float64Array;
  /** Edge costs at `before` (default: computed). */
  beforeEdgeCosts?: Float64Array;
  /** How 3D poses are projected (default 'top'; 2D graphs lie in the plane z = 0). */
  view?: PlotView;
  /** Width of the picture in px (default 960, or 1560 with `before`). */
  width?: number;
  /** Height in px (default: from the graph's aspect ratio). */
  height?: number;
  /** A heading above the picture (default: none). */
  title?: string;
  /** Panel titles (default ['Initial', 'Solved'] with `before`, none without). */
  panelTitles?: string[];
  /** With `before`: one scale for both panels ('shared', default) or each fitted to its poses ('separate'). */
  scale?: 'shared' | 'separate';
  /**
   * Uncertainty ellipses of the poses of `poses` (the "after" panel): per
   * pose, the covariance of its position in the world frame, d × d row-major
   * (count × d² numbers; d = 2, x and y, for SE2 graphs; d = 3, x, y and z,
   * for SE3), e.g. from {@link positionCovariances}. Each is drawn as the
   * confidence region of the projected 2D Gaussian: with P the view's 2 × d
   * projection, C = P Σ Pᵀ and the ellipse qᵀ C⁻¹ q ≤ k² about the pose.
   * Blocks must be symmetric positive semi-definite; a zero block (a fixed
   * pose) draws nothing.
   */
  covariances?: Float64Array;
  /**
   * With `covariances`: the probability inside each ellipse, in (0, 1)
   * (default 0.95: k² = −2 ln(1 − 0.95) = 5.991, the χ²₂ quantile). For
   * k-sigma ellipses pass 1 − exp(−k²/2): 0.3935 (1σ), 0.8647 (2σ), 0.9889 (3σ).
   */
  confidence?: number;
}

/** Colour levels of the edge costs. */
const LEVELS = 64;
/** The colour scale spans at most this many decades below the highest cost. */
const SCALE_DECADES = 6;
const POSE_FILL = '#1f78c8';
const FIXED_FILL = '#0f9d58';
const NON_FINITE = '#9aa0a6';
const TICK_FONT = 11;

interface Panel {
  title: string | undefined;
  poses: Float64Array;
  costs: Float64Array;
  /** Page coordinates (u, v) per pose, metres. */
  uv: Float64Array;
  /** Data bounds in metres. */
  u0: number;
  u1: number;
  v0: number;
  v1: number;
}

/** Where a panel's metres land: X = x + (u − u0)·s, Y = y + (v1 − v)·s. */
export interface Frame {
  x: number;
  y: number;
  w: number;
  h: number;
  s: number;
  u0: number;
  u1: number;
  v0: number;
  v1: number;
}

/** The range [lo, hi] of the (logarithmic) colour scale; costs below lo take the bottom colour. */
interface CostScale {
  lo: number;
  hi: number;
  /** Whether some finite cost lies below lo. */
  clipped: boolean;
}

/**
 * The colour range: hi = the highest finite cost (so that the worst edge gets
 * the top colour), lo = the 2nd percentile of the positive costs, but at most
 * SCALE_DECADES below hi (costs at rounding level would stretch the scale).
 */
function costScale(panels: readonly Panel[]): CostScale {
  const positive: number[] = [];
  let clipped = false;
  for (const p of panels) for (const c of p.costs) if (c > 0 && c < Infinity) positive.push(c);
  // No positive cost: every edge takes the bottom colour and there is no colour bar (hi = 0).
  if (positive.length === 0) return { lo: 0, hi: 0, clipped: false };
  positive.sort((a, b) => a - b);
  const hi = positive[positive.length - 1]!;
  let lo = Math.max(positive[Math.floor(0.02 * (positive.length - 1))]!, hi * 10 ** -SCALE_DECADES);
  if (!(lo < hi)) lo = hi / 10;
  for (const p of panels) for (const c of p.costs) if (c < lo) clipped = true;
  return { lo, hi, clipped };
}

/** Colour level of a cost: 0 … LEVELS − 1, or −1 when it is not finite. */
function level(scale: CostScale, cost: number): number {
  if (!(cost - cost === 0)) return cost === Infinity ? LEVELS - 1 : -1;
  const t = cost <= scale.lo || scale.hi === 0 ? 0 : Math.log(cost / scale.lo) / Math.log(scale.hi / scale.lo);
  return Math.round(Math.min(1, t) * (LEVELS - 1));
}

function bounds(uv: Float64Array): { u0: number; u1: number; v0: number; v1: number } {
  let u0 = Infinity;
  let u1 = -Infinity;
  let v0 = Infinity;
  let v1 = -Infinity;
  for (let i = 0; i < uv.length; i += 2) {
    u0 = Math.min(u0, uv[i]!);
    u1 = Math.max(u1, uv[i]!);
    v0 = Math.min(v0, uv[i + 1]!);
    v1 = Math.max(v1, uv[i + 1]!);
  }
  return { u0, u1, v0, v1 };
}

/** The frame that shows [u0, u1] × [v0, v1] (padded 4 %) at equal scale, centred in the box. */
function fitFrame(box: { x: number; y: number; w: number; h: number }, b: { u0: number; u1: number; v0: number; v1: number }): Frame {
  const su = b.u1 - b.u0;
  const sv = b.v1 - b.v0;
  // A line of poses still gets a frame 5 % of its length across; a lone pose, 1 m.
  const least = Math.max(su, sv) < 1e-6 ? 1 : 0.05 * Math.max(su, sv);
  const pu = Math.max(su, least) * 1.08;
  const pv = Math.max(sv, least) * 1.08;
  const s = Math.min(box.w / pu, box.h / pv);
  const cu = (b.u0 + b.u1) / 2;
  const cv = (b.v0 + b.v1) / 2;
  const hu = box.w / s / 2;
  const hv = box.h / s / 2;
  return { ...box, s, u0: cu - hu, u1: cu + hu, v0: cv - hv, v1: cv + hv };
}

/** The layout of the page: heading, panel boxes, colour bar, legend. */
interface Layout {
  width: number;
  height: number;
  boxes: { x: number; y: number; w: number; h: number }[];
  headingBottom: number;
}

const AXIS_TITLE = 14;

function layout(options: {
  width: number;
  height: number | undefined;
  panels: number;
  yLabelWidth: number;
  ortho: boolean;
  colorBar: boolean;
  headingBottom: number;
  panelTitles: boolean;
  aspect: number;
}): Layout {
  const { width, panels, ortho } = options;
  const top = options.headingBottom + (options.panelTitles ? 34 : 16);
  const yAxis = ortho ? options.yLabelWidth + 10 + AXIS_TITLE + 10 : 6;
  const xAxis = ortho ? 6 + TICK_FONT + 8 + AXIS_TITLE : 6;
  const legend = 36;
  const bottom = xAxis + legend + 8;
  const colorBar = options.colorBar ? 22 + 14 + 8 + 52 + AXIS_TITLE + 10 : 0;
  const gap = 28;
  const left = 14;
  const plotW = Math.max(40, (width - left - colorBar - 16 - panels * yAxis - (panels - 1) * gap) / panels);
  const plotH = options.height === undefined ? Math.min(1.3, Math.max(0.4, options.aspect)) * plotW : Math.max(40, options.height - top - bottom);
  const boxes = Array.from({ length: panels }, (_, i) => ({ x: left + yAxis + i * (plotW + gap + yAxis), y: top, w: plotW, h: plotH }));
  return { width, height: options.height ?? Math.ceil(top + plotH + bottom), boxes, headingBottom: options.headingBottom };
}

/** Ticks of both axes, with the same step in metres on both (equal scale). */
function frameTicks(f: Frame): { u: Tick[]; v: Tick[] } {
  const step = (ticks: Tick[]) => (ticks.length > 1 ? ticks[1]!.value - ticks[0]!.value : 0);
  const u = linearTicks(f.u0, f.u1, Math.max(2, f.w / 80));
  const v = linearTicks(f.v0, f.v1, Math.max(2, f.h / 50));
  const s = Math.max(step(u), step(v));
  return { u: linearTicks(f.u0, f.u1, 100, s), v: linearTicks(f.v0, f.v1, 100, s) };
}

function axes(f: Frame, names: [string, string], ticks: { u: Tick[]; v: Tick[] }): string {
  const X = (u: number) => f.x + (u - f.u0) * f.s;
  const Y = (v: number) => f.y + (f.v1 - v) * f.s;
  let grid = '';
  let marks = '';
  const out: string[] = ['<g class="axes">'];
  const bottom = f.y + f.h;
  for (const t of ticks.u) {
    const x = px(X(t.value));
    grid += `M${x} ${px(f.y)}V${px(bottom)}`;
    marks += `M${x} ${px(bottom)}v5`;
    out.push(text(X(t.value), bottom + 7 + TICK_FONT, t.label, { size: TICK_FONT, anchor: 'middle', fill: MUTED }));
  }
  for (const t of ticks.v) {
    const y = px(Y(t.value));
    grid += `M${px(f.x)} ${y}H${px(f.x + f.w)}`;
    marks += `M${px(f.x)} ${y}h-5`;
    out.push(text(f.x - 8, Y(t.value) + TICK_FONT * 0.36, t.label, { size: TICK_FONT, anchor: 'end', fill: MUTED }));
  }
  const labelWidth = Math.max(0, ...ticks.v.map((t) => textWidth(t.label, TICK_FONT)));
  out.push(
    text(f.x + f.w / 2, bottom + 7 + TICK_FONT + 8 + 11, `${names[0]} [m]`, { size: 12, anchor: 'middle', fill: MUTED }),
    text(f.x - 8 - labelWidth - 10, f.y + f.h / 2, `${names[1]} [m]`, { size: 12, anchor: 'middle', fill: MUTED, rotate: -90 }),
    `<path d="${grid}" stroke="${GRID}" stroke-width="1" fill="none"/>`,
    `<path d="${marks}" stroke="${MUTED}" stroke-width="1" fill="none"/>`,
    `<rect x="${px(f.x)}" y="${px(f.y)}" width="${px(f.w)}" height="${px(f.h)}" fill="none" stroke="#8c959f" stroke-width="1"/>`,
    '</g>',
  );
  return out.join('');
}

/** A 1-2-5 length of about a fifth of the frame, drawn bottom left; and the world axes' directions, bottom right. */
function scaleBarAndTriad(f: Frame, p: Projection): string {
  const target = f.w / 5 / f.s;
  const k = Math.floor(Math.log10(target));
  const length = [5, 2, 1].map((m) => m * 10 ** k).find((l) => l <= target) ?? 10 ** k;
  const x = f.x + 14;
  const y = f.y + f.h - 14;
  const barPx = length * f.s;
  const out = [
    '<g class="scale-bar">',
    `<path d="M${px(x)} ${px(y - 4)}v4h${px(barPx)}v-4" stroke="${INK}" stroke-width="1.5" fill="none"/>`,
    text(x + barPx / 2, y - 7, `${formatValue(length)} m`, { size: TICK_FONT, anchor: 'middle' }),
    '</g>',
    `<rect x="${px(f.x)}" y="${px(f.y)}" width="${px(f.w)}" height="${px(f.h)}" fill="none" stroke="#8c959f" stroke-width="1"/>`,
  ];
  const cx = f.x + f.w - 40;
  const cy = f.y + f.h - 36;
  const colors = ['#d1242f', '#1a7f37', '#0969da'];
  out.push('<g class="triad" stroke-width="1.5" stroke-linecap="round">');
  for (let a = 0; a < 3; a++) {
    const du = p.right[a]! * 22;
    const dv = -p.up[a]! * 22;
    if (Math.hypot(du, dv) < 3) continue; // pointing at the viewer
    out.push(`<path d="M${px(cx)} ${px(cy)}l${px(du)} ${px(dv)}" stroke="${colors[a]}"/>`);
    const n = Math.hypot(du, dv);
    out.push(text(cx + du + (du / n) * 8, cy + dv + (dv / n) * 8 + 4, 'xyz'[a]!, { size: TICK_FONT, anchor: 'middle', fill: colors[a]! }));
  }
  out.push('</g>');
  return out.join('');
}

/** Line widths and marker size from the room per pose: spacing = √(area / poses) px. */
function sizes(f: Frame, count: number): { odometry: number; loop: number; marker: number } {
  const spacing = Math.sqrt((f.w * f.h) / Math.max(1, count));
  const odometry = Math.min(2, Math.max(0.5, 0.28 * Math.sqrt(spacing)));
  return { odometry, loop: 0.75 * odometry, marker: Math.min(3, Math.max(0.75, 0.07 * spacing)) };
}

const w2 = (x: number) => String(Math.round(x * 100) / 100);

function edgesSvg(g: CheckedGraph, panel: Panel, f: Frame, scale: CostScale, size: { odometry: number; loop: number }): string {
  const { from, to } = g.graph;
  const X = (i: number) => px(f.x + (panel.uv[2 * i]! - f.u0) * f.s);
  const Y = (i: number) => px(f.y + (f.v1 - panel.uv[2 * i + 1]!) * f.s);
  // Edges by (level, kind), lowest level first; the non-finite ones first of all.
  const groups: number[][] = Array.from({ length: 2 * (LEVELS + 1) }, () => []);
  for (let e = 0; e < from.length; e++) {
    const loop = Math.abs(from[e]! - to[e]!) !== 1 ? 0 : 1;
    groups[2 * (level(scale, panel.costs[e]!) + 1) + loop]!.push(e);
  }
  const out = [`<g class="edges" fill="none" stroke-linecap="round">`];
  groups.forEach((edges, key) => {
    if (edges.length === 0) return;
    const lv = (key >> 1) - 1;
    const loop = (key & 1) === 0;
    const color = lv < 0 ? NON_FINITE : costColor(lv / (LEVELS - 1));
    const style = loop
      ? ` stroke-width="${w2(size.loop)}" stroke-dasharray="${w2(3 * size.loop)} ${w2(2.2 * size.loop)}" stroke-linecap="butt"`
      : ` stroke-width="${w2(size.odometry)}"`;
    out.push(`<g class="${loop ? 'loop-closures' : 'odometry'}" stroke="${color}"${style}>`);
    for (const e of edges) out.push(`<path class="edge" d="M${X(from[e]!)} ${Y(from[e]!)}L${X(to[e]!)} ${Y(to[e]!)}"/>`);
    out.push('</g>');
  });
  out.push('</g>');
  return out.join('');
}

/** SE2 seen from the top (`headings` given): a triangle along the heading θ; else a dot. Fixed poses are squares. */
function posesSvg(g: CheckedGraph, panel: Panel, f: Frame, marker: number, headings: Projection | undefined): string {
  const fixed = new Uint8Array(g.count);
  for (const i of g.graph.fixed) if (i >= 0 && i < g.count) fixed[i] = 1;
  const out = [`<g class="poses" fill="${POSE_FILL}" fill-opacity="0.75">`];
  const fixedOut: string[] = [];
  for (let i = 0; i < g.count; i++) {
    const x = f.x + (panel.uv[2 * i]! - f.u0) * f.s;
    const y = f.y + (f.v1 - panel.uv[2 * i + 1]!) * f.s;
    if (fixed[i]) {
      const h = marker * 1.6 + 1;
      fixedOut.push(`<rect class="pose fixed" x="${px(x - h)}" y="${px(y - h)}" width="${px(2 * h)}" height="${px(2 * h)}"/>`);
    } else if (headings) {
      // The heading h = (cos θ, sin θ, 0) lands on the page along (right·h, −up·h) (page y points down).
      const ct = Math.cos(panel.poses[3 * i + 2]!);
      const st = Math.sin(panel.poses[3 * i + 2]!);
      const c = (headings.right[0] * ct + headings.right[1] * st) * marker;
      const s = -(headings.up[0] * ct + headings.up[1] * st) * marker;
      // Tip at 1.8 r ahead, base corners at r behind and r to either side.
      out.push(`<path class="pose" d="M${px(x + 1.8 * c)} ${px(y + 1.8 * s)}l${px(-2.8 * c - s)} ${px(c - 2.8 * s)}l${px(2 * s)} ${px(-2 * c)}z"/>`);
    } else {
      out.push(`<circle class="pose" cx="${px(x)}" cy="${px(y)}" r="${w2(marker)}"/>`);
    }
  }
  out.push('</g>');
  if (fixedOut.length > 0) out.push(`<g class="fixed-poses" fill="${FIXED_FILL}" stroke="#ffffff" stroke-width="1">`, ...fixedOut, '</g>');
  return out.join('');
}

function colorBar(scale: CostScale, x: number, y: number, h: number): string {
  const w = 14;
  const stops: string[] = [];
  for (let i = 0; i <= 16; i++) stops.push(`<stop offset="${w2(i / 16)}" stop-color="${costColor(1 - i / 16)}"/>`);
  const out = [
    '<g class="color-bar">',
    `<defs><linearGradient id="cost-scale" x1="0" y1="0" x2="0" y2="1">${stops.join('')}</linearGradient></defs>`,
    `<rect x="${px(x)}" y="${px(y)}" width="${w}" height="${px(h)}" fill="url(#cost-scale)"/>`,
  ];
  // Costs below the scale take the bottom colour: a triangle under the bar says so.
  if (scale.clipped) out.push(`<path d="M${px(x)} ${px(y + h + 2)}h${w}l${-w / 2} 9Z" fill="${costColor(0)}"/>`);
  const { major, minor } = logTicks(scale.lo, scale.hi, h, 16);
  const Y = (v: number) => y + h - (Math.log(v / scale.lo) / Math.log(scale.hi / scale.lo)) * h;
  let marks = '';
  for (const v of minor) marks += `M${px(x + w)} ${px(Y(v))}h3`;
  for (const t of major) {
    marks += `M${px(x + w)} ${px(Y(t.value))}h5`;
    out.push(text(x + w + 8, Y(t.value) + TICK_FONT * 0.36, t.label, { size: TICK_FONT, fill: MUTED }));
  }
  const labelWidth = Math.max(0, ...major.map((t) => textWidth(t.label, TICK_FONT)));
  out.push(
    `<path d="${marks}" stroke="${MUTED}" stroke-width="1" fill="none"/>`,
    text(x + w + 8 + labelWidth + 10 + 6, y + h / 2, 'edge cost ½‖W r‖²', { size: 12, anchor: 'middle', fill: MUTED, rotate: 90 }),
    '</g>',
  );
  return out.join('');
}

/** Entries for what the picture holds: odometry, loop closures, free and fixed poses. */
function legendItems(
  counts: { odometry: number; loops: number; free: number; fixed: number },
  size: { odometry: number; loop: number },
  headings: boolean,
): LegendItem[] {
  const line = (dash: string, width: number) => (x: number, y: number) =>
    `<path d="M${px(x)} ${px(y)}h24" stroke="#3d444d" stroke-width="${w2(width)}"${dash} fill="none"/>`;
  const w = Math.max(1.5, size.odometry);
  const items: LegendItem[] = [];
  if (counts.odometry > 0) items.push({ label: 'odometry', swatch: line('', w) });
  if (counts.loops > 0) items.push({ label: 'loop closure', swatch: line(` stroke-dasharray="${w2(3 * w * 0.75)} ${w2(2.2 * w * 0.75)}"`, w * 0.75) });
  if (counts.free > 0)
    items.push({
      label: 'pose',
      swatch: (x, y) =>
        headings
          ? `<path d="M${px(x + 17)} ${px(y)}l-9 -4.5v9Z" fill="${POSE_FILL}"/>`
          : `<circle cx="${px(x + 12)}" cy="${px(y)}" r="3.5" fill="${POSE_FILL}"/>`,
    });
  if (counts.fixed > 0)
    items.push({ label: 'fixed pose', swatch: (x, y) => `<rect x="${px(x + 8)}" y="${px(y - 4)}" width="8" height="8" fill="${FIXED_FILL}"/>` });
  return items;
}

/**
 * An SVG picture of a pose graph (2D or 3D), its edges coloured by cost; with
 * `before`, two panels: `before` (e.g. the initial guess) and `poses` (e.g.
 * the solution), sharing one colour scale.
 *
 * @param graph a pose graph (parseG2o, readG2o).
 * @returns the SVG document as a string (deterministic: the same input gives the same text).
 * @throws TypeError / RangeError naming the argument for a malformed graph, poses, costs or option.
 *
 * @example
 * ```ts
 * import { LevenbergMarquardt, parseG2o, poseGraphObjective, renderPoseGraphSvg } from 'ariadne';
 * const graph = parseG2o([
 *   'VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 1.1 0 0', 'VERTEX_SE2 2 2 0.2 0',
 *   'EDGE_SE2 0 1 1 0 0 100 0 0 100 0 100', 'EDGE_SE2 1 2 1 0 0 100 0 0 100 0 100', 'EDGE_SE2 0 2 2 0 0 100 0 0 100 0 100',
 * ].join('\n'));
 * const result = new LevenbergMarquardt(poseGraphObjective(graph).objective).solve();
 * const svg = renderPoseGraphSvg(graph, { before: graph.poses, poses: result.values('poses'), title: 'Three poses' });
 * console.log(svg.startsWith('<svg'), svg.match(/class="edge"/g).length); // true 6
 * ```
 */
export function renderPoseGraphSvg(graph: G2oGraph, options: PoseGraphSvgOptions = {}): string {
  const fn = 'renderPoseGraphSvg';
  const g = checkPoseGraph(fn, graph);
  const o = checkOptions(fn, 'options', options, [
    'poses',
    'before',
    'edgeCosts',
    'beforeEdgeCosts',
    'view',
    'width',
    'height',
    'title',
    'panelTitles',
    'scale',
    'covariances',
    'confidence',
  ]);
  const { from, to } = g.graph;
  const edges = from.length;
  const poses = o.poses === undefined ? g.graph.poses : checkG2oPoses(fn, 'options.poses', o.poses, g.storage, g.count);
  const before = o.before === undefined ? undefined : checkG2oPoses(fn, 'options.before', o.before, g.storage, g.count);
  const costs = (arg: string, value: unknown, at: Float64Array) => (value === undefined ? edgeCosts(g, at) : checkCosts(fn, arg, value, edges));
  if (o.beforeEdgeCosts !== undefined && before === undefined)
    throw rangeError(fn, 'options.beforeEdgeCosts', "given only with 'options.before'", 'it without');
  const angles = checkView(fn, 'options.view', o.view ?? 'top');
  const count = before ? 2 : 1;
  const width = checkSize(fn, 'options.width', o.width, count === 2 ? 1560 : 960);
  const height = o.height === undefined ? undefined : checkSize(fn, 'options.height', o.height, 0);
  const title = checkText(fn, 'options.title', o.title);
  const panelTitles = checkTitles(fn, o.panelTitles, count) ?? (count === 2 ? ['Initial', 'Solved'] : [undefined]);
  const scaleMode = o.scale === undefined ? 'shared' : checkOneOf(fn, 'options.scale', o.scale, ['shared', 'separate']);
  const dims = g.storage === 3 ? 2 : 3;
  const covariances = o.covariances === undefined ? undefined : checkCovariances(fn, 'options.covariances', o.covariances, g.count, dims);
  if (o.confidence !== undefined && covariances === undefined)
    throw rangeError(fn, 'options.confidence', "given only with 'options.covariances'", 'it without');
  const { confidence, k2 } = checkConfidence(fn, 'options.confidence', o.confidence);

  const p = projection(angles);
  const makePanel = (t: string | undefined, at: Float64Array, c: Float64Array): Panel => {
    const uv = projectPoints(p, at, g.count, g.storage, dims);
    return { title: t, poses: at, costs: c, uv, ...bounds(uv) };
  };
  const panels: Panel[] = [];
  if (before) panels.push(makePanel(panelTitles[0], before, costs('options.beforeEdgeCosts', o.beforeEdgeCosts, before)));
  panels.push(makePanel(panelTitles[count - 1], poses, costs('options.edgeCosts', o.edgeCosts, poses)));
  const scale = costScale(panels);
  const ortho = p.axisNames !== undefined;
  // SE2 headings show when the plane is seen face on (from the top, at any azimuth).
  const headings = g.storage === 3 && angles.elevation === 90;

  // Heading: title, then what the graph is.
  let loops = 0;
  for (let e = 0; e < edges; e++) if (Math.abs(from[e]! - to[e]!) !== 1) loops++;
  const names: Record<string, string> = { top: 'top view (x–y)', front: 'front view (x–z)', side: 'side view (y–z)', iso: 'isometric view' };
  const viewName =
    typeof o.view === 'object'
      ? `view from azimuth ${formatValue(angles.azimuth)}°, elevation ${formatValue(angles.elevation)}°`
      : names[(o.view as string | undefined) ?? 'top']!;
  const total = (c: Float64Array) => c.reduce((s, x) => s + x, 0);
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  let subtitle = `${g.storage === 3 ? 'SE2' : 'SE3'} · ${plural(g.count, 'pose')} · ${plural(edges, 'edge')} (${plural(loops, 'loop closure')}) · ${viewName}`;
  if (count === 1 && edges > 0) subtitle += ` · cost ${formatValue(total(panels[0]!.costs))}`;
  const head: string[] = [];
  const headingBottom = heading(head, 14, title, subtitle);

  // Frames: lay out once with a guess of the y labels' width, then again with the real one.
  const union = {
    u0: Math.min(...panels.map((q) => q.u0)),
    u1: Math.max(...panels.map((q) => q.u1)),
    v0: Math.min(...panels.map((q) => q.v0)),
    v1: Math.max(...panels.map((q) => q.v1)),
  };
  const fitted = (q: Panel) => (scaleMode === 'shared' ? union : q);
  const aspect = Math.max(...panels.map((q) => (fitted(q).v1 - fitted(q).v0) / Math.max(fitted(q).u1 - fitted(q).u0, 1e-9)));
  const place = (yLabelWidth: number) => {
    const l = layout({
      width,
      height,
      panels: count,
      yLabelWidth,
      ortho,
      colorBar: scale.hi > 0,
      headingBottom,
      panelTitles: count === 2 || panelTitles[0] !== undefined,
      aspect,
    });
    const frames = panels.map((q, i) => fitFrame(l.boxes[i]!, fitted(q)));
    if (scaleMode === 'shared' && count === 2) {
      // One metres-per-pixel for both: the smaller scale.
      const s = Math.min(frames[0]!.s, frames[1]!.s);
      frames.forEach((f, i) => Object.assign(f, recentre(f, s, fitted(panels[i]!))));
    }
    return { l, frames, ticks: frames.map(frameTicks) };
  };
  let placed = place(40);
  if (ortho) {
    const widest = Math.max(...placed.ticks.flatMap((t) => t.v.map((x) => textWidth(x.label, TICK_FONT))));
    placed = place(widest);
  }
  const { l, frames, ticks } = placed;

  const out = [documentStart(l.width, l.height, title ?? 'Pose graph'), ...head];
  panels.forEach((q, i) => {
    const f = frames[i]!;
    out.push(`<g class="panel">`);
    if (q.title !== undefined) {
      const costText = edges > 0 && count === 2 ? `cost ${formatValue(total(q.costs))}` : '';
      out.push(
        `<text x="${px(f.x)}" y="${px(f.y - 10)}" font-size="14" class="panel-title"><tspan font-weight="bold">${escapeXml(q.title)}</tspan>${costText ? ` <tspan fill="${MUTED}">· ${costText}</tspan>` : ''}</text>`,
      );
    }
    out.push(ortho ? axes(f, p.axisNames!, ticks[i]!) : scaleBarAndTriad(f, p));
    const size = sizes(f, g.count);
    if (covariances && i === count - 1) out.push(ellipsesSvg(covariances, q.uv, dims, p, f, k2, 0.5 * size.odometry));
    out.push(edgesSvg(g, q, f, scale, size), posesSvg(g, q, f, size.marker, headings ? p : undefined), '</g>\n');
  });
  const last = frames[frames.length - 1]!;
  if (scale.hi > 0) out.push(colorBar(scale, last.x + last.w + 22, last.y, last.h), '\n');
  const size = sizes(last, g.count);
  const fixed = new Set(g.graph.fixed).size;
  const items = legendItems({ odometry: edges - loops, loops, free: g.count - fixed, fixed }, size, headings);
  if (covariances) items.push(ellipseLegendItem(confidence));
  const first = frames[0]!;
  const legendWidth = legendRowWidth(items, 12);
  const legendY = last.y + last.h + (ortho ? 6 + TICK_FONT + 8 + AXIS_TITLE + 22 : 24);
  out.push(legendRow(items, Math.max(first.x, (first.x + last.x + last.w) / 2 - legendWidth / 2), legendY, 12), '\n</svg>\n');
  return out.join('');
}

/** The frame at scale s, centred on the data again. */
function recentre(f: Frame, s: number, b: { u0: number; u1: number; v0: number; v1: number }): Frame {
  const cu = (b.u0 + b.u1) / 2;
  const cv = (b.v0 + b.v1) / 2;
  return { ...f, s, u0: cu - f.w / s / 2, u1: cu + f.w / s / 2, v0: cv - f.h / s / 2, v1: cv + f.h / s / 2 };
}

function checkCosts(fn: string, arg: string, value: unknown, edges: number): Float64Array {
  checkTypedArray(fn, arg, value, Float64Array, edges, 'one cost per edge');
  for (let e = 0; e < edges; e++) {
    const c = (value as Float64Array)[e]!;
    if (!(c >= 0 && c < Infinity)) throw rangeError(fn, arg, 'finite and ≥ 0', `${c} at edge ${e}`);
  }
  return value as Float64Array;
}

function checkTitles(fn: string, value: unknown, count: number): (string | undefined)[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw typeError(fn, 'options.panelTitles', 'an array of strings', value);
  if (value.length !== count) throw rangeError(fn, 'options.panelTitles', `${count} title${count === 2 ? 's (before, after)' : ''}`, `${value.length}`);
  value.forEach((t, i) => {
    if (typeof t !== 'string') throw typeError(fn, `options.panelTitles[${i}]`, 'a string', t);
  });
  return value as string[];
}
