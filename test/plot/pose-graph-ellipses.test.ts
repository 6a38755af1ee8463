// renderPoseGraphSvg's uncertainty ellipses: a known Σ gives the expected
// semi-axes and orientation (2D, and 3D from the top), every view draws the
// confidence region of P Σ Pᵀ, the confidence level scales them, they lie
// in the "after" panel under the edges, stay small, and bad options are named.
import { renderPoseGraphSvg, type G2oGraph, type PoseGraphSvgOptions } from '../../lib/index.js';
import { ISO_ELEVATION } from '../../lib/plot/projection.js';
import { at, graphOf } from './graphs.js';
import { all, byClass, drawnEllipses, hasClass, markerCentre, parseSvg, textOf, type DrawnEllipse, type SvgNode } from './svg-tree.js';

const K2_95 = -2 * Math.log(0.05); // 5.991, the χ²₂ quantile

const ellipses = (svg: string): DrawnEllipse[] => drawnEllipses(parseSvg(svg));

/** Σ = R(θ) diag(a², b²) R(θ)ᵀ in the x-y plane, as 4 numbers. */
function planar(a: number, b: number, degrees: number): number[] {
  const t = (degrees * Math.PI) / 180;
  const [c, s] = [Math.cos(t), Math.sin(t)];
  return [c * c * a * a + s * s * b * b, c * s * (a * a - b * b), c * s * (a * a - b * b), s * s * a * a + c * c * b * b];
}

// Three SE2 poses: fixed at the origin, then 4 m along x, then 3 m up.
const flat = graphOf(
  'se2',
  [
    [0, 0, 0],
    [4, 0, 0],
    [4, 3, 0],
  ],
  [
    [0, 1],
    [1, 2],
  ],
);

