// renderPoseGraphSvg: well-formed SVG with one element per pose and per
// edge, colours that follow the costs, projections that put known points
// where the view says, before/after panels, and named errors.
import * as path from 'node:path';

import { poseGraphEdgeCosts, readG2o, renderPoseGraphSvg, type G2oGraph } from '../../lib/index.js';
import { costColor } from '../../lib/plot/color.js';
import { ISO_ELEVATION } from '../../lib/plot/projection.js';
import { dataTest, sharedData } from '../helpers/shared-data.js';
import { at, graphOf } from './graphs.js';
import { ancestor, byClass, hasClass, inherited, markerCentre, parseSvg, pathNumbers, textOf, type SvgNode } from './svg-tree.js';

/** Pose markers and edges of each panel, in document order. */
function panels(svg: string): { poses: SvgNode[]; edges: SvgNode[]; title: string }[] {
  return byClass(parseSvg(svg), 'panel').map((panel) => ({
    poses: byClass(panel, 'pose'),
    edges: byClass(panel, 'edge'),
    title: byClass(panel, 'panel-title').map(textOf).join(''),
  }));
}

/** Pose i's marker centre: markers are in pose order, but fixed poses are drawn last. */
function centres(graph: G2oGraph, poses: SvgNode[]): [number, number][] {
  const free = poses.filter((n) => !hasClass(n, 'fixed'));
  const fixed = poses.filter((n) => hasClass(n, 'fixed'));
  const out: [number, number][] = [];
  for (let i = 0, f = 0, g = 0; i < graph.ids.length; i++) out.push(markerCentre(graph.fixed.includes(i) ? fixed[f++]! : free[g++]!));
  return out;
}

// A unit tetrahedron of SE3 poses: the origin and one step along each axis.
const tetra = graphOf('se3', at([0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]), [
  [0, 1],
  [1, 2],
  [2, 3],
  [0, 3],
]);

