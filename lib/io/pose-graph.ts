/**
 * The pose-graph objective of a g2o file, with exactly the conventions of
 * ../shared/data/REFERENCE.md: one SE2 or SE3 pose per vertex (by increasing
 * id), the FIX vertex (else the lowest id) held constant, and per edge the
 * residual r = R·Log(Z⁻¹ X_a⁻¹ X_b) with RᵀR = Ω (the g2o information
 * matrix, used unchanged; eigenvalues clamped to ≥ 1e-12 where Ω is not
 * positive definite). The cost ½ Σ ‖r‖² then compares with REFERENCE.md.
 *
 * Noisy batches (the CLI's --batch N --noise σ --seed S) perturb every
 * measurement of copy i with its own stream seeded with S + i, as
 * ceres-bench does: SE2 adds σ·n to x, y and θ (θ wrapped); SE3 adds σ·n to
 * the translation and right-multiplies the rotation by Exp(σ·n).
 */
import { checkInteger, checkOneOf, checkOptions, rangeError, typeError } from '../base/check.js';
import { Objective } from '../core/objective.js';
import { SeededRandom } from '../base/random.js';
import { RobustLoss } from '../core/robust-loss.js';
import { Variable } from '../core/variable.js';
import type { TangentFrame } from '../core/tangent.js';
import { Weight } from '../core/weight.js';
import { Between } from '../costs/between.js';
import type { LieGroup } from '../geometry/lie-group.js';
import { SE2 } from '../geometry/se2.js';
import { SE3 } from '../geometry/se3.js';
import { SO3 } from '../geometry/so3.js';
import { edgeSqrtInformation } from './edge-weights.js';
import { connectedComponents } from './graph-stats.js';
import type { G2oGraph } from './g2o.js';

/** Options of {@link poseGraphObjective}. */
export interface PoseGraphOptions {
  /**
   * The frame of the pose updates: 'world' (default; Ceres' parameterisation,
   * whose iterations the reference results record) or 'body' (x·Exp(δ));
   * see {@link TangentFrame}.
   */
  tangent?: TangentFrame;
  /** Measurements for a batch: B·edges·storage (from noisyMeasurements); the initial poses are shared. */
  measurements?: Float64Array;
  /** A robust loss on every edge. */
  loss?: RobustLoss;
  /**
   * A graph in several pieces (connected components; a vertex without edges
   * is one) some of which have no fixed vertex: 'refuse' (the default)
   * throws a RangeError naming the pieces by g2o id; 'anchor' holds the
   * lowest-id vertex of every piece without a fixed vertex constant (an
   * isolated vertex stays where it is), so that each piece is solved on its
   * own, as ariadne solve does unless --strict.
   */
  disconnected?: 'refuse' | 'anchor';
}

/** What {@link poseGraphObjective} builds. */
export interface PoseGraph {
  /** The objective: one Between term over the 'poses' variable. */
  objective: Objective;
  /** The 'poses' variable (count = vertices). */
  poses: Variable;
  /** The 'edges' term. */
  edges: Between;
  /** SE2 or SE3, from the graph's kind. */
  group: LieGroup;
  /** The g2o ids of the vertices held constant by options.disconnected 'anchor' (empty for a connected graph). */
  anchored: number[];
}

/** The Lie group of a graph's poses: SE2 or SE3. */
export function groupOfGraph(graph: G2oGraph): LieGroup {
  return graph.kind === 'se2' ? SE2 : SE3;
}

/**
 * The objective of a parsed pose graph.
 *
 * @example
 * ```ts
 * import { LevenbergMarquardt, parseG2o, poseGraphObjective } from 'ariadne';
 * const graph = parseG2o(['VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 0.9 0 0', 'EDGE_SE2 0 1 1 0 0 1 0 0 1 0 1'].join('\n'));
 * const { objective } = poseGraphObjective(graph);
 * const result = new LevenbergMarquardt(objective).solve();
 * console.log(result.initialCost[0].toFixed(3), result.finalCost[0] < 1e-12); // 0.005 true
 * ```
 */
