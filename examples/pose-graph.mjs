// The pose-graph flow shared by pose-graph-2d.mjs and pose-graph-3d.mjs (run
// those): read a g2o file (or generate a world when there is none), solve it
// with Levenberg-Marquardt, print a summary, write the solved graph and a
// before/after picture.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { LevenbergMarquardt, poseGraphObjective, poseGraphStats, readG2o, renderPoseGraphSvg, writeG2o } from 'ariadne';

import { fmt, ms, outputFolder, parseFlags, sharedDataFile } from './common.mjs';

/**
 * @param {object} options
 * @param options.script   the script's name, for the usage line
 * @param options.dataFile the default input under ../shared/data (e.g. 'g2o-2d/intel.g2o')
 * @param options.generate (quick) => { world, description }: a generated SyntheticWorld, used with
 *                         --quick, --generate, or when there is no file and ../shared/data is absent
 * @param options.view     how renderPoseGraphSvg projects the poses ('top' for 2D, 'iso' for 3D)
 */
export function poseGraphExample({ script, dataFile, generate, view }) {
  const usage = `usage: node examples/${script} [file.g2o] [--out DIR] [--generate] [--quick]`;
  const flags = parseFlags(usage, { out: { type: 'string' }, generate: { type: 'boolean', default: false } }, { positionals: true });
  const file = flags.quick || flags.generate ? undefined : (flags.positionals[0] ?? sharedDataFile(dataFile));

  // The input: a g2o file, or a generated world whose true poses we know.
  let graph, truth, name;
  if (file !== undefined) {
    const start = performance.now();
    graph = readG2o(file);
    name = path.basename(file, '.g2o');
    console.log(`input: ${file} (read in ${ms(start)})`);
  } else {
    const { world, description } = generate(flags.quick);
    ({ graph, truth } = world);
    name = `generated-${graph.kind}`;
    const why = flags.quick ? '--quick' : flags.generate ? '--generate' : `../shared/data/${dataFile} is absent`;
    console.log(`input: ${description} (${why})`);
  }
  const stats = poseGraphStats(graph);
  console.log(
    `graph: ${graph.kind.toUpperCase()}, ${stats.vertices} poses, ${stats.edges} edges (${stats.loopClosures} loop closures), pose ${stats.fixed.join(', ')} held fixed`,
  );

  // The objective: one Between term over all the edges, weighted by the g2o information matrices.
  const { objective } = poseGraphObjective(graph);
  const result = new LevenbergMarquardt(objective).solve();
  const solved = result.values('poses');
  console.log(
    `Levenberg-Marquardt: cost ${fmt(result.initialCost[0], 10)} → ${fmt(result.finalCost[0], 10)} in ${result.iterations[0]} iterations, ` +
      `${(result.seconds * 1e3).toFixed(1)} ms: ${result.status[0]} (${result.reason[0]})`,
  );
  if (truth !== undefined) {
    console.log(
      `position error against the true poses (RMS): ${fmt(rmsPositionError(graph, graph.poses, truth))} m → ${fmt(rmsPositionError(graph, solved, truth))} m`,
    );
  }

  // The outputs: the solved graph as g2o, and a picture of the initial and the solved poses, edges coloured by cost.
  const folder = outputFolder(flags.out);
  const g2oPath = path.join(folder, `${name}-solved.g2o`);
  const svgPath = path.join(folder, `${name}.svg`);
  writeG2o(g2oPath, graph, solved);
  const title = `${name}: cost ${fmt(result.initialCost[0])} → ${fmt(result.finalCost[0])}`;
  const svg = renderPoseGraphSvg(graph, { before: graph.poses, poses: solved, title, view });
  fs.writeFileSync(svgPath, svg);
  console.log(`wrote ${g2oPath}\nwrote ${svgPath}`);
}

/** RMS distance between the positions of `poses` and `truth` (the first pose is the same in both: no alignment needed). */
function rmsPositionError(graph, poses, truth) {
  const st = graph.kind === 'se2' ? 3 : 7;
  const dims = graph.kind === 'se2' ? 2 : 3;
  let sum = 0;
  for (let i = 0; i < poses.length; i += st) for (let c = 0; c < dims; c++) sum += (poses[i + c] - truth[i + c]) ** 2;
  return Math.sqrt(sum / (poses.length / st));
}