describe('renderPoseGraphSvg with covariances', () => {
  test('2D: semi-axes k·σ·s along the covariance eigenvectors, centred on the poses; a zero block draws nothing', () => {
    // Pose 1: σ = 0.5 m along 30° and 0.2 m across; pose 2: 0.1 m along x, 0.4 m along y.
    const covariances = Float64Array.from([0, 0, 0, 0, ...planar(0.5, 0.2, 30), ...planar(0.1, 0.4, 0)]);
    const svg = renderPoseGraphSvg(flat, { covariances });
    const [e1, e2, ...rest] = ellipses(svg);
    expect(rest).toHaveLength(0);
    // The centres are the pose markers (triangles: the heading's centre).
    const markers = byClass(parseSvg(svg), 'pose').filter((p) => !hasClass(p, 'fixed'));
    for (const [e, marker] of [
      [e1!, markers[0]!],
      [e2!, markers[1]!],
    ] as const) {
      const [x, y] = markerCentre(marker);
      expect(Math.abs(e.cx - x)).toBeLessThan(0.2);
      expect(Math.abs(e.cy - y)).toBeLessThan(0.2);
    }
    const s = Math.hypot(e2!.cx - e1!.cx, e2!.cy - e1!.cy) / 3; // px per metre
    const k = Math.sqrt(K2_95);
    expect(Math.abs(e1!.rx - k * 0.5 * s)).toBeLessThanOrEqual(0.06);
    expect(Math.abs(e1!.ry - k * 0.2 * s)).toBeLessThanOrEqual(0.06);
    expect(e1!.angle).toBe(-30); // 30° counter-clockwise in the world is −30° on the page (y down)
    expect(Math.abs(e2!.rx - k * 0.4 * s)).toBeLessThanOrEqual(0.06);
    expect(Math.abs(e2!.ry - k * 0.1 * s)).toBeLessThanOrEqual(0.06);
    expect(e2!.angle).toBe(90); // the major axis along y: vertical
  });

  test("3D seen from the top: only Σ's x-y block counts", () => {
    const graph = graphOf('se3', at([0, 0, 0], [2, 0, 1], [2, 2, -1]), [
      [0, 1],
      [1, 2],
    ]);
    // Pose 1: x-y block with σ = 0.6 m along −40° and 0.3 m across, z strongly coupled; pose 2 isotropic 0.2 m.
    const [xx, xy, , yy] = planar(0.6, 0.3, -40);
    const block = [xx!, xy!, 0.1, xy!, yy!, -0.2, 0.1, -0.2, 4];
    const covariances = Float64Array.from([...new Array(9).fill(0), ...block, 0.04, 0, 0, 0, 0.04, 0, 0, 0, 0.04]);
    const [e1, e2] = ellipses(renderPoseGraphSvg(graph, { covariances, view: 'top' }));
    const s = Math.hypot(e2!.cx - e1!.cx, e2!.cy - e1!.cy) / 2;
    const k = Math.sqrt(K2_95);
    expect(Math.abs(e1!.rx - k * 0.6 * s)).toBeLessThanOrEqual(0.06);
    expect(Math.abs(e1!.ry - k * 0.3 * s)).toBeLessThanOrEqual(0.06);
    expect(e1!.angle).toBe(40);
    expect(Math.abs(e2!.rx - k * 0.2 * s)).toBeLessThanOrEqual(0.06);
    expect(Math.abs(e2!.ry - e2!.rx)).toBeLessThanOrEqual(0.1);
  });

  describe('every view draws the confidence region of P Σ Pᵀ: its boundary has (q − q*)ᵀ C_px⁻¹ (q − q*) = k²', () => {
    const graph = graphOf('se3', at([0, 0, 0], [3, 0, 0], [3, 2, 1], [0, 2, 2]), [
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    const points = [
      [0, 0, 0],
      [3, 0, 0],
      [3, 2, 1],
      [0, 2, 2],
    ];
    const blocks = [
      [0.04, 0.01, 0.02, 0.01, 0.09, -0.03, 0.02, -0.03, 0.16],
      [0.25, 0, 0, 0, 0.01, 0, 0, 0, 0.04],
      [0.01, 0.005, 0, 0.005, 0.01, 0, 0, 0, 0.36],
      [0.09, -0.05, 0.04, -0.05, 0.09, -0.02, 0.04, -0.02, 0.09],
    ];
    const covariances = Float64Array.from(blocks.flat());
    /** The view's right and up vectors, as projection.ts documents them. */
    const axes = (azimuth: number, elevation: number) => {
      const a = (azimuth * Math.PI) / 180;
      const e = (elevation * Math.PI) / 180;
      return { right: [-Math.sin(a), Math.cos(a), 0], up: [-Math.sin(e) * Math.cos(a), -Math.sin(e) * Math.sin(a), Math.cos(e)] };
    };
    const views: [string, PoseGraphSvgOptions['view'], { right: number[]; up: number[] }][] = [
      ['top', 'top', axes(-90, 90)],
      ['front', 'front', axes(-90, 0)],
      ['side', 'side', axes(0, 0)],
      ['iso', 'iso', axes(-45, ISO_ELEVATION)],
      ['azimuth 30°, elevation 20°', { azimuth: 30, elevation: 20 }, axes(30, 20)],
    ];
    test.each(views)('%s', (_name, view, { right, up }) => {
      const drawn = ellipses(renderPoseGraphSvg(graph, { covariances, view, width: 1200 }));
      expect(drawn).toHaveLength(4);
      const dot = (a: number[], b: number[]) => a.reduce((t, v, i) => t + v * b[i]!, 0);
      // px per metre from the centres of poses 0 and 2 (their projections differ in every view here).
      const uv = points.map((p) => [dot(right, p), dot(up, p)]);
      const s = Math.hypot(drawn[2]!.cx - drawn[0]!.cx, drawn[2]!.cy - drawn[0]!.cy) / Math.hypot(uv[2]![0]! - uv[0]![0]!, uv[2]![1]! - uv[0]![1]!);
      drawn.forEach((e, i) => {
        // C_px = s² F P Σ Pᵀ F, F = diag(1, −1).
        const S = (r: number, c: number) => blocks[i]![r * 3 + c]!;
        const quad = (a: number[], b: number[]) => [0, 1, 2].reduce((t, r) => t + [0, 1, 2].reduce((u, c) => u + a[r]! * S(r, c) * b[c]!, 0), 0);
        const [a, b, c] = [s * s * quad(right, right), -s * s * quad(right, up), s * s * quad(up, up)];
        const det = a * c - b * b;
        for (let t = 0; t < 8; t++) {
          const phi = (e.angle * Math.PI) / 180;
          const [x0, y0] = [e.rx * Math.cos((t * Math.PI) / 4), e.ry * Math.sin((t * Math.PI) / 4)];
          const [qx, qy] = [Math.cos(phi) * x0 - Math.sin(phi) * y0, Math.sin(phi) * x0 + Math.cos(phi) * y0];
          const value = (c * qx * qx - 2 * b * qx * qy + a * qy * qy) / det;
          expect(Math.abs(value / K2_95 - 1)).toBeLessThan(0.01);
        }
      });
    });
  });

  test('confidence sets k² = −2 ln(1 − confidence): 1σ ellipses are 1/√5.991 of the 95% ones; the legend says which', () => {
    const covariances = Float64Array.from([0, 0, 0, 0, ...planar(0.5, 0.2, 30), ...planar(0.1, 0.4, 0)]);
    const wide = ellipses(renderPoseGraphSvg(flat, { covariances }));
    const oneSigma = ellipses(renderPoseGraphSvg(flat, { covariances, confidence: 1 - Math.exp(-0.5) }));
    oneSigma.forEach((e, i) => expect(Math.abs(e.rx * Math.sqrt(K2_95) - wide[i]!.rx)).toBeLessThan(0.3));
    const legend = (options: PoseGraphSvgOptions) =>
      byClass(parseSvg(renderPoseGraphSvg(flat, options)), 'legend').flatMap((g) => g.children.filter((n) => n.tag === 'text').map(textOf));
    expect(legend({ covariances })).toEqual(['odometry', 'pose', 'fixed pose', '95% position confidence ellipse']);
    expect(legend({ covariances, confidence: 1 - Math.exp(-0.5) }).at(-1)).toBe('39.3% position confidence ellipse');
    expect(legend({})).toEqual(['odometry', 'pose', 'fixed pose']);
  });

  test('in the "after" panel only, under the edges and poses, clipped to the panel', () => {
    const covariances = Float64Array.from([0, 0, 0, 0, ...planar(0.5, 0.2, 30), ...planar(0.1, 0.4, 0)]);
    const before = Float64Array.of(0, 0, 0, 4.2, 0.3, 0.1, 3.9, 3.2, 0);
    const root = parseSvg(renderPoseGraphSvg(flat, { before, covariances }));
    const [first, second] = byClass(root, 'panel');
    expect(byClass(first!, 'ellipses')).toHaveLength(0);
    const [path] = byClass(second!, 'ellipses');
    // Drawn before (under) the edges and the poses.
    const order = all(second!, (n) => hasClass(n, 'ellipses') || hasClass(n, 'edges') || hasClass(n, 'poses')).map((n) => n.attrs.class);
    expect(order).toEqual(['ellipses', 'edges', 'poses']);
    const clip = /^url\(#(.+)\)$/.exec(path!.attrs['clip-path']!)![1];
    const [rect] = all(root, (n: SvgNode) => n.tag === 'clipPath' && n.attrs.id === clip).flatMap((n) => n.children);
    const frame = all(second!, (n) => n.tag === 'rect' && n.attrs.stroke === '#8c959f');
    expect(['x', 'y', 'width', 'height'].map((a) => rect!.attrs[a])).toEqual(['x', 'y', 'width', 'height'].map((a) => frame[0]!.attrs[a]));
    expect(Number(path!.attrs['fill-opacity'])).toBeLessThan(0.5);
    expect(Number(path!.attrs['stroke-width'])).toBeLessThanOrEqual(1);
  });

  test('10 000 poses with ellipses: one path, about 70 bytes per ellipse, rounded to 0.1 px', () => {
    const count = 10000;
    const poses = Array.from({ length: count }, (_, i) => [Math.cos(i / 50) * (10 + i / 100), Math.sin(i / 50) * (10 + i / 100), i / 50]);
    const edges: [number, number][] = Array.from({ length: count - 1 }, (_, i) => [i, i + 1]);
    const graph: G2oGraph = graphOf('se2', poses, edges);
    const covariances = new Float64Array(count * 4);
    for (let i = 1; i < count; i++) covariances.set(planar(0.01 + i * 1e-5, 0.005, i % 180), i * 4);
    const plain = renderPoseGraphSvg(graph);
    const svg = renderPoseGraphSvg(graph, { covariances });
    expect(ellipses(svg)).toHaveLength(count - 1);
    expect((svg.length - plain.length) / (count - 1)).toBeLessThan(80);
    for (const m of svg.matchAll(/ d="([^"]*)"/g)) expect(m[1]).not.toMatch(/\.\d\d/);
  });

  describe('BAD CALL', () => {
    const fn = 'renderPoseGraphSvg';
    const tetra = graphOf('se3', at([0, 0, 0], [1, 0, 0], [0, 1, 0]), [
      [0, 1],
      [1, 2],
    ]);
    const zeros = (n: number) => new Float64Array(n);
    const cases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
      [
        'covariances in an Array',
        () => renderPoseGraphSvg(flat, { covariances: [0, 0, 0, 0] as never }),
        TypeError,
        /'options.covariances' must be a Float64Array, got an Array$/,
      ],
      [
        'SE2 covariances of 3 × 3 blocks',
        () => renderPoseGraphSvg(flat, { covariances: zeros(27) }),
        RangeError,
        /'options.covariances' must be of length 12 \(3 poses × 2 × 2: each pose's x-y covariance\), got length 27$/,
      ],
      [
        'SE3 covariances of 2 × 2 blocks',
        () => renderPoseGraphSvg(tetra, { covariances: zeros(12) }),
        RangeError,
        /'options.covariances' must be of length 27 \(3 poses × 3 × 3: each pose's x-y-z covariance\), got length 12$/,
      ],
      [
        'a NaN',
        () => renderPoseGraphSvg(flat, { covariances: Float64Array.of(0, 0, 0, 0, 1, 0, 0, NaN, 0, 0, 0, 0) }),
        RangeError,
        /'options.covariances' must be finite, got NaN at pose 1, index 3$/,
      ],
      [
        'a block that is not symmetric',
        () => renderPoseGraphSvg(flat, { covariances: Float64Array.of(0, 0, 0, 0, 1, 0.5, 0.2, 1, 0, 0, 0, 0) }),
        RangeError,
        /'options.covariances' must be symmetric positive semi-definite 2 × 2 blocks \(position covariances\), got a block that is not symmetric at pose 1 \(0\.5 at \[0\]\[1\], 0\.2 at \[1\]\[0\]\)$/,
      ],
      [
        'a negative variance',
        () => renderPoseGraphSvg(flat, { covariances: Float64Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, -1) }),
        RangeError,
        /'options.covariances' must be symmetric positive semi-definite .*, got a block with a negative eigenvalue at pose 2 \(-1 at \[1\]\[1\]\)$/,
      ],
      [
        'a correlation beyond 1',
        () => renderPoseGraphSvg(flat, { covariances: Float64Array.of(1, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0) }),
        RangeError,
        /got a block with a negative eigenvalue at pose 0 \(the minor of rows 0, 1 is -3\)$/,
      ],
      [
        'a 3 × 3 block whose 2 × 2 minors are fine but not its determinant',
        () => renderPoseGraphSvg(tetra, { covariances: Float64Array.from([...zeros(18), 1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1]) }),
        RangeError,
        /got a block with a negative eigenvalue at pose 2 \(its determinant is -2\.888\d*\)$/,
      ],
      [
        'confidence without covariances',
        () => renderPoseGraphSvg(flat, { confidence: 0.9 }),
        RangeError,
        /'options.confidence' must be given only with 'options.covariances', got it without$/,
      ],
      [
        'a confidence of 1',
        () => renderPoseGraphSvg(flat, { covariances: zeros(12), confidence: 1 }),
        RangeError,
        /'options.confidence' must be a number in \(0, 1\), got 1$/,
      ],
      [
        'a confidence in percent',
        () => renderPoseGraphSvg(flat, { covariances: zeros(12), confidence: 95 }),
        RangeError,
        /'options.confidence' must be a number in \(0, 1\), got 95$/,
      ],
      [
        'a confidence that is a string',
        () => renderPoseGraphSvg(flat, { covariances: zeros(12), confidence: '0.95' as never }),
        TypeError,
        /'options.confidence' must be a number, got a string$/,
      ],
    ];
    test.each(cases)('%s', (_name, call, error, message) => {
      expect(call).toThrow(error);
      expect(call).toThrow(message);
      expect(call).toThrow(new RegExp(`^${fn}: `));
    });
  });
});
