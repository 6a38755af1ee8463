/**
 * Small generated pose graphs for the optimiser tests: a serpentine grid of
 * poses with odometry and loop closures, measurements from the true poses
 * plus noise, initial poses by composing the noisy odometry.
 */
import { SeededRandom } from '../../lib/core/random.js';
import type { G2oGraph } from '../../lib/io/g2o.js';
import { SE2 } from '../../lib/geometry/se2.js';

/** The true poses of gridGraph(side, ...): rows 1 m apart, walked alternately along +x (θ = 0) and back (θ = π − 1e-9). */
export function gridTruth(side: number): Float64Array {
  const truth = new Float64Array(side * side * 3);
  for (let v = 0; v < side * side; v++) {
    const row = Math.floor(v / side);
    const col = row % 2 === 0 ? v % side : side - 1 - (v % side);
    truth.set([col, row, row % 2 === 0 ? 0 : Math.PI - 1e-9], v * 3);
  }
  return truth;
}

/** An SE2 grid world of side² poses, spacing 1 m, with noisy odometry and loop closures. */
export function gridGraph(side: number, sigma: number, seed: number): G2oGraph {
  const random = new SeededRandom(seed);
  const count = side * side;
  const truth = gridTruth(side);
  SE2.normalize(truth, truth);
  const from: number[] = [];
  const to: number[] = [];
  for (let v = 0; v + 1 < count; v++) from.push(v), to.push(v + 1);
  for (let v = side; v < count; v++) {
    const row = Math.floor(v / side);
    const col = row % 2 === 0 ? v % side : side - 1 - (v % side);
    const below = (row - 1) * side + (row % 2 === 1 ? col : side - 1 - col);
    from.push(below), to.push(v);
  }
  const a = new Float64Array(from.length * 3);
  const b = new Float64Array(from.length * 3);
  from.forEach((f, e) => {
    a.set(truth.subarray(f * 3, f * 3 + 3), e * 3);
    b.set(truth.subarray(to[e]! * 3, to[e]! * 3 + 3), e * 3);
  });
  const measurements = SE2.between(a, b);
  for (let i = 0; i < measurements.length; i++) measurements[i]! += sigma * random.normal();
  SE2.normalize(measurements, measurements);
  // Initial poses: compose the noisy odometry.
  const poses = new Float64Array(count * 3);
  for (let v = 1; v < count; v++) {
    SE2.compose(poses.subarray((v - 1) * 3, v * 3), measurements.subarray((v - 1) * 3, v * 3), poses.subarray(v * 3, v * 3 + 3));
  }
  const information = new Float64Array(from.length * 6);
  for (let e = 0; e < from.length; e++) information.set([100, 0, 0, 100, 0, 400], e * 6);
  return {
    kind: 'se2',
    ids: Int32Array.from({ length: count }, (_, i) => i),
    poses,
    from: Int32Array.from(from),
    to: Int32Array.from(to),
    measurements,
    information,
    fixed: Int32Array.of(0),
    hasVertices: true,
    skipped: {},
    nonPositiveDefinite: 0,
  };
}
