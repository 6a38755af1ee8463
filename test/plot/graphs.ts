/** Small pose graphs with known geometry for the plot tests. */
import type { G2oGraph } from '../../lib/index.js';

/** A graph over `poses` (rows of 3 or 7) with the given edges, unit information, measurements = identity. */
export function graphOf(kind: 'se2' | 'se3', poses: number[][], edges: [number, number][], fixed: number[] = [0]): G2oGraph {
  const tri = kind === 'se2' ? 6 : 21;
  const d = kind === 'se2' ? 3 : 6;
  const identity = kind === 'se2' ? [0, 0, 0] : [0, 0, 0, 0, 0, 0, 1];
  const information = new Float64Array(edges.length * tri);
  for (let e = 0; e < edges.length; e++) {
    for (let i = 0, p = 0; i < d; i++) {
      information[e * tri + p] = 1;
      p += d - i;
    }
  }
  return {
    kind,
    ids: Int32Array.from(poses, (_, i) => i),
    poses: Float64Array.from(poses.flat()),
    from: Int32Array.from(edges, (e) => e[0]),
    to: Int32Array.from(edges, (e) => e[1]),
    measurements: Float64Array.from(edges.flatMap(() => identity)),
    information,
    fixed: Int32Array.from(fixed),
    hasVertices: true,
    skipped: {},
    nonPositiveDefinite: 0,
  };
}

/** SE3 poses (identity rotation) at the given points. */
export const at = (...points: [number, number, number][]): number[][] => points.map((p) => [...p, 0, 0, 0, 1]);
