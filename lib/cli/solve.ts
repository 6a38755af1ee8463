/**
 * `ariadne solve <file.g2o>`: reads a pose graph, optionally makes a batch of
 * noisy copies, solves them as one batch and reports. With --json, stdout is
 * exactly one line; progress and summaries go to stderr. --out writes the
 * solved graph (copy 0 of a batch), --plot a picture of it before and after
 * (with --covariance, the poses' 95% position ellipses in the "after" panel).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Objective } from '../core/objective.js';
import { RobustLoss } from '../core/robust-loss.js';
import type { Variable } from '../core/variable.js';
import { readG2o, writeG2o, type G2oGraph } from '../io/g2o.js';
import { noisyMeasurements, poseGraphObjective } from '../io/pose-graph.js';
import { Dogleg } from '../optim/dogleg.js';
import { GaussNewton } from '../optim/gauss-newton.js';
import { LevenbergMarquardt } from '../optim/levenberg-marquardt.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { OptimizerOptions } from '../optim/options.js';
import { covariance } from '../optim/covariance.js';
import { positionCovariances } from '../optim/position-covariance.js';
import type { SolveResult, SolveStatus } from '../optim/result.js';
import { renderPoseGraphSvg } from '../plot/pose-graph.js';
import type { PlotView } from '../plot/projection.js';
import { Progress, checkOutputPath, significant, writeOutput, type CliIo } from './io.js';

export type OptimizerName = 'lm' | 'gn' | 'dogleg';

/** Thrown after a solve whose status (of some copy) is 'failed' has been reported: the command exits 3. */
export class SolveFailed extends Error {}

/** A robust loss given on the command line as `kind:delta`. */
export interface RobustSpec {
  kind: 'huber' | 'cauchy';
  delta: number;
}

export interface SolveCommandOptions {
  optimizer: OptimizerName;
  maxIterations: number;
  batch: number;
  noise: number;
  seed: number;
  verbose: boolean;
  json: boolean;
  /** Refuse a graph in several pieces instead of anchoring each. */
  strict?: boolean;
  /** Report each pose's marginal standard deviations (copy 0); with `plot`, draw its position ellipses. */
  covariance?: boolean;
  out?: string;
  plot?: string;
  robust?: RobustSpec;
  view?: PlotView;
}

/** Worst first: the status a batch reports. */
const SEVERITY: SolveStatus[] = ['failed', 'time-limit', 'iteration-limit', 'converged'];

export const OPTIMIZER_NAMES: Record<OptimizerName, string> = { lm: 'Levenberg-Marquardt', gn: 'Gauss-Newton', dogleg: 'Dogleg' };

/** The optimiser the CLI names, with live progress on a terminal and the iteration table with --verbose. */
export function makeOptimizer(name: OptimizerName, objective: Objective, options: OptimizerOptions): Optimizer {
  if (name === 'gn') return new GaussNewton(objective, options);
  if (name === 'dogleg') return new Dogleg(objective, options);
  return new LevenbergMarquardt(objective, options);
}

/** Optimiser options for a command: the iteration table with `verbose`, else live progress on a terminal (never with `json`). */
export function commandOptions(io: CliIo, options: { maxIterations: number; verbose: boolean; json: boolean }, progress: Progress): OptimizerOptions {
  return {
    maxIterations: options.maxIterations,
    verbose: options.verbose ? (line: string) => io.stderr(`${line}\n`) : false,
    onIteration: ({ iteration, cost, running, seconds }) => {
      const mean = cost.reduce((s, x) => s + x, 0) / cost.length;
      const batch = cost.length > 1 ? `, ${running}/${cost.length} copies running` : '';
      progress.update(`iteration ${iteration}: cost ${significant(mean, 6)}${batch}, ${seconds.toFixed(1)} s`);
    },
  };
}

