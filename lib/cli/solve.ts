/**
 * `ariadne solve <file.g2o>`: reads a pose graph, optionally makes a batch of
 * noisy copies, solves them as one batch and reports. With --json, stdout is
 * exactly one line; progress and summaries go to stderr.
 */
import { noisyMeasurements, poseGraphObjective } from '../io/pose-graph.js';
import { readG2o } from '../io/g2o.js';
import { Dogleg } from '../optim/dogleg.js';
import { GaussNewton } from '../optim/gauss-newton.js';
import { LevenbergMarquardt } from '../optim/levenberg-marquardt.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { OptimizerOptions } from '../optim/options.js';
import type { SolveStatus } from '../optim/result.js';

export interface SolveCommandOptions {
  optimizer: 'lm' | 'gn' | 'dogleg';
  maxIterations: number;
  batch: number;
  noise: number;
  seed: number;
  verbose: boolean;
  json: boolean;
}

/** Worst first: the status a batch reports. */
const SEVERITY: SolveStatus[] = ['failed', 'time-limit', 'iteration-limit', 'converged'];

export function solveCommand(file: string, options: SolveCommandOptions, out: { stdout: (s: string) => void; stderr: (s: string) => void }): void {
  const graph = readG2o(file);
  const noisy = options.batch > 1 || options.noise > 0;
  const measurements = noisy ? noisyMeasurements(graph, options.batch, options.noise, options.seed) : undefined;

  const start = performance.now();
  const { objective } = poseGraphObjective(graph, measurements ? { measurements } : {});
  const optimizerOptions: OptimizerOptions = {
    maxIterations: options.maxIterations,
    verbose: options.verbose ? (line: string) => out.stderr(`${line}\n`) : false,
  };
  const optimizer: Optimizer =
    options.optimizer === 'gn'
      ? new GaussNewton(objective, optimizerOptions)
      : options.optimizer === 'dogleg'
        ? new Dogleg(objective, optimizerOptions)
        : new LevenbergMarquardt(objective, optimizerOptions);
  const result = optimizer.solve();
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
  if (options.batch > 1) {
    report.initialCosts = Array.from(result.initialCost);
    report.finalCosts = Array.from(result.finalCost);
    report.statuses = result.status;
  }
  const what = options.batch > 1 ? `${options.batch} copies (mean costs)` : 'cost';
  out.stderr(
    `${file}: ${graph.kind.toUpperCase()}, ${graph.ids.length} vertices, ${graph.from.length} edges; ${what} ${fmt(report.initialCost as number)} → ${fmt(report.finalCost as number)} in ${report.iterations} iterations, ${solveSeconds.toFixed(3)} s: ${status}${status === 'converged' ? '' : ` (${result.reason.find((_, b) => result.status[b] === status)})`}\n`,
  );
  if (options.json) out.stdout(`${JSON.stringify(report)}\n`);
}

function fmt(x: number): string {
  return x.toPrecision(10);
}
