/**
 * Per-edge costs of a pose graph, ½‖W r‖² with r = Log(Z⁻¹ X_a⁻¹ X_b) and
 * WᵀW = Ω, evaluated by the library's own objective (poseGraphObjective's
 * Between term and square-root-information weight), so that they sum to the
 * cost the optimisers report. Also the argument checks of the plot functions.
 */
import { poseGraphObjective } from '../io/pose-graph.js';
import { checkG2oGraph, checkG2oPoses, type G2oGraph } from '../io/g2o.js';

/** A graph whose arrays were checked, with its numbers per pose (3 for SE2, 7 for SE3) and pose count. */
export interface CheckedGraph {
  graph: G2oGraph;
  storage: number;
  count: number;
}

/** A G2oGraph (from parseG2o or readG2o), checked as the g2o writer checks it. */
export function checkPoseGraph(fn: string, graph: unknown): CheckedGraph {
  const g = checkG2oGraph(fn, graph);
  return { graph: graph as G2oGraph, storage: g.spec.storage, count: g.ids.length };
}

/** Edge costs of a checked graph at checked poses. */
export function edgeCosts(g: CheckedGraph, poses: Float64Array): Float64Array {
  const { from, to } = g.graph;
  const edges = from.length;
  if (edges === 0) return new Float64Array(0);
  // Poses on no edge are held constant (the objective needs every free pose in some term), and one
  // vertex of each piece; the graph's own FIX vertices are not (an objective needs a free element).
  // Constancy changes no cost.
  const used = new Uint8Array(g.count);
  for (let e = 0; e < edges; e++) used[from[e]!] = used[to[e]!] = 1;
  const fixed = Int32Array.from({ length: g.count }, (_, i) => i).filter((i) => !used[i]);
  const { objective } = poseGraphObjective({ ...g.graph, poses, fixed }, { disconnected: 'anchor' });
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
 * console.log(poseGraphEdgeCosts(graph)[0].toFixed(3)); // 0.005 — r = (−0.1, 0, 0), Ω = I
 * ```
 */
export function poseGraphEdgeCosts(graph: G2oGraph, poses?: Float64Array): Float64Array {
  const fn = 'poseGraphEdgeCosts';
  const g = checkPoseGraph(fn, graph);
  return edgeCosts(g, poses === undefined ? g.graph.poses : checkG2oPoses(fn, 'poses', poses, g.storage, g.count));
}