export function solveCommand(file: string, options: SolveCommandOptions, io: CliIo): void {
  for (const [flag, target] of [
    ['--out', options.out],
    ['--plot', options.plot],
  ] as const) {
    if (target !== undefined) checkOutputPath(flag, target, file);
  }
  const graph = readG2o(file);
  const noisy = options.batch > 1 || options.noise > 0;
  const measurements = noisy ? noisyMeasurements(graph, options.batch, options.noise, options.seed) : undefined;
  const loss = options.robust === undefined ? undefined : new RobustLoss(options.robust.kind, options.robust.delta);

  const progress = new Progress(io, !options.json && !options.verbose);
  const start = performance.now();
  const { objective, anchored, poses } = poseGraphObjective(graph, {
    ...(measurements ? { measurements } : {}),
    ...(loss ? { loss } : {}),
    disconnected: options.strict ? 'refuse' : 'anchor',
  });
  if (anchored.length > 0) {
    const shown = anchored.slice(0, 10).join(', ') + (anchored.length > 10 ? `, … (${anchored.length})` : '');
    io.stderr(
      `ariadne: ${file} is in several pieces: held vertex ${shown} constant (one per piece without a fixed vertex; a vertex without edges stays where it is); --strict refuses instead\n`,
    );
  }
  let result: SolveResult;
  try {
    result = makeOptimizer(options.optimizer, objective, commandOptions(io, options, progress)).solve();
  } finally {
    progress.clear();
  }
  const solveSeconds = (performance.now() - start) / 1e3;

  const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / v.length;
  const status = SEVERITY.find((s) => result.status.includes(s))!;
  const report: Record<string, unknown> = {
    file,
    kind: graph.kind,
    vertices: graph.ids.length,
    edges: graph.from.length,
    batch: options.batch,
    noise: options.noise,
    seed: options.seed,
    initialCost: mean(result.initialCost),
    finalCost: mean(result.finalCost),
    iterations: Math.max(...result.iterations),
    status,
    solveSeconds,
  };
  if (anchored.length > 0) report.anchored = anchored;
  if (options.batch > 1) {
    // initialCost and finalCost above are the copies' means, iterations their largest count.
    report.initialCosts = Array.from(result.initialCost);
    report.finalCosts = Array.from(result.finalCost);
    report.iterationCounts = Array.from(result.iterations);
    report.statuses = result.status;
  }
  const what = options.batch > 1 ? `${options.batch} copies (mean costs)` : 'cost';
  const robust = options.robust ? `, ${options.robust.kind} loss δ = ${options.robust.delta}` : '';
  io.stderr(
    `${file}: ${graph.kind.toUpperCase()}, ${graph.ids.length} vertices, ${graph.from.length} edges${robust}; ${what} ${significant(report.initialCost as number)} → ${significant(report.finalCost as number)} in ${report.iterations} iterations, ${solveSeconds.toFixed(3)} s: ${status}${status === 'converged' ? '' : ` (${result.reason.find((_, b) => result.status[b] === status)})`}\n`,
  );

  const deficient = rankDeficiencies(graph, result);
  if (deficient.length > 0) {
    report.rankDeficient = deficient;
    const first = deficient[0]!;
    const copies = options.batch > 1 ? ` in ${deficient.length} of ${options.batch} copies (copy ${first.copy}: ` : ' (';
    io.stderr(
      `ariadne: warning: the solution is not unique: the system at the solution is rank-deficient${copies}${first.vertex === null ? 'some pose' : `coordinate ${first.coordinate} of vertex ${first.vertex}`} is not determined by the edges)${options.strict ? ': a failure with --strict' : '; --strict makes it a failure'}\n`,
    );
  }

  const marginal = options.covariance ? marginals(file, graph, objective, result, report, io) : undefined;

  // Copy 0 of the batch: its solution and, for the picture, its own measurements.
  const st = graph.kind === 'se2' ? 3 : 7;
  const solved = result.values('poses').subarray(0, graph.poses.length);
  const copy0: G2oGraph = measurements ? { ...graph, measurements: measurements.subarray(0, graph.from.length * st) } : graph;
  if (options.out !== undefined) {
    const target = options.out;
    writeOutput(target, () => writeG2o(target, graph, solved));
    io.stderr(`wrote ${target}${options.batch > 1 ? ' (copy 0 of the batch)' : ''}\n`);
  }
  if (options.plot !== undefined) {
    const target = options.plot;
    const title = `${path.basename(file)}: cost ${significant(result.initialCost[0]!, 6)} → ${significant(result.finalCost[0]!, 6)}${options.batch > 1 ? ' (copy 0)' : ''}`;
    const covariances = marginal && plotCovariances(graph, poses, solved, marginal);
    const svg = renderPoseGraphSvg(copy0, {
      before: graph.poses,
      poses: solved,
      title,
      ...(options.view ? { view: options.view } : {}),
      ...(covariances ? { covariances } : {}),
    });
    writeOutput(target, () => fs.writeFileSync(target, svg));
    io.stderr(`wrote ${target}\n`);
  }
  if (options.json) io.stdout(`${JSON.stringify(report)}\n`);
  if (status === 'failed') throw new SolveFailed(`the solve failed: ${result.reason.find((_, b) => result.status[b] === 'failed')}`);
  if (options.strict && deficient.length > 0)
    throw new SolveFailed(`--strict: the solution is not unique (rank-deficient at the solution of copy ${deficient[0]!.copy})`);
}

