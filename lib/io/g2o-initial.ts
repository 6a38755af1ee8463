/**
 * Initial poses of a pose graph whose file has edges but no VERTEX lines,
 * by a breadth-first rule (the reference results' own):
 *
 * - the queue starts with the fixed vertices, then every vertex that has a
 *   VERTEX line, in increasing id (the seeds keep their poses);
 * - each vertex's adjacency lists its edges in file order, an edge a→b
 *   appearing at both a and b;
 * - a vertex takes its pose from the first edge that reaches it:
 *   X_b = X_a·Z when it is reached from a, X_a = X_b·Z⁻¹ when reached from b
 *   (then normalised: SE2 angle wrapped, SE3 quaternion made unit);
 * - vertices no edge reaches stay at the identity.
 *
 * Pose composition is the geometry module's (`compose`, `inverse`,
 * `normalize`); `canonical` then applies the reader's own normalisation, a
 * no-op on a normalised pose, so that the poses print and read back bit for bit.
 */

/** The verbs of a Lie group this module uses (SE2 and SE3 of lib/geometry). */
export interface PoseGroup {
  readonly storage: number;
  compose(a: Float64Array, b: Float64Array, out?: Float64Array): Float64Array;
  inverse(x: Float64Array, out?: Float64Array): Float64Array;
  normalize(x: Float64Array, out?: Float64Array): Float64Array;
}

/**
 * Breadth-first initial poses.
 *
 * @param group SE2 or SE3.
 * @param count number of vertices (indices 0 … count−1, in increasing id).
 * @param from, to edge endpoints (vertex indices), file order.
 * @param measurements edges × storage, normalised.
 * @param seeds vertex indices queued first, in order (their poses in `poses` are kept).
 * @param poses count × storage; seeds hold their poses, the rest the identity; filled in place.
 * @param canonical the reader's normalisation of one pose at `offset`, in place.
 */
export function breadthFirstPoses(
  group: PoseGroup,
  count: number,
  from: Int32Array,
  to: Int32Array,
  measurements: Float64Array,
  seeds: Int32Array,
  poses: Float64Array,
  canonical: (poses: Float64Array, offset: number) => void,
): void {
  const k = group.storage;
  const edges = from.length;
  // Adjacency in CSR form; filling edge by edge keeps each list in file order.
  const start = new Int32Array(count + 1);
  for (let e = 0; e < edges; e++) {
    start[from[e]! + 1]!++;
    start[to[e]! + 1]!++;
  }
  for (let v = 0; v < count; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, count);
  const adjacent = new Int32Array(2 * edges);
  for (let e = 0; e < edges; e++) {
    adjacent[fill[from[e]!]!++] = e;
    adjacent[fill[to[e]!]!++] = e;
  }

  const reached = new Uint8Array(count);
  const queue = new Int32Array(count);
  let head = 0;
  let tail = 0;
  for (const s of seeds) {
    if (reached[s]) continue;
    reached[s] = 1;
    queue[tail++] = s;
  }
  const composed = new Float64Array(k);
  const inverted = new Float64Array(k);
  const normalised = new Float64Array(k);
  while (head < tail) {
    const v = queue[head++]!;
    const xv = poses.subarray(v * k, v * k + k);
    for (let i = start[v]!; i < start[v + 1]!; i++) {
      const e = adjacent[i]!;
      const forward = from[e] === v; // v = a: X_b = X_a·Z; v = b: X_a = X_b·Z⁻¹
      const w = forward ? to[e]! : from[e]!;
      if (reached[w]) continue;
      const z = measurements.subarray(e * k, e * k + k);
      group.compose(xv, forward ? z : group.inverse(z, inverted), composed);
      group.normalize(composed, normalised);
      poses.set(normalised, w * k);
      canonical(poses, w * k);
      reached[w] = 1;
      queue[tail++] = w;
    }
  }
}
