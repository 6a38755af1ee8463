// renderConvergenceSvg and the tick helpers: decade ticks for a known range,
// zeros clamped to the floor with a note, NaN skipped, one iteration, the
// band summary, a real solve's history, and named errors.
import { LevenbergMarquardt, poseGraphObjective, renderConvergenceSvg } from '../../lib/index.js';
import { formatValue, linearTicks, logTicks, powerOfTen } from '../../lib/plot/ticks.js';
import { gridGraph } from '../helpers/graphs.js';
import { all, byClass, parseSvg, textOf } from './svg-tree.js';

const yLabels = (svg: string) => byClass(parseSvg(svg), 'y-tick').map(textOf);
const notes = (svg: string) => byClass(parseSvg(svg), 'note').map(textOf);
const series = (svg: string) => byClass(parseSvg(svg), 'series');

describe('ticks', () => {
  test('powers of ten and values', () => {
    expect([-12, -3, -1, 0, 1, 2, 10].map(powerOfTen)).toEqual(['10⁻¹²', '10⁻³', '10⁻¹', '1', '10', '10²', '10¹⁰']);
    expect([0, 1234.5, 0.012345, 1.5e-7, -2e9, 1e-5, 100000].map((x) => formatValue(x))).toEqual(['0', '1230', '0.0123', '1.5×10⁻⁷', '−2×10⁹', '10⁻⁵', '10⁵']);
  });

  test('linear ticks step by 1, 2 or 5 × 10ᵏ and print without drift', () => {
    expect(linearTicks(0, 27, 6).map((t) => t.label)).toEqual(['0', '5', '10', '15', '20', '25']);
    expect(linearTicks(-0.35, 0.35, 7).map((t) => t.label)).toEqual(['−0.3', '−0.2', '−0.1', '0', '0.1', '0.2', '0.3']);
    expect(linearTicks(0, 1, 10, 1).map((t) => t.value)).toEqual([0, 1]);
  });

  test('log ticks: decades, every k-th one when crowded, 2 and 5 when roomy', () => {
    expect(logTicks(1e-1, 1e3, 300).major.map((t) => t.label)).toEqual(['10⁻¹', '1', '10', '10²', '10³']);
    expect(logTicks(1e-1, 1e3, 300).minor).toHaveLength(4 * 8);
    // 30 decades in 300 px: labels every 2nd decade (10 px each is under the 18 px gap), the others minor.
    const crowded = logTicks(1e-20, 1e10, 300);
    expect(crowded.major.map((t) => t.value)).toEqual(Array.from({ length: 16 }, (_, i) => 10 ** (-20 + 2 * i)));
    expect(crowded.minor).toHaveLength(15);
    // Within one decade: 2 and 5 too, written out.
    expect(logTicks(0.15, 0.9, 300).major.map((t) => t.label)).toEqual(['0.2', '0.5']);
  });
});