export function poseGraphObjective(graph: G2oGraph, options: PoseGraphOptions = {}): PoseGraph {
  const fn = 'poseGraphObjective';
  if (typeof graph !== 'object' || graph === null || !(graph.poses instanceof Float64Array)) {
    throw typeError(fn, 'graph', 'a G2oGraph (from parseG2o or readG2o)', graph);
  }
  const o = checkOptions(fn, 'options', options, ['measurements', 'loss', 'tangent', 'disconnected']);
  const disconnected = o.disconnected === undefined ? 'refuse' : checkOneOf(fn, 'options.disconnected', o.disconnected, ['refuse', 'anchor'] as const);
  const group = groupOfGraph(graph);
  const d = group.dof;
  const edges = graph.from.length;
  let measurementBatch = 1;
  let measurements = graph.measurements;
  if (o.measurements !== undefined) {
    measurements = o.measurements as Float64Array;
    if (!(measurements instanceof Float64Array)) throw typeError(fn, 'options.measurements', 'a Float64Array', measurements);
    const per = edges * group.storage;
    if (measurements.length === 0 || measurements.length % per !== 0) {
      throw rangeError(fn, 'options.measurements', `a multiple of edges ${edges} × storage ${group.storage} numbers long`, `length ${measurements.length}`);
    }
    measurementBatch = measurements.length / per;
  }
  if (edges === 0) throw rangeError(fn, 'graph', 'a graph with at least one edge (an objective of its poses)', `${graph.ids.length} vertices and no edges`);
  const anchors = unanchoredPieces(fn, graph, disconnected);
  if (graph.fixed.length + anchors.length >= graph.ids.length) {
    throw rangeError(fn, 'graph', 'a graph with a vertex that is not fixed (nothing to solve for otherwise)', `all ${graph.ids.length} vertices fixed`);
  }
  const constant = [...graph.fixed, ...anchors];
  const poses = new Variable('poses', group, graph.poses, { constant, tangent: (o.tangent as TangentFrame | undefined) ?? 'world' });
  const { sqrt } = edgeSqrtInformation(graph.information, d);
  const term = new Between({
    name: 'edges',
    a: { variable: poses, indices: graph.from },
    b: { variable: poses, indices: graph.to },
    measurement: measurements,
    measurementBatch,
    weight: Weight.sqrtInformation(sqrt, d),
    loss: o.loss as RobustLoss | undefined,
  });
  return { objective: new Objective([term]), poses, edges: term, group, anchored: anchors.map((i) => graph.ids[i]!) };
}

/**
 * For a graph in several pieces: the lowest-id vertex (index) of each piece
 * without a fixed vertex, to be held constant ('anchor'), or a RangeError
 * naming the pieces by g2o id ('refuse'). A connected graph, or one whose
 * every piece has a fixed vertex, needs nothing (with no fixed vertex at
 * all, a connected graph's gauge is the caller's choice).
 */
function unanchoredPieces(fn: string, graph: G2oGraph, disconnected: 'refuse' | 'anchor'): number[] {
  const component = connectedComponents(graph);
  const pieces = new Map<number, number[]>();
  component.forEach((c, i) => (pieces.get(c) ?? pieces.set(c, []).get(c)!).push(i));
  if (pieces.size <= 1) return [];
  const fixed = new Set(graph.fixed);
  const free = [...pieces.values()].filter((members) => !members.some((i) => fixed.has(i)));
  if (disconnected === 'anchor' || free.length === 0) return free.map((members) => members[0]!);
  const ids = (members: number[]) => {
    const shown = members.slice(0, 3).map((i) => graph.ids[i]!);
    return `{${shown.join(', ')}${members.length > 3 ? `, … ${members.length} vertices` : ''}}`;
  };
  // The pieces without a fixed vertex first: they are the trouble.
  const note = (members: number[]) => (members.length === 1 ? ' (no edges)' : '');
  const described = free.slice(0, 5).map((m) => `${ids(m)}${note(m)}`);
  throw rangeError(
    fn,
    'graph',
    `connected, or in pieces that each have a fixed vertex, or options.disconnected 'anchor' (one vertex of each piece without a fixed vertex held constant)`,
    `${pieces.size} pieces, ${free.length} without a fixed vertex, by g2o id: ${described.join(', ')}${free.length > 5 ? ', …' : ''}`,
  );
}

/**
 * `batch` noisy copies of the graph's measurements (batch·edges·storage):
 * copy i draws standard normals from SeededRandom(seed + i), in edge order.
 */
export function noisyMeasurements(graph: G2oGraph, batch: number, sigma: number, seed: number): Float64Array {
  const fn = 'noisyMeasurements';
  checkInteger(fn, 'batch', batch, 1, 1 << 24);
  if (typeof sigma !== 'number' || !(Number.isFinite(sigma) && sigma >= 0)) throw rangeError(fn, 'sigma', 'a finite number ≥ 0', `${sigma}`);
  checkInteger(fn, 'seed', seed, 0, Number.MAX_SAFE_INTEGER - batch);
  const group = groupOfGraph(graph);
  const st = group.storage;
  const edges = graph.from.length;
  const out = new Float64Array(batch * edges * st);
  const tangent = new Float64Array(3);
  const rotation = new Float64Array(4);
  for (let b = 0; b < batch; b++) {
    const random = new SeededRandom(seed + b);
    const copy = out.subarray(b * edges * st, (b + 1) * edges * st);
    copy.set(graph.measurements);
    for (let e = 0; e < edges; e++) {
      const z = copy.subarray(e * st, (e + 1) * st);
      if (graph.kind === 'se2') {
        for (let c = 0; c < 3; c++) z[c]! += sigma * random.normal();
      } else {
        for (let c = 0; c < 3; c++) z[c]! += sigma * random.normal();
        for (let c = 0; c < 3; c++) tangent[c] = sigma * random.normal();
        SO3.compose(z.subarray(3, 7), SO3.exp(tangent, rotation), z.subarray(3, 7));
      }
    }
    group.normalize(copy, copy);
  }
  return out;
}
