/**
 * `ariadne demo` (and `npm run demo`): the main job, with no data shipped. A
 * pose graph is generated in code (a robot in a Manhattan-world city, or
 * circling a sphere), solved from its drifting odometry, compared with the
 * ground truth, then solved again as a batch of noisy copies; the report goes
 * to stdout and the pictures (trajectory before and after, convergence) and
 * the graphs (g2o) into a folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { writeG2o } from '../io/g2o.js';
import { noisyMeasurements, poseGraphObjective } from '../io/pose-graph.js';
import { manhattanWorld, sphereWorld, type SyntheticWorld } from '../io/synthetic.js';
import { renderConvergenceSvg } from '../plot/convergence.js';
import { renderPoseGraphSvg } from '../plot/pose-graph.js';
import { InputError, Progress, significant, writeOutput, type CliIo } from './io.js';
import { OPTIMIZER_NAMES, commandOptions, makeOptimizer, type OptimizerName } from './solve.js';

export interface DemoCommandOptions {
  world: 'manhattan' | 'sphere';
  /** Poses (manhattan) or rings × 100 poses (sphere: poses / 100 rings). */
  poses: number;
  seed: number;
  batch: number;
  outDir: string;
  optimizer: OptimizerName;
  maxIterations: number;
  verbose: boolean;
}

export function demoCommand(options: DemoCommandOptions, io: CliIo): void {
  const { outDir } = options;
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) throw new InputError(`cannot write into ${outDir} (--out-dir): it is a file`);
  if (!fs.existsSync(path.dirname(path.resolve(outDir))))
    throw new InputError(`cannot create ${outDir} (--out-dir): the folder ${path.dirname(outDir)} does not exist`);

  const world: SyntheticWorld =
    options.world === 'sphere'
      ? sphereWorld({ rings: Math.max(2, Math.round(options.poses / 100)), perRing: 100, seed: options.seed })
      : manhattanWorld({ poses: options.poses, seed: options.seed });
  const { graph, truth, odometry } = world;
  const V = graph.ids.length;
  const E = graph.from.length;
  const loops = E - odometry.reduce((s, x) => s + x, 0);
  const d = graph.kind === 'se2' ? 3 : 6;
  const st = graph.kind === 'se2' ? 3 : 7;
  const out = (s = '') => io.stdout(`${s}\n`);

  out(
    options.world === 'sphere'
      ? `ariadne demo: a robot circles a 10 m sphere ring after ring (SE3, seed ${options.seed})`
      : `ariadne demo: a robot drives ${V - 1} m through the streets of a city (a Manhattan world, SE2, seed ${options.seed})`,
  );
  out(`  ${V} poses, ${E} edges: ${E - loops} odometry, ${loops} loop closures; noisy measurements, odometry chained into a drifting first guess`);

  // One solve from the drifting odometry.
  const { objective } = poseGraphObjective(graph);
  const progress = new Progress(io, !options.verbose);
  const start = performance.now();
  const result = (() => {
    try {
      return makeOptimizer(options.optimizer, objective, commandOptions(io, { ...options, json: false }, progress)).solve();
    } finally {
      progress.clear();
    }
  })();
  const seconds = (performance.now() - start) / 1e3;
  const solved = result.values('poses');
  // At the truth, the whitened residuals are standard normal: E[cost] ≈ ½·d·(edges − unknown poses).
  const expected = 0.5 * d * (E - (V - 1));
  out(
    `\n${OPTIMIZER_NAMES[options.optimizer]}: ${result.status[0]} in ${result.iterations[0]} iterations, ${seconds.toFixed(3)} s (symbolic analysis included)`,
  );
  out(
    `  cost            ${significant(result.initialCost[0]!, 6)} → ${significant(result.finalCost[0]!, 6)}   (≈ ${significant(expected, 4)} expected at the optimum from the noise)`,
  );
  out(
    `  position error  ${rmsPositionError(graph.poses, truth, st).toFixed(3)} m → ${rmsPositionError(solved, truth, st).toFixed(3)} m   (RMS against the ground truth)`,
  );

  // The same graph, B noisy copies as one batch (one symbolic analysis, elements in parallel).
  if (options.batch > 1) {
    const measurements = noisyMeasurements(graph, options.batch, 0.01, options.seed);
    const batch = poseGraphObjective(graph, { measurements }).objective;
    const batchStart = performance.now();
    const batchResult = makeOptimizer(options.optimizer, batch, { maxIterations: options.maxIterations }).solve();
    const batchSeconds = (performance.now() - batchStart) / 1e3;
    const converged = batchResult.status.filter((s) => s === 'converged').length;
    out(`\n${options.batch} copies with extra noise (σ = 0.01) as one batch: ${converged}/${options.batch} converged, ${batchSeconds.toFixed(3)} s`);
    out(`  ${((batchSeconds / options.batch) * 1e3).toFixed(1)} ms per copy, against ${(seconds * 1e3).toFixed(1)} ms for the single solve above`);
  }

  // Pictures and graphs.
  fs.mkdirSync(outDir, { recursive: true });
  const svg = (text: string) => (target: string) => fs.writeFileSync(target, text);
  const files: [string, string, (target: string) => void][] = [
    [
      'trajectory.svg',
      'the trajectory before and after, edges coloured by their cost',
      svg(
        renderPoseGraphSvg(graph, {
          before: graph.poses,
          poses: solved,
          title: `Generated ${options.world === 'sphere' ? 'sphere' : 'Manhattan world'}: ${V} poses, ${loops} loop closures`,
          panelTitles: ['Odometry (first guess)', `Solved (${OPTIMIZER_NAMES[options.optimizer]})`],
          ...(graph.kind === 'se3' ? { view: 'iso' as const } : {}),
        }),
      ),
    ],
    [
      'convergence.svg',
      'the cost per iteration',
      svg(renderConvergenceSvg([{ label: OPTIMIZER_NAMES[options.optimizer], costs: result.history[0]! }], { title: 'Convergence' })),
    ],
    ['problem.g2o', 'the generated graph (try: ariadne solve it)', (target) => writeG2o(target, graph)],
    ['solution.g2o', 'the solved graph', (target) => writeG2o(target, graph, solved)],
  ];
  out(`\nwrote into ${outDir}/:`);
  for (const [name, what, write] of files) {
    const target = path.join(outDir, name);
    writeOutput(target, () => write(target));
    out(`  ${name.padEnd(16)} ${what}`);
  }
}

/** √(mean ‖p − p_true‖²) over the poses' positions. */
function rmsPositionError(poses: Float64Array, truth: Float64Array, storage: number): number {
  const dims = storage === 3 ? 2 : 3;
  const count = truth.length / storage;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < dims; c++) sum += (poses[i * storage + c]! - truth[i * storage + c]!) ** 2;
  }
  return Math.sqrt(sum / count);
}
