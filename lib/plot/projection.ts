/**
 * Orthographic views of 3D points onto the page. A view looks at the scene
 * from the direction d = (cos e cos a, cos e sin a, sin e) (azimuth a from +x
 * towards +y, elevation e above the x-y plane); the page's right and up axes
 * are the unit vectors
 *   right = (−sin a, cos a, 0),   up = (−sin e cos a, −sin e sin a, cos e),
 * so a point p lands at (u, v) = (p·right, p·up), in metres. Named views:
 * 'top' (x right, y up), 'front' (x right, z up), 'side' (y right, z up) and
 * 'iso', the isometric view from (+x, −y, +z): a = −45°, e = atan(1/√2) ≈ 35.26°,
 * where the three axes are foreshortened alike.
 */
import { checkOptions, rangeError, typeError } from '../base/check.js';

/** A named view, or azimuth and elevation in degrees. */
export type PlotView =
  | 'top'
  | 'front'
  | 'side'
  | 'iso'
  | {
      /** Degrees from +x towards +y of the direction the scene is seen from. */
      azimuth: number;
      /** Degrees above the x-y plane, in [-90, 90]. */
      elevation: number;
    };

export const ISO_ELEVATION = (Math.atan(Math.SQRT1_2) * 180) / Math.PI;

const NAMED: Record<string, { azimuth: number; elevation: number }> = {
  top: { azimuth: -90, elevation: 90 },
  front: { azimuth: -90, elevation: 0 },
  side: { azimuth: 0, elevation: 0 },
  iso: { azimuth: -45, elevation: ISO_ELEVATION },
};

/** The page axes of a view: u = p·right, v = p·up. */
export interface Projection {
  right: [number, number, number];
  up: [number, number, number];
  /** Whether both page axes are world axes (top, front, side): the axes can then be labelled x, y or z. */
  axisNames: [string, string] | undefined;
}

/** cos and sin of an angle in degrees, exact at multiples of 90°. */
function cosSin(degrees: number): [number, number] {
  const quarter = degrees / 90;
  if (Number.isInteger(quarter)) {
    const q = ((quarter % 4) + 4) % 4;
    return [[1, 0, -1, 0][q]!, [0, 1, 0, -1][q]!];
  }
  const r = (degrees * Math.PI) / 180;
  return [Math.cos(r), Math.sin(r)];
}

/** Reads and checks a view option. */
export function checkView(fn: string, arg: string, view: unknown): { azimuth: number; elevation: number } {
  if (typeof view === 'string') {
    const angles = NAMED[view];
    if (angles === undefined || !Object.hasOwn(NAMED, view))
      throw rangeError(fn, arg, "'top', 'front', 'side', 'iso' or { azimuth, elevation } in degrees", `'${view}'`);
    return angles;
  }
  if (typeof view !== 'object' || view === null) throw typeError(fn, arg, "'top', 'front', 'side', 'iso' or { azimuth, elevation } in degrees", view);
  const o = checkOptions(fn, arg, view, ['azimuth', 'elevation']);
  for (const key of ['azimuth', 'elevation'] as const) {
    if (typeof o[key] !== 'number') throw typeError(fn, `${arg}.${key}`, 'a number of degrees', o[key]);
  }
  const { azimuth, elevation } = o as { azimuth: number; elevation: number };
  if (!Number.isFinite(azimuth)) throw rangeError(fn, `${arg}.azimuth`, 'finite', `${azimuth}`);
  if (!(elevation >= -90 && elevation <= 90)) throw rangeError(fn, `${arg}.elevation`, 'in [-90, 90] degrees', `${elevation}`);
  return { azimuth, elevation };
}

export function projection(angles: { azimuth: number; elevation: number }): Projection {
  const [ca, sa] = cosSin(angles.azimuth);
  const [ce, se] = cosSin(angles.elevation);
  const right: [number, number, number] = [-sa, ca, 0];
  const up: [number, number, number] = [-se * ca, -se * sa, ce];
  const name = (axis: number[]): string | undefined => {
    const i = axis.findIndex((c) => c === 1);
    return i >= 0 && axis.every((c, j) => j === i || c === 0) ? 'xyz'[i] : undefined;
  };
  const u = name(right);
  const v = name(up);
  return { right, up, axisNames: u !== undefined && v !== undefined ? [u, v] : undefined };
}

/** Page coordinates (u, v) in metres of `count` points whose x, y (and z when `dims` is 3, else z = 0) open each `stride`-number row of `values`. */
export function projectPoints(p: Projection, values: Float64Array, count: number, stride: number, dims: 2 | 3): Float64Array {
  const out = new Float64Array(count * 2);
  const [rx, ry, rz] = p.right;
  const [ux, uy, uz] = p.up;
  for (let i = 0; i < count; i++) {
    const x = values[i * stride]!;
    const y = values[i * stride + 1]!;
    const z = dims === 3 ? values[i * stride + 2]! : 0;
    out[2 * i] = rx * x + ry * y + rz * z;
    out[2 * i + 1] = ux * x + uy * y + uz * z;
  }
  return out;
}
