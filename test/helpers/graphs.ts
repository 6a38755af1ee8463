/**
 * Small generated pose graphs for the optimiser tests: a serpentine grid of
 * poses with odometry and loop closures, measurements from the true poses
 * plus noise, initial poses by composing the noisy odometry; and, at a fixed
 * share of seeds, edges on constant poses only, self-loops and shuffled,
 * reversed edges ({@link GraphFeatures}).
 */
import type { G2oGraph } from '../../lib/io/g2o.js';
import { SE2 } from '../../lib/geometry/se2.js';
import { SeededRandom } from '../../lib/base/random.js';
import { drawFlags, shuffle } from './streams.js';

/**
 * What a generated graph has besides its grid: the pose-graph forms of the
 * pattern features of problems.ts. Each is on with probability 1/2,
 * independently, drawn as the first three numbers of the seed's stream
 * ({@link drawnGraphFeatures}); an explicit
 * `features` argument overrides the draw.
 */
export interface GraphFeatures {
  /**
   * Vertex 1 held constant too, so that the odometry edge 0 → 1 touches
   * constant poses only (a cost instance whose rows of J are empty), and
   * three more edges between vertices 0 and 1: one first, one between two
   * edges, one last.
   */
  constantEdges: boolean;
  /** A self-loop edge on a free vertex: its two blocks land on the same columns (duplicate entries of J, whose values cancel to rounding) and its residual is constant. */
  selfLoops: boolean;
  /** The edges in a random order, each reversed (measurement inverted) with probability 1/2. */
  shuffled: boolean;
}

const FEATURES = ['constantEdges', 'selfLoops', 'shuffled'] as const;

/** The features gridGraph gives its graph for `seed` (and `override`). */
export function drawnGraphFeatures(seed: number, override: Partial<GraphFeatures> = {}): GraphFeatures {
  return drawFlags(new SeededRandom(seed), FEATURES, override);
}

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

/** An SE2 grid world of side² poses (side ≥ 2), spacing 1 m, with noisy odometry and loop closures, and the features above. */
export function gridGraph(side: number, sigma: number, seed: number, features?: Partial<GraphFeatures>): G2oGraph {
  const random = new SeededRandom(seed);
  const chosen = drawFlags(random, FEATURES, features);
  const count = side * side;
  const truth = gridTruth(side);
  SE2.normalize(truth, truth);
  const from: number[] = [];
  const to: number[] = [];
  for (let v = 0; v + 1 < count; v++) {
    from.push(v);
    to.push(v + 1);
  }
  for (let v = side; v < count; v++) {
    const row = Math.floor(v / side);
    const col = row % 2 === 0 ? v % side : side - 1 - (v % side);
    const below = (row - 1) * side + (row % 2 === 1 ? col : side - 1 - col);
    from.push(below);
    to.push(v);
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
  type Edge = { from: number; to: number; z: Float64Array };
  const edges: Edge[] = from.map((f, e) => ({ from: f, to: to[e]!, z: measurements.subarray(e * 3, e * 3 + 3) }));
  // A measurement of T_p⁻¹ T_q with the graph's noise.
  const noisy = (p: number, q: number): Float64Array => {
    const z = SE2.between(truth.subarray(p * 3, p * 3 + 3), truth.subarray(q * 3, q * 3 + 3));
    for (let c = 0; c < 3; c++) z[c]! += sigma * random.normal();
    return SE2.normalize(z, z);
  };
  const fixed = chosen.constantEdges ? [0, 1] : [0];
  if (chosen.constantEdges) {
    const [first, middle, last] = [noisy(0, 1), noisy(1, 0), noisy(0, 1)];
    edges.splice(random.int(1, edges.length - 1), 0, { from: 1, to: 0, z: middle });
    edges.unshift({ from: 0, to: 1, z: first });
    edges.push({ from: 0, to: 1, z: last });
  }
  if (chosen.selfLoops) {
    const v = random.int(fixed.length, count - 1);
    edges.splice(random.int(0, edges.length), 0, { from: v, to: v, z: noisy(v, v) });
  }
  if (chosen.shuffled) {
    shuffle(edges, random);
    for (const edge of edges) {
      if (random.uniform() < 0.5) [edge.from, edge.to, edge.z] = [edge.to, edge.from, SE2.inverse(edge.z)];
    }
  }
  const information = new Float64Array(edges.length * 6);
  for (let e = 0; e < edges.length; e++) information.set([100, 0, 0, 100, 0, 400], e * 6);
  const stacked = new Float64Array(edges.length * 3);
  edges.forEach((edge, e) => stacked.set(edge.z, e * 3));
  return {
    kind: 'se2',
    ids: Int32Array.from({ length: count }, (_, i) => i),
    poses,
    from: Int32Array.from(edges, (edge) => edge.from),
    to: Int32Array.from(edges, (edge) => edge.to),
    measurements: SE2.normalize(stacked, stacked),
    information,
    fixed: Int32Array.from(fixed),
    hasVertices: true,
    skipped: {},
    nonPositiveDefinite: 0,
  };
}

/**
 * `values` (`blocks` batch-major blocks of rows of row.length numbers, as
 * measurements [B × edges × storage]) with `row` inserted before row `at` of
 * every block.
 */
export function insertRow<T extends Int32Array | Float64Array>(values: T, at: number, row: ArrayLike<number>, blocks = 1): T {
  const width = row.length;
  const per = values.length / blocks;
  const out = new (values.constructor as new (length: number) => T)(values.length + blocks * width);
  for (let b = 0; b < blocks; b++) {
    const block = values.subarray(b * per, (b + 1) * per);
    const start = b * (per + width);
    out.set(block.subarray(0, at * width), start);
    out.set(row, start + at * width);
    out.set(block.subarray(at * width), start + (at + 1) * width);
  }
  return out;
}

/** The graph with one more edge from → to, measuring z with information Ω (its upper triangle), before edge `at`. */
export function insertEdge(graph: G2oGraph, at: number, from: number, to: number, z: Float64Array, information: Float64Array): G2oGraph {
  return {
    ...graph,
    from: insertRow(graph.from, at, [from]),
    to: insertRow(graph.to, at, [to]),
    measurements: insertRow(graph.measurements, at, z),
    information: insertRow(graph.information, at, information),
  };
}
