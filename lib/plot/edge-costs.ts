/**
 * Per-edge costs of a pose graph, ½‖W r‖² with r = Log(Z⁻¹ X_a⁻¹ X_b) and
 * WᵀW = Ω, evaluated by the library's own objective (poseGraphObjective's
 * Between term and square-root-information weight), so that they sum to the
 * cost the optimisers report. Also the argument checks of the plot functions.
 */
import { checkOneOf, checkTypedArray, rangeError, typeError } from '../core/check.js';
import { poseGraphObjective } from '../io/pose-graph.js';
import type { G2oGraph } from '../io/g2o.js';

/** A graph whose arrays were checked, with its numbers per pose (3 for SE2, 7 for SE3) and pose count. */
export interface CheckedGraph {
  graph: G2oGraph;
  storage: number;
  count: number;
}

/** Finite values; SE3 rows (`storage` 7) with unit quaternions, |‖q‖ − 1| ≤ 1e-6 (DESIGN.md §3). */
function checkRows(fn: string, arg: string, values: Float64Array, storage: number, row: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw rangeError(fn, arg, 'finite', `${values[i]} at ${row} ${Math.floor(i / storage)}, index ${i % storage}`);
  }
  if (storage !== 7) return;
  for (let o = 0; o < values.length; o += 7) {
    const norm = Math.hypot(values[o + 3]!, values[o + 4]!, values[o + 5]!, values[o + 6]!);
    if (!(Math.abs(norm - 1) <= 1e-6)) throw rangeError(fn, arg, 'made of unit quaternions (|‖q‖ − 1| ≤ 1e-6)', `‖q‖ = ${norm} at ${row} ${o / 7}`);
  }
}

/** A G2oGraph (from parseG2o or readG2o): kind, sizes and edge indices. */
export function checkPoseGraph(fn: string, graph: unknown): CheckedGraph {
  if (typeof graph !== 'object' || graph === null || Array.isArray(graph) || ArrayBuffer.isView(graph)) {
    throw typeError(fn, 'graph', 'a G2oGraph (from parseG2o or readG2o)', graph);
  }
  const g = graph as G2oGraph;
  const storage = checkOneOf(fn, 'graph.kind', g.kind, ['se2', 'se3']) === 'se2' ? 3 : 7;
  const count = checkTypedArray(fn, 'graph.ids', g.ids, Int32Array).length;
  if (count === 0) throw rangeError(fn, 'graph.ids', 'non-empty', 'length 0');
  checkPoses(fn, 'graph.poses', g.poses, storage, count);
  const from = checkTypedArray(fn, 'graph.from', g.from, Int32Array);
  const edges = from.length;
  const to = checkTypedArray(fn, 'graph.to', g.to, Int32Array, edges, "the length of 'graph.from'");
  const fixed = checkTypedArray(fn, 'graph.fixed', g.fixed, Int32Array);
  for (const [arg, indices] of [['graph.from', from], ['graph.to', to], ['graph.fixed', fixed]] as const) {
    for (let e = 0; e < indices.length; e++) {
      const v = indices[e]!;
      if (v < 0 || v >= count) throw rangeError(fn, `${arg}[${e}]`, `a pose index in [0, ${count})`, `${v}`);
    }
  }
  checkRows(fn, 'graph.measurements', checkTypedArray(fn, 'graph.measurements', g.measurements, Float64Array, edges * storage, `${edges} edges × ${storage}`), storage, 'edge');
  const tri = storage === 3 ? 6 : 21;
  checkRows(fn, 'graph.information', checkTypedArray(fn, 'graph.information', g.information, Float64Array, edges * tri, `${edges} edges × ${tri}`), tri, 'edge');
  return { graph: g, storage, count };
}

/** Poses of the graph: count × storage finite numbers (unit quaternions for SE3). */
export function checkPoses(fn: string, arg: string, poses: unknown, storage: number, count: number): Float64Array {
  const p = checkTypedArray(fn, arg, poses, Float64Array, count * storage, `${count} poses × ${storage}`);
  checkRows(fn, arg, p, storage, 'pose');
  return p;
}

/** Edge costs of a checked graph at checked poses. */
export function edgeCosts(g: CheckedGraph, poses: Float64Array): Float64Array {
  const { from, to } = g.graph;
  const edges = from.length;
  if (edges === 0) return new Float64Array(0);
  // Poses on no edge are held constant: the objective needs every free pose in some term;
  // constancy changes no cost.
  const used = new Uint8Array(g.count);
  for (let e = 0; e < edges; e++) used[from[e]!] = used[to[e]!] = 1;
  const fixed = Int32Array.from({ length: g.count }, (_, i) => i).filter((i) => !used[i]);
  const { objective } = poseGraphObjective({ ...g.graph, poses, fixed });
  return objective.instanceCosts()[0]!;
}

/**
 * Each edge's cost ½‖W r‖² at `poses`, r = Log(Z⁻¹ X_a⁻¹ X_b), WᵀW = Ω, the
 * terms of the pose-graph objective (their sum is its cost); for colouring
 * edges by how well they fit.
 *
 * @param graph a pose graph (parseG2o, readG2o).
 * @param poses count × storage poses (default `graph.poses`), e.g. a solve's `result.values('poses')`.
 * @returns one cost per edge, in edge order.
 * @throws TypeError / RangeError naming the argument for a malformed graph or poses.
 *
 * @example
 * ```ts
 * import { parseG2o, poseGraphEdgeCosts } from 'ariadne';
 * const graph = parseG2o(['VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 0.9 0 0', 'EDGE_SE2 0 1 1 0 0 1 0 0 1 0 1'].join('\n'));
 * console.log(poseGraphEdgeCosts(graph)[0].toFixed(3)); // 0.005 (r = (−0.1, 0, 0), Ω = I)
 * ```
 */
export function poseGraphEdgeCosts(graph: G2oGraph, poses?: Float64Array): Float64Array {
  const fn = 'poseGraphEdgeCosts';
  const g = checkPoseGraph(fn, graph);
  return edgeCosts(g, poses === undefined ? g.graph.poses : checkPoses(fn, 'poses', poses, g.storage, g.count));
}
