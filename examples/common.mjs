// What the examples share: command-line flags, where the input data and the
// output files go, number formatting, the training-curve SVG, and the pieces
// the learn-* examples have in common (their flags, Adam, a generated pose
// graph's ground truth, its first guess and the pose error). Not an example
// itself.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { SE2, manhattanWorld } from 'ariadne';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Parses process.argv with node:util's parseArgs. Every example takes
 * `--quick` (a short configuration, for the tests) and `--help`; `usage` is
 * printed for --help and, with exit code 2, for a bad flag.
 */
export function parseFlags(usage, options, { positionals = false } = {}) {
  let parsed;
  try {
    parsed = parseArgs({
      options: { ...options, quick: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
      allowPositionals: positionals,
    });
  } catch (error) {
    process.stderr.write(`${error.message}\n\n${usage}\n`);
    process.exit(2);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return { ...parsed.values, positionals: parsed.positionals };
}

/** A number flag (parseArgs gives strings): the value, or exit 2 naming the flag when it is not a number (an integer) in [min, max]. */
export function numberFlag(flags, name, min, max, { integer = true } = {}) {
  const value = Number(flags[name]);
  if (!(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
    process.stderr.write(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got '${flags[name]}'\n`);
    process.exit(2);
  }
  return value;
}

/**
 * The flags of a learn-* example: one `--name N` per entry of `numbers`
 * ({ default, min, max, quick?, integer? }: an integer in [min, max] unless
 * `integer` is false; `quick` replaces it under --quick), then `--seed S`
 * (default 1) and `--out DIR`. Returns the numbers by name, seed, out and quick.
 */
export function trainingFlags(usage, numbers) {
  const options = Object.fromEntries(Object.entries(numbers).map(([name, spec]) => [name, { type: 'string', default: String(spec.default) }]));
  const flags = parseFlags(usage, { ...options, seed: { type: 'string', default: '1' }, out: { type: 'string' } });
  const values = {};
  for (const [name, { min, max, quick, integer = true }] of Object.entries(numbers)) {
    values[name] = flags.quick && quick !== undefined ? quick : numberFlag(flags, name, min, max, { integer });
  }
  return { ...values, seed: numberFlag(flags, 'seed', 0, 2 ** 31), out: flags.out, quick: flags.quick };
}

/** `relative` under ../shared/data beside the repository (the data sets of REFERENCE.md), or undefined where it is absent. */
export function sharedDataFile(relative) {
  const file = path.join(here, '..', '..', 'shared', 'data', relative);
  return fs.existsSync(file) ? path.relative(process.cwd(), file) || file : undefined;
}

/** The output folder (`--out`, default examples/output/, which git ignores), created when missing. */
export function outputFolder(flag) {
  const folder = flag ?? (path.relative(process.cwd(), path.join(here, 'output')) || '.');
  fs.mkdirSync(folder, { recursive: true });
  return folder;
}

/** `n` to `digits` significant digits, without exponent noise for ordinary sizes. */
export function fmt(n, digits = 4) {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? n.toExponential(digits - 1) : String(Number(n.toPrecision(digits)));
}

/** Milliseconds since `start` (a performance.now() reading), for printing. */
export function ms(start) {
  return `${(performance.now() - start).toFixed(1)} ms`;
}

/** Escapes text for SVG. */
const escapeXml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Four "nice" ticks covering [lo, hi] (1, 2 or 5 × a power of ten apart). */
function niceTicks(lo, hi) {
  const raw = (hi - lo) / 4 || Math.abs(hi) || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/**
 * A training curve as an SVG document: panels stacked vertically, each a
 * value against the epoch. `panels`: { label, values, log?, reference?,
 * referenceLabel? }: `values` per epoch (epoch 0 first); `log` draws the
 * values on a log axis (all > 0); `reference` draws a dashed horizontal line
 * (e.g. the true value of a learned quantity).
 */
export function trainingCurveSvg(title, panels) {
  const width = 720;
  const panelHeight = 220;
  const [left, right, top, gap] = [78, 24, 44, 46];
  const height = top + panels.length * (panelHeight + gap) + 10;
  const plotW = width - left - right;
  const plotH = panelHeight - 20;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" font-size="15" text-anchor="middle">${escapeXml(title)}</text>`,
  ];
  panels.forEach((panel, p) => {
    const y0 = top + p * (panelHeight + gap);
    const f = panel.log ? Math.log10 : (v) => v;
    const shown = panel.values.concat(panel.reference === undefined ? [] : [panel.reference]).map(f);
    let lo = Math.min(...shown);
    let hi = Math.max(...shown);
    if (panel.log) [lo, hi] = [Math.floor(lo), Math.max(Math.ceil(hi), Math.floor(lo) + 1)];
    else if (hi - lo < 1e-12) [lo, hi] = [lo - 1, hi + 1];
    else [lo, hi] = [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)];
    const epochs = Math.max(1, panel.values.length - 1);
    const px = (k) => (left + (k / epochs) * plotW).toFixed(1);
    const py = (v) => (y0 + plotH - ((f(v) - lo) / (hi - lo)) * plotH).toFixed(1);
    out.push(`<g class="panel">`, `<rect x="${left}" y="${y0}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
    // A log axis has a tick per decade, and at 2 and 5 times each when it spans at most two.
    const decades = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
    const within = (t) => Math.log10(t) <= hi + 1e-9;
    const ticks = !panel.log ? niceTicks(lo, hi) : hi - lo > 2 ? decades : decades.flatMap((t) => [t, 2 * t, 5 * t]).filter(within);
    for (const t of ticks) {
      out.push(
        `<line x1="${left}" x2="${left + plotW}" y1="${py(t)}" y2="${py(t)}" stroke="#e4e4e4"/>`,
        `<text x="${left - 6}" y="${py(t)}" font-size="11" text-anchor="end" dominant-baseline="middle">${escapeXml(fmt(t, 3))}</text>`,
      );
    }
    for (const k of niceTicks(0, epochs).filter((k) => Number.isInteger(k) && k <= epochs)) {
      out.push(`<text x="${px(k)}" y="${y0 + plotH + 15}" font-size="11" text-anchor="middle">${k}</text>`);
    }
    out.push(
      `<text x="${left + plotW / 2}" y="${y0 + plotH + 31}" font-size="12" text-anchor="middle" fill="#555">epoch</text>`,
      `<text x="16" y="${y0 + plotH / 2}" font-size="12" text-anchor="middle" fill="#555" transform="rotate(-90 16 ${y0 + plotH / 2})">${escapeXml(panel.label)}${panel.log ? ' (log scale)' : ''}</text>`,
    );
    if (panel.reference !== undefined) {
      out.push(
        `<line class="reference" x1="${left}" x2="${left + plotW}" y1="${py(panel.reference)}" y2="${py(panel.reference)}" stroke="#d62728" stroke-dasharray="6 4"/>`,
        `<text x="${left + plotW - 6}" y="${Number(py(panel.reference)) - 6}" font-size="11" text-anchor="end" fill="#d62728">${escapeXml(panel.referenceLabel ?? 'true value')}</text>`,
      );
    }
    const points = panel.values.map((v, k) => `${px(k)},${py(v)}`).join(' ');
    out.push(`<polyline class="curve" points="${points}" fill="none" stroke="#1f77b4" stroke-width="2"/>`, `</g>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * Adam (Kingma & Ba, 2015) for the learn-* examples: returns
 * step(params, gradients), which moves the numbers of `params` (an array,
 * in place) by one step: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g²,
 * θ ← θ − rate·m̂ / (√v̂ + ε) with m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ) at
 * step t. ε is far below tf.train.adam's 1e-7: these gradients can be that small.
 */
export function adam({ rate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-12 }) {
  const m = [];
  const v = [];
  let t = 0;
  return (params, gradients) => {
    t++;
    for (let k = 0; k < params.length; k++) {
      m[k] = beta1 * (m[k] ?? 0) + (1 - beta1) * gradients[k];
      v[k] = beta2 * (v[k] ?? 0) + (1 - beta2) * gradients[k] ** 2;
      const mHat = m[k] / (1 - beta1 ** t);
      const vHat = v[k] / (1 - beta2 ** t);
      params[k] -= (rate * mHat) / (Math.sqrt(vHat) + epsilon);
    }
  };
}

/** layer.forward(inputs) of a DifferentiableSolve, or an error naming the first batch element (`element`) whose solve failed. */
export function forwardOrThrow(layer, inputs, element = 'copy') {
  const result = layer.forward(inputs);
  const failed = result.info.find((e) => e.gradientZeroReason !== null);
  if (failed) throw new Error(`a ${element}'s solve failed: ${failed.gradientZeroReason}`);
  return result;
}

/** The summary line of a training run: the first and last loss and the factor between them, with the promised factor. */
export function lossSummary(history, promised) {
  const [first, last] = [history[0].loss, history.at(-1).loss];
  return `training loss: ${fmt(first)} → ${fmt(last)}, ${fmt(first / last, 3)}× lower (promised: at least ${promised}×)`;
}

/**
 * A Manhattan world (SE2) whose true poses are known, for the pose-graph
 * learn-* examples: the graph (its own noisy measurements are not used),
 * `truth` (x, y, θ per pose), `odometry` (1 per odometry edge, 0 per loop
 * closure), the counts, and `exact`, every edge's noise-free measurement
 * (the true relative pose T_from⁻¹·T_to), to which an example adds its noise.
 */
export function manhattanTruth({ poses, seed }) {
  const { graph, truth, odometry } = manhattanWorld({ poses, seed });
  const edges = graph.from.length;
  const closures = edges - odometry.reduce((a, b) => a + b, 0);
  const pick = (indices) => Float64Array.from({ length: 3 * indices.length }, (_, j) => truth[3 * indices[Math.floor(j / 3)] + (j % 3)]);
  const exact = SE2.between(pick(graph.from), pick(graph.to));
  return { graph, truth, odometry, edges, closures, exact };
}

/**
 * Sets `world.graph.poses`, the first guess the copies share: the odometry
 * of copy 0 of `measurements` ([copies × edges × 3]) chained from the first
 * pose (true, and held fixed).
 */
export function chainOdometry({ graph, truth, odometry }, measurements) {
  const at = (i) => graph.poses.subarray(3 * i, 3 * i + 3);
  graph.poses.set(truth.subarray(0, 3));
  for (let e = 0; e < graph.from.length; e++) {
    if (odometry[e]) SE2.compose(at(graph.from[e]), measurements.subarray(3 * e, 3 * e + 3), at(graph.to[e]));
  }
}

/** The information diag(1/σx², 1/σy², 1/σθ²) on each of `edges` edges (upper triangles, 6 numbers each). */
export function diagonalInformation(edges, sigma) {
  const information = new Float64Array(edges * 6);
  for (let e = 0; e < edges; e++) information.set([1 / sigma[0] ** 2, 0, 0, 1 / sigma[1] ** 2, 0, 1 / sigma[2] ** 2], 6 * e);
  return information;
}

/**
 * The training loss of the pose-graph examples, the mean over the copies'
 * poses of ‖p − p_true‖² + (θ − θ_true)² (m², rad²; the angle difference
 * wrapped to (−π, π]), and ∂L/∂x*. `x` holds the copies' poses one after
 * another ([copies × poses × 3]), `truth` one copy's.
 */
export function poseError(x, truth) {
  const n = x.length / 3;
  const gradient = new Float64Array(x.length);
  let loss = 0;
  for (let k = 0; k < x.length; k++) {
    const t = truth[k % truth.length];
    const d = k % 3 === 2 ? Math.atan2(Math.sin(x[k] - t), Math.cos(x[k] - t)) : x[k] - t;
    loss += d ** 2 / n;
    gradient[k] = (2 * d) / n;
  }
  return { loss, gradient };
}
