/**
 * What a pose graph is made of: counts, odometry against loop closures,
 * connectivity (connected components by union-find over the edges) and
 * vertex degrees. `ariadne info` prints it.
 */
import { typeError } from '../base/check.js';
import type { G2oGraph } from './g2o.js';

/** What {@link poseGraphStats} reports. */
export interface PoseGraphStats {
  /** The graph's kind. */
  kind: 'se2' | 'se3';
  /** Vertex count. */
  vertices: number;
  /** Edge count. */
  edges: number;
  /** Edges between consecutive vertex ids. */
  odometryEdges: number;
  /** The other edges. */
  loopClosures: number;
  /** Vertex ids held constant. */
  fixed: number[];
  /** Connected components; one for a graph that can be solved as a whole. */
  components: number;
  /** Vertices in the largest component. */
  largestComponent: number;
  /** Vertices no edge touches. */
  isolatedVertices: number;
  /** Edges per vertex. */
  degree: {
    /** The fewest edges at a vertex. */
    min: number;
    /** The mean. */
    mean: number;
    /** The most edges at a vertex. */
    max: number;
  };
  /** Information matrices that were not positive definite (their weights use clamped eigenvalues). */
  nonPositiveDefinite: number;
  /** Whether the poses came from VERTEX lines (else from the odometry, breadth-first). */
  hasVertices: boolean;
}

/**
 * Counts and connectivity of a parsed pose graph.
 *
 * @example
 * ```ts
 * import { parseG2o, poseGraphStats } from 'ariadne';
 * const graph = parseG2o('VERTEX_SE2 0 0 0 0\nVERTEX_SE2 1 1 0 0\nVERTEX_SE2 5 3 0 0\nEDGE_SE2 0 1 1 0 0 1 0 0 1 0 1\n');
 * const stats = poseGraphStats(graph);
 * console.log(stats.components, stats.largestComponent, stats.isolatedVertices); // 2 2 1
 * ```
 */
export function poseGraphStats(graph: G2oGraph): PoseGraphStats {
  if (typeof graph !== 'object' || graph === null || !(graph.ids instanceof Int32Array) || !(graph.from instanceof Int32Array)) {
    throw typeError('poseGraphStats', 'graph', 'a G2oGraph (from parseG2o or readG2o)', graph);
  }
  const V = graph.ids.length;
  const E = graph.from.length;
  const degree = new Int32Array(V);
  let odometry = 0;
  for (let e = 0; e < E; e++) {
    const [a, b] = [graph.from[e]!, graph.to[e]!];
    degree[a]!++;
    degree[b]!++;
    if (Math.abs(graph.ids[a]! - graph.ids[b]!) === 1) odometry++;
  }
  const component = connectedComponents(graph);
  const sizes = new Map<number, number>();
  for (let i = 0; i < V; i++) sizes.set(component[i]!, (sizes.get(component[i]!) ?? 0) + 1);
  let [min, max, isolated] = [Infinity, 0, 0];
  for (let i = 0; i < V; i++) {
    min = Math.min(min, degree[i]!);
    max = Math.max(max, degree[i]!);
    if (degree[i] === 0) isolated++;
  }
  return {
    kind: graph.kind,
    vertices: V,
    edges: E,
    odometryEdges: odometry,
    loopClosures: E - odometry,
    fixed: Array.from(graph.fixed, (i) => graph.ids[i]!),
    components: sizes.size,
    largestComponent: Math.max(0, ...sizes.values()),
    isolatedVertices: isolated,
    degree: { min: V === 0 ? 0 : min, mean: V === 0 ? 0 : (2 * E) / V, max },
    nonPositiveDefinite: graph.nonPositiveDefinite,
    hasVertices: graph.hasVertices,
  };
}

/**
 * The connected component of each vertex (by index), by union-find over the
 * edges: the index of the component's first vertex. An isolated vertex is a
 * component of its own.
 */
export function connectedComponents(graph: G2oGraph): Int32Array {
  const parent = Int32Array.from({ length: graph.ids.length }, (_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!; // path halving
      i = parent[i]!;
    }
    return i;
  };
  for (let e = 0; e < graph.from.length; e++) {
    const [ra, rb] = [root(graph.from[e]!), root(graph.to[e]!)];
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  return parent.map((_, i) => root(i));
}