describe('renderPoseGraphSvg', () => {
  test('parses as XML and holds exactly one element per pose and per edge', () => {
    const svg = renderPoseGraphSvg(tetra, { title: 'A <tetrahedron> & "friends"' });
    const [panel, ...rest] = panels(svg);
    expect(rest).toHaveLength(0);
    expect(panel!.poses).toHaveLength(4);
    expect(panel!.edges).toHaveLength(4);
    expect(byClass(parseSvg(svg), 'title').map(textOf)).toEqual(['A <tetrahedron> & "friends"']);
    // Odometry (|from − to| = 1) and loop closures (the edge 0 → 3) are drawn apart.
    expect(panel!.edges.filter((e) => ancestor(e, 'loop-closures') !== undefined)).toHaveLength(1);
    expect(panel!.edges.filter((e) => ancestor(e, 'odometry') !== undefined)).toHaveLength(3);
    expect(renderPoseGraphSvg(tetra, { title: 'A <tetrahedron> & "friends"' })).toBe(svg); // deterministic
  });

  test('edge colours follow the costs: the highest gets the top colour, the lowest the bottom one', () => {
    const costs = new Float64Array([1e-3, 10, 0.1, 1]);
    const svg = renderPoseGraphSvg(tetra, { edgeCosts: costs, view: 'iso' });
    const { poses, edges } = panels(svg)[0]!;
    const c = centres(tetra, poses);
    // The edge whose ends are at its poses' markers (within rounding: a fixed pose's square is rounded corner by corner).
    const strokeOf = (e: number) => {
      const ends = [...c[tetra.from[e]!]!, ...c[tetra.to[e]!]!];
      const node = edges.filter((n) => pathNumbers(n.attrs.d!).every((v, i) => Math.abs(v - ends[i]!) <= 0.15));
      expect(node).toHaveLength(1);
      return inherited(node[0]!, 'stroke');
    };
    expect(strokeOf(1)).toBe(costColor(1));
    expect(strokeOf(0)).toBe(costColor(0));
    // In between, on the log scale: 0.1 is 2 of 4 decades up, 1 is 3 of 4.
    expect(strokeOf(2)).toBe(costColor(Math.round(0.5 * 63) / 63));
    expect(strokeOf(3)).toBe(costColor(Math.round(0.75 * 63) / 63));
    // The colour bar's labels: the decades of the range, and 2 and 5 times them where a decade is tall.
    const labels = (doc: string) => byClass(parseSvg(doc), 'color-bar').flatMap((g) => g.children.filter((n) => n.tag === 'text').map(textOf));
    expect(labels(svg)).toEqual(['0.001', '0.002', '0.005', '0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1', '2', '5', '10', 'edge cost ½‖W r‖²']);
    expect(labels(renderPoseGraphSvg(tetra, { edgeCosts: costs, height: 300 }))).toEqual(['10⁻³', '10⁻²', '10⁻¹', '1', '10', 'edge cost ½‖W r‖²']);
  });

  test('by default the edges are coloured by poseGraphEdgeCosts', () => {
    const graph = graphOf(
      'se2',
      [
        [0, 0, 0],
        [1, 0, 0],
        [2.5, 0, 0],
      ],
      [
        [0, 1],
        [1, 2],
      ],
    );
    graph.measurements.set([1, 0, 0, 1, 0, 0]); // edge 1 is 0.5 m off, edge 0 exact
    expect(Array.from(poseGraphEdgeCosts(graph))).toEqual([0, 0.125]);
    const { edges } = panels(renderPoseGraphSvg(graph))[0]!;
    expect(edges.map((e) => inherited(e, 'stroke'))).toEqual([costColor(0), costColor(1)]);
  });

  describe('views put known 3D points where expected', () => {
    // Page offsets of poses 1, 2, 3 (x, y, z unit steps) from pose 0, in units of the page scale.
    const offsets = (view: Parameters<typeof renderPoseGraphSvg>[1]): number[][] => {
      const c = centres(tetra, panels(renderPoseGraphSvg(tetra, view))[0]!.poses);
      const d = [1, 2, 3].map((i) => [c[i]![0] - c[0]![0], c[i]![1] - c[0]![1]]);
      const scale = Math.max(...d.map(([u, v]) => Math.hypot(u!, v!)));
      return d.map(([u, v]) => [u! / scale, v! / scale]);
    };
    const close = (actual: number[][], expected: number[][]) => {
      actual.flat().forEach((a, i) => expect(a).toBeCloseTo(expected.flat()[i]!, 2));
    };
    // Page y points down: a step up on the page is −1.
    test('top: x right, y up', () =>
      close(offsets({ view: 'top' }), [
        [1, 0],
        [0, -1],
        [0, 0],
      ]));
    test('front: x right, z up', () =>
      close(offsets({ view: 'front' }), [
        [1, 0],
        [0, 0],
        [0, -1],
      ]));
    test('side: y right, z up', () =>
      close(offsets({ view: 'side' }), [
        [0, 0],
        [1, 0],
        [0, -1],
      ]));
    test('iso: x and y at ±30° below and above the horizontal, z up, all foreshortened alike', () => {
      const r = Math.SQRT1_2;
      const s = Math.sqrt(1 / 6);
      // Unit steps project to length √(2/3); normalised by the longest (all equal) they become:
      const n = Math.sqrt(2 / 3);
      close(offsets({ view: 'iso' }), [
        [r / n, s / n],
        [r / n, -s / n],
        [0, (-2 * s) / n],
      ]);
      expect(ISO_ELEVATION).toBeCloseTo(35.26439, 5);
    });
    test('azimuth and elevation: right = (−sin a, cos a, 0), up = (−sin e cos a, −sin e sin a, cos e)', () => {
      const a = (30 * Math.PI) / 180;
      const e = (20 * Math.PI) / 180;
      const right = [-Math.sin(a), Math.cos(a), 0];
      const up = [-Math.sin(e) * Math.cos(a), -Math.sin(e) * Math.sin(a), Math.cos(e)];
      const expected = [0, 1, 2].map((axis) => [right[axis]!, -up[axis]!]);
      const scale = Math.max(...expected.map(([u, v]) => Math.hypot(u!, v!)));
      close(
        offsets({ view: { azimuth: 30, elevation: 20 } }),
        expected.map(([u, v]) => [u! / scale, v! / scale]),
      );
    });
  });

  test('equal scale on both page axes, whatever the picture size', () => {
    const flat = graphOf(
      'se2',
      [
        [0, 0, 0],
        [10, 0, 0],
        [10, 1, 0],
      ],
      [
        [0, 1],
        [1, 2],
      ],
    );
    for (const size of [{}, { width: 400, height: 900 }, { width: 1200, height: 300 }]) {
      const c = centres(flat, panels(renderPoseGraphSvg(flat, { ...size, view: 'iso' }))[0]!.poses);
      // iso of z = 0 points: |Δ| ∝ the metres walked, so 10 m and 1 m keep their ratio.
      const leg = (i: number, j: number) => Math.hypot(c[j]![0] - c[i]![0], c[j]![1] - c[i]![1]);
      expect(leg(0, 1) / leg(1, 2)).toBeCloseTo(10, 0);
    }
  });

  test('degenerate graphs: a lone pose, and edges that all fit exactly (no colour bar)', () => {
    const lone = parseSvg(renderPoseGraphSvg(graphOf('se2', [[1, 2, 0.5]], [])));
    expect(byClass(lone, 'pose')).toHaveLength(1);
    expect(byClass(lone, 'edge')).toHaveLength(0);
    expect(byClass(lone, 'color-bar')).toHaveLength(0);
    expect(byClass(lone, 'legend').map(textOf)).toEqual(['fixed pose']);
    expect(byClass(lone, 'subtitle').map(textOf)).toEqual(['SE2 · 1 pose · 0 edges (0 loop closures) · top view (x–y)']);
    const exact = graphOf('se3', at([0, 0, 0], [0, 0, 0]), [[0, 1]]);
    const svg = parseSvg(renderPoseGraphSvg(exact, { view: 'front' }));
    expect(byClass(svg, 'color-bar')).toHaveLength(0);
    expect(byClass(svg, 'edge').map((e) => inherited(e, 'stroke'))).toEqual([costColor(0)]);
  });

  test('SE2 poses seen from the top are heading triangles; fixed poses are squares', () => {
    const graph = graphOf(
      'se2',
      [
        [0, 0, 0],
        [1, 0, Math.PI / 2],
        [1, 1, Math.PI],
      ],
      [
        [0, 1],
        [1, 2],
      ],
    );
    const { poses } = panels(renderPoseGraphSvg(graph))[0]!;
    expect(poses.map((p) => p.tag)).toEqual(['path', 'path', 'rect']);
    // The triangle's tip (its first point) lies along the heading: pose 1 faces +y, up the page.
    const tip = poses[0]!.attrs
      .d!.match(/^M([-\d.]+) ([-\d.]+)l([-\d.]+) ([-\d.]+)l([-\d.]+) ([-\d.]+)z$/)!
      .slice(1)
      .map(Number);
    const base = [tip[0]! + tip[2]! + tip[4]! / 2, tip[1]! + tip[3]! + tip[5]! / 2];
    expect(Math.abs(tip[0]! - base[0]!)).toBeLessThan(0.3);
    expect(tip[1]!).toBeLessThan(base[1]!);
    // Seen from the top with azimuth 0 the page turns: +y is right, +x is down; pose 2 (facing −x) points up.
    const turned = panels(renderPoseGraphSvg(graph, { view: { azimuth: 0, elevation: 90 } }))[0]!.poses;
    const [x, y] = markerCentre(turned[1]!);
    const [tx, ty] = pathNumbers(turned[1]!.attrs.d!);
    expect(Math.abs(tx! - x)).toBeLessThan(0.3);
    expect(ty!).toBeLessThan(y);
  });

  test('before and after: two titled panels, each with every pose and edge, one colour bar and a legend', () => {
    const graph = graphOf(
      'se2',
      [
        [0, 0, 0],
        [1, 0, 0],
        [2, 0, 0],
        [3, 0, 0],
      ],
      [
        [0, 1],
        [1, 2],
        [2, 3],
        [0, 3],
      ],
    );
    graph.measurements.set([1, 0, 0, 1, 0, 0, 1, 0, 0, 3, 0, 0]);
    const before = new Float64Array([0, 0, 0, 1.2, 0.3, 0.1, 2.5, 0.2, 0, 3.3, -0.2, 0]);
    const svg = renderPoseGraphSvg(graph, { before, title: 'Before and after' });
    const [first, second] = panels(svg);
    expect([first!.poses.length, first!.edges.length, second!.poses.length, second!.edges.length]).toEqual([4, 4, 4, 4]);
    expect(first!.title).toMatch(/^Initial · cost \d/);
    expect(second!.title).toBe('Solved · cost 0');
    const root = parseSvg(svg);
    expect(byClass(root, 'color-bar')).toHaveLength(1);
    expect(byClass(root, 'legend').map(textOf).join(' ')).toMatch(/odometry.*loop closure.*pose.*fixed pose/);
    // The same scale in both panels by default: the same 1 m step is as long in each.
    const step = (p: typeof first) => {
      const c = centres(graph, p!.poses);
      return c[3]![0] - c[0]![0];
    };
    expect(step(second) / 3).toBeCloseTo(step(first) / 3.3, 0);
    const titled = panels(renderPoseGraphSvg(graph, { before, panelTitles: ['Odometry', 'Optimised'], scale: 'separate' }));
    expect(titled.map((p) => p.title.split(' ·')[0])).toEqual(['Odometry', 'Optimised']);
  });

  test('scales to 10 000 poses with short numbers: about 50 bytes per element', () => {
    const count = 10000;
    const poses = Array.from({ length: count }, (_, i) => [Math.cos(i / 50) * (10 + i / 100), Math.sin(i / 50) * (10 + i / 100), i / 50]);
    const edges: [number, number][] = Array.from({ length: count - 1 }, (_, i) => [i, i + 1]);
    for (let i = 0; i + 300 < count; i += 7) edges.push([i, i + 300]);
    const graph = graphOf('se2', poses, edges);
    const svg = renderPoseGraphSvg(graph);
    const { poses: markers, edges: lines } = panels(svg)[0]!;
    expect(markers).toHaveLength(count);
    expect(lines).toHaveLength(edges.length);
    expect(svg.length / (count + edges.length)).toBeLessThan(60);
    // Path data rounded to 0.1 px.
    for (const m of svg.matchAll(/ d="([^"]*)"/g)) expect(m[1]).not.toMatch(/\.\d\d/);
  });

  dataTest('real graphs: intel before/after (2D) and sphere2500 iso (3D)', () => {
    const intel = readG2o(path.join(sharedData, 'g2o-2d/intel.g2o'));
    const moved = intel.poses.map((v, i) => (i % 3 === 0 ? v + 0.01 * Math.sin(i) : v));
    const two = panels(renderPoseGraphSvg(intel, { before: moved, title: 'intel' }));
    for (const p of two) {
      expect(p.poses).toHaveLength(intel.ids.length);
      expect(p.edges).toHaveLength(intel.from.length);
    }
    const sphere = readG2o(path.join(sharedData, 'g2o-3d/sphere2500.g2o'));
    const [iso] = panels(renderPoseGraphSvg(sphere, { view: 'iso' }));
    expect(iso!.poses).toHaveLength(sphere.ids.length);
    expect(iso!.edges).toHaveLength(sphere.from.length);
  });

  describe('BAD CALL', () => {
    const fn = 'renderPoseGraphSvg';
    const cases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
      [
        'graph is a string',
        () => renderPoseGraphSvg('graph' as never),
        TypeError,
        /^renderPoseGraphSvg: 'graph' must be a G2oGraph \(from parseG2o or readG2o\), got a string$/,
      ],
      [
        'an unknown option',
        () => renderPoseGraphSvg(tetra, { colour: 'red' } as never),
        RangeError,
        /^renderPoseGraphSvg: 'options' must be an object with keys among 'poses', .*, got 'colour'$/,
      ],
      [
        'an unknown view',
        () => renderPoseGraphSvg(tetra, { view: 'bottom' as never }),
        RangeError,
        /^renderPoseGraphSvg: 'options.view' must be 'top', 'front', 'side', 'iso' or \{ azimuth, elevation \} in degrees, got 'bottom'$/,
      ],
      [
        'a view that is a number',
        () => renderPoseGraphSvg(tetra, { view: 3 as never }),
        TypeError,
        /^renderPoseGraphSvg: 'options.view' must be .* got a number \(3\)$/,
      ],
      [
        'an elevation beyond 90°',
        () => renderPoseGraphSvg(tetra, { view: { azimuth: 0, elevation: 120 } }),
        RangeError,
        /^renderPoseGraphSvg: 'options.view.elevation' must be in \[-90, 90\] degrees, got 120$/,
      ],
      [
        'a width that is not a number',
        () => renderPoseGraphSvg(tetra, { width: '800' as never }),
        TypeError,
        /^renderPoseGraphSvg: 'options.width' must be a number of pixels, got a string$/,
      ],
      [
        'a tiny height',
        () => renderPoseGraphSvg(tetra, { height: 10 }),
        RangeError,
        /^renderPoseGraphSvg: 'options.height' must be in \[120, 16384\] px, got 10$/,
      ],
      [
        'before of the wrong length',
        () => renderPoseGraphSvg(tetra, { before: new Float64Array(7) }),
        RangeError,
        /^renderPoseGraphSvg: 'options.before' must be of length 28 \(4 vertices × 7\), got length 7$/,
      ],
      [
        'poses with Infinity',
        () => renderPoseGraphSvg(tetra, { poses: tetra.poses.map((v, i) => (i === 8 ? Infinity : v)) }),
        RangeError,
        /^renderPoseGraphSvg: 'options.poses' must be finite, got Infinity at vertex 1, index 1$/,
      ],
      [
        'edge costs in an Array',
        () => renderPoseGraphSvg(tetra, { edgeCosts: [1, 2, 3, 4] as never }),
        TypeError,
        /^renderPoseGraphSvg: 'options.edgeCosts' must be a Float64Array, got an Array$/,
      ],
      [
        'too few edge costs',
        () => renderPoseGraphSvg(tetra, { edgeCosts: new Float64Array(3) }),
        RangeError,
        /^renderPoseGraphSvg: 'options.edgeCosts' must be of length 4 \(one cost per edge\), got length 3$/,
      ],
      [
        'a negative edge cost',
        () => renderPoseGraphSvg(tetra, { edgeCosts: new Float64Array([1, -1, 1, 1]) }),
        RangeError,
        /^renderPoseGraphSvg: 'options.edgeCosts' must be finite and ≥ 0, got -1 at edge 1$/,
      ],
      [
        'before costs without before',
        () => renderPoseGraphSvg(tetra, { beforeEdgeCosts: new Float64Array(4) }),
        RangeError,
        /^renderPoseGraphSvg: 'options.beforeEdgeCosts' must be given only with 'options.before', got it without$/,
      ],
      [
        'one panel title for two panels',
        () => renderPoseGraphSvg(tetra, { before: tetra.poses, panelTitles: ['A'] }),
        RangeError,
        /^renderPoseGraphSvg: 'options.panelTitles' must be 2 titles \(before, after\), got 1$/,
      ],
      [
        'a title that is a number',
        () => renderPoseGraphSvg(tetra, { title: 7 as never }),
        TypeError,
        /^renderPoseGraphSvg: 'options.title' must be a string, got a number \(7\)$/,
      ],
      [
        'an unknown scale',
        () => renderPoseGraphSvg(tetra, { before: tetra.poses, scale: 'fit' as never }),
        RangeError,
        /^renderPoseGraphSvg: 'options.scale' must be 'shared' or 'separate', got 'fit'$/,
      ],
    ];
    test.each(cases)('%s', (_name, call, error, message) => {
      expect(call).toThrow(error);
      expect(call).toThrow(message);
      expect(call).toThrow(new RegExp(`^${fn}: `));
    });
  });
});