describe('renderConvergenceSvg', () => {
  test('a known range gets its decades as labelled ticks, with axis titles and a legend', () => {
    const svg = renderConvergenceSvg([{ label: 'LM', costs: [1000, 10, 0.1] }], { title: 'Known' });
    expect(yLabels(svg)).toEqual(['10⁻¹', '1', '10', '10²', '10³']);
    const root = parseSvg(svg);
    const texts = all(root, (n) => n.tag === 'text').map(textOf);
    expect(texts).toEqual(expect.arrayContaining(['Known', 'iteration', 'cost (log scale)', 'LM', '0', '1', '2']));
    expect(series(svg)).toHaveLength(1);
    expect(byClass(root, 'legend')).toHaveLength(1);
    expect(notes(svg)).toEqual([]);
    expect(renderConvergenceSvg([{ label: 'LM', costs: [1000, 10, 0.1] }], { title: 'Known' })).toBe(svg);
  });

  test('tick labels sit where their values are, apart from each other (a range not starting on a decade)', () => {
    const svg = renderConvergenceSvg([{ label: 'LM', costs: [277, 22.6, 22.5] }]);
    const ticks = byClass(parseSvg(svg), 'y-tick').map((n) => ({ label: textOf(n), y: Number(n.attrs.y) }));
    expect(ticks.map((t) => t.label)).toEqual(['10', '20', '50', '100', '200', '500', '1000']);
    // Equal steps in log10: y is affine in log10(value), and no two labels are closer than 12 px.
    const perDecade = ticks[0]!.y - ticks[3]!.y;
    ticks.forEach((t) => expect(ticks[0]!.y - t.y).toBeCloseTo(perDecade * Math.log10(Number(t.label) / 10), 0));
    for (let i = 1; i < ticks.length; i++) expect(ticks[i - 1]!.y - ticks[i]!.y).toBeGreaterThan(12);
  });

  test('costs reaching 0 are clamped to the axis floor, a decade below the smallest, and the note says so', () => {
    const svg = renderConvergenceSvg([{ label: 'to zero', costs: [10, 1e-3, 1e-9, 0, 0] }]);
    expect(yLabels(svg)[0]).toBe('10⁻¹⁰');
    expect(notes(svg)).toEqual(['2 costs of 0 drawn at the axis floor 10⁻¹⁰ (a log axis cannot show them).']);
    // The last two points lie on the bottom edge of the frame.
    const frame = all(parseSvg(svg), (n) => n.tag === 'rect' && n.attrs.fill === 'none')[0]!;
    const bottom = Number(frame.attrs.y) + Number(frame.attrs.height);
    const ys = series(svg)[0]!
      .attrs.d!.split(/[ML]/)
      .filter(Boolean)
      .map((p) => Number(p.split(' ')[1]));
    expect(ys.slice(-2).map((y) => Math.abs(y - bottom) <= 0.1)).toEqual([true, true]);
  });

  test('costs more than 20 decades below the largest are clamped too', () => {
    expect(notes(renderConvergenceSvg([{ label: 'a', costs: [1e3, 1, 1e-30] }]))).toEqual([
      '1 cost below 10⁻¹⁷ drawn at the axis floor 10⁻¹⁸ (a log axis cannot show them).',
    ]);
  });

  test('NaN and ±∞ are skipped: the line breaks, the note counts them', () => {
    const svg = renderConvergenceSvg([{ label: 'gaps', costs: [5, 2, NaN, 0.5, Infinity, 0.1] }]);
    expect(series(svg)[0]!.attrs.d!.match(/M/g)).toHaveLength(3);
    expect(notes(svg)).toEqual(['2 non-finite costs (NaN or ±∞) skipped.']);
  });

  test('a single iteration, and all costs 0', () => {
    const one = renderConvergenceSvg([{ label: 'one', costs: new Float64Array([3]) }]);
    expect(series(one)[0]!.attrs.d).toMatch(/^M([\d.]+ [\d.]+)L\1$/); // a dot (round caps)
    expect(all(parseSvg(one), (n) => n.tag === 'circle')).toHaveLength(2); // the marker and the legend's
    const zeros = renderConvergenceSvg([{ label: 'zero', costs: [0, 0] }]);
    expect(yLabels(zeros)).toEqual(['0.1', '0.2', '0.5', '1']);
    expect(notes(zeros)).toEqual(['2 costs of 0 drawn at the axis floor 0.1 (a log axis cannot show them).']);
  });

  test('several series: one line each, cycling colours, a legend row each', () => {
    const many = Array.from({ length: 3 }, (_, i) => ({ label: `element ${i}`, costs: [100 * (i + 1), 10, 1 + i] }));
    const svg = renderConvergenceSvg(many);
    expect(series(svg).map((s) => s.attrs.stroke)).toEqual(['#0072b2', '#d55e00', '#009e73']);
    expect(byClass(parseSvg(svg), 'legend').map(textOf)).toEqual(['element 0element 1element 2']);
  });

  test('band: the mean line and a min–max band; early stops keep their last cost', () => {
    const svg = renderConvergenceSvg(
      [
        { label: 'a', costs: [100, 10, 1] },
        { label: 'b', costs: [300, 30] },
      ],
      { band: true },
    );
    expect(series(svg)).toHaveLength(1);
    expect(byClass(parseSvg(svg), 'band')).toHaveLength(1);
    expect(byClass(parseSvg(svg), 'legend').map(textOf)).toEqual(['mean of 2min–max of 2']);
    expect(notes(svg)).toEqual(['Series that stopped early keep their last cost in the mean and band.']);
  });

  test("a real solve's history (a batch of 4 noisy grids)", () => {
    const graph = gridGraph(6, 0.05, 3);
    const poses = graph.poses;
    const measurements = new Float64Array(4 * graph.measurements.length);
    for (let b = 0; b < 4; b++)
      measurements.set(
        graph.measurements.map((v, i) => v + (i % 3 === 2 ? 0 : 0.01 * Math.sin(7 * i + b))),
        b * graph.measurements.length,
      );
    const result = new LevenbergMarquardt(poseGraphObjective({ ...graph, poses }, { measurements }).objective).solve();
    const svg = renderConvergenceSvg(
      result.history.map((h, b) => ({ label: `element ${b}`, costs: h })),
      { title: 'grid' },
    );
    expect(series(svg)).toHaveLength(4);
    const labels = yLabels(svg);
    expect(labels.length).toBeGreaterThanOrEqual(2);
  });

  describe('BAD CALL', () => {
    const ok = [{ label: 'a', costs: [1, 0.5] }];
    const cases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
      [
        'series is not an array',
        () => renderConvergenceSvg({ label: 'a', costs: [1] } as never),
        TypeError,
        /^renderConvergenceSvg: 'series' must be an array of \{ label, costs \}, got an object$/,
      ],
      ['no series', () => renderConvergenceSvg([]), RangeError, /^renderConvergenceSvg: 'series' must be non-empty, got an empty array$/],
      [
        'a series without a label',
        () => renderConvergenceSvg([{ costs: [1] } as never]),
        TypeError,
        /^renderConvergenceSvg: 'series\[0\].label' must be a string, got undefined$/,
      ],
      [
        'costs that are a number',
        () => renderConvergenceSvg([{ label: 'a', costs: 3 as never }]),
        TypeError,
        /^renderConvergenceSvg: 'series\[0\].costs' must be an array of numbers, got a number \(3\)$/,
      ],
      [
        'no costs',
        () => renderConvergenceSvg([...ok, { label: 'b', costs: [] }]),
        RangeError,
        /^renderConvergenceSvg: 'series\[1\].costs' must be non-empty, got length 0$/,
      ],
      [
        'a negative cost',
        () => renderConvergenceSvg([{ label: 'a', costs: [1, -2] }]),
        RangeError,
        /^renderConvergenceSvg: 'series\[0\].costs\[1\]' must be ≥ 0 \(a cost\), got -2$/,
      ],
      [
        'a cost that is a string',
        () => renderConvergenceSvg([{ label: 'a', costs: [1, '2'] as never }]),
        TypeError,
        /^renderConvergenceSvg: 'series\[0\].costs\[1\]' must be a number, got a string$/,
      ],
      [
        'an unknown option',
        () => renderConvergenceSvg(ok, { log: true } as never),
        RangeError,
        /^renderConvergenceSvg: 'options' must be an object with keys among 'title', 'width', 'height', 'band', got 'log'$/,
      ],
      [
        'band that is not a boolean',
        () => renderConvergenceSvg(ok, { band: 1 as never }),
        TypeError,
        /^renderConvergenceSvg: 'options.band' must be a boolean, got a number \(1\)$/,
      ],
      [
        'a huge width',
        () => renderConvergenceSvg(ok, { width: 1e6 }),
        RangeError,
        /^renderConvergenceSvg: 'options.width' must be in \[120, 16384\] px, got 1000000$/,
      ],
    ];
    test.each(cases)('%s', (_name, call, error, message) => {
      expect(call).toThrow(error);
      expect(call).toThrow(message);
    });
  });
});
