/**
 * `ariadne info <file.g2o>`: what a pose graph holds (kind, counts, odometry
 * and loop closures, connectivity, degrees) and its cost at the initial
 * poses, as text on stdout or one JSON line.
 */
import { poseGraphStats } from '../io/graph-stats.js';
import { readG2o } from '../io/g2o.js';
import { poseGraphObjective } from '../io/pose-graph.js';
import { significant, type CliIo } from './io.js';

export function infoCommand(file: string, options: { json: boolean }, io: CliIo): void {
  const graph = readG2o(file);
  const stats = poseGraphStats(graph);
  // A graph in pieces has its cost as ariadne solve would see it (one vertex per unanchored piece held
  // constant: the cost is the same); a graph with no objective (no edges, every vertex fixed) has none.
  let initialCost: number | null = null;
  let noCost = '';
  try {
    initialCost = poseGraphObjective(graph, { disconnected: 'anchor' }).objective.costs()[0]!;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    noCost = ` (no objective: ${error.message})`;
  }
  const skipped = Object.entries(graph.skipped).map(([tag, count]) => `${tag} ×${count}`);
  if (options.json) {
    io.stdout(`${JSON.stringify({ file, ...stats, skipped: graph.skipped, initialCost })}\n`);
    return;
  }
  const lines = [
    `${file}`,
    `  kind              ${stats.kind.toUpperCase()} pose graph`,
    `  vertices          ${stats.vertices}${stats.hasVertices ? '' : ' (poses from the odometry, breadth-first: the file has no VERTEX lines)'}`,
    `  edges             ${stats.edges}: ${stats.odometryEdges} odometry (consecutive ids), ${stats.loopClosures} loop closures`,
    `  fixed             ${stats.fixed.length === 0 ? 'none' : stats.fixed.join(', ')}`,
    `  connectivity      ${stats.components === 1 ? 'connected' : `${stats.components} components, the largest with ${stats.largestComponent} vertices`}${stats.isolatedVertices > 0 ? `; ${stats.isolatedVertices} isolated vertices` : ''}`,
    `  degree            min ${stats.degree.min}, mean ${stats.degree.mean.toFixed(2)}, max ${stats.degree.max}`,
    `  information       ${stats.nonPositiveDefinite === 0 ? 'all positive definite' : `${stats.nonPositiveDefinite} not positive definite (eigenvalues clamped to ≥ 1e-12)`}`,
    ...(skipped.length > 0 ? [`  skipped           ${skipped.join(', ')}`] : []),
    `  initial cost      ${initialCost === null ? `none${noCost}` : significant(initialCost)}`,
  ];
  io.stdout(`${lines.join('\n')}\n`);
}