/** The copies whose system at the solution is rank-deficient, each with the g2o id of the vertex found undetermined. */
function rankDeficiencies(
  graph: G2oGraph,
  result: SolveResult,
): { copy: number; vertex: number | null; coordinate: number | null; pivotRatio: number | null }[] {
  return result.rankDeficient.flatMap((d, copy) =>
    d
      ? [
          {
            copy,
            vertex: d.element === undefined ? null : graph.ids[d.element]!,
            coordinate: d.coordinate ?? null,
            pivotRatio: Number.isNaN(d.pivotRatio) ? null : d.pivotRatio,
          },
        ]
      : [],
  );
}

/**
 * --covariance: the marginal standard deviations of every non-constant pose
 * of copy 0 (the square roots of its covariance block's diagonal, in the
 * world update frame: x, y, θ, or tx, ty, tz, rx, ry, rz), into the report
 * (`marginals: { ids, stdDev }`) and summarised on stderr; a problem that is
 * not observable is said instead (`covarianceError`). Returns the blocks and
 * their pose indices, or undefined after such an error.
 */
function marginals(
  file: string,
  graph: G2oGraph,
  objective: Objective,
  result: SolveResult,
  report: Record<string, unknown>,
  io: CliIo,
): { free: number[]; blocks: Float64Array[] } | undefined {
  const columns = objective.program.columns[0]!;
  const free = Array.from(graph.ids.keys()).filter((v) => columns[v]! >= 0);
  let blocks: Float64Array[];
  try {
    blocks = covariance(
      objective,
      result,
      free.map((element) => ({ variable: 'poses', element })),
    ).blocks[0]!;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    report.covarianceError = error.message;
    io.stderr(`ariadne: --covariance: ${error.message}\n`);
    return undefined;
  }
  const dof = graph.kind === 'se2' ? 3 : 6;
  const stdDev = blocks.map((block) => Array.from({ length: dof }, (_, c) => Math.sqrt(block[c * dof + c]!)));
  report.marginals = { ids: free.map((v) => graph.ids[v]!), stdDev };
  if (result.status[0] !== 'converged')
    io.stderr(`ariadne: --covariance: copy 0 did not converge (${result.status[0]}): the marginals are those of where it stopped\n`);
  const position = stdDev.map((s) => Math.hypot(s[0]!, s[1]!, dof === 6 ? s[2]! : 0));
  const worst = position.indexOf(Math.max(...position));
  const sorted = [...position].sort((a, b) => a - b);
  io.stderr(
    `${file}: marginal position σ of ${free.length} poses${result.batch > 1 ? ' (copy 0)' : ''}: median ${significant(sorted[sorted.length >> 1]!)}, largest ${significant(position[worst]!)} at vertex ${graph.ids[free[worst]!]}\n`,
  );
  return { free, blocks };
}

/** --plot with --covariance: copy 0's world-frame position covariances, count × d², zero for the constant poses (no ellipse). */
function plotCovariances(graph: G2oGraph, poses: Variable, solved: Float64Array, marginal: { free: number[]; blocks: Float64Array[] }): Float64Array {
  const d = graph.kind === 'se2' ? 2 : 3;
  const position = positionCovariances(poses, solved, marginal.blocks, marginal.free);
  const out = new Float64Array(graph.ids.length * d * d);
  marginal.free.forEach((v, i) => out.set(position.subarray(i * d * d, (i + 1) * d * d), v * d * d));
  return out;
}
