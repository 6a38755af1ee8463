/**
 * `npm run bench -- pgo [--quick] [--only a,b]`: every pose graph of
 * ../shared/data solved by `ariadne solve FILE --json` in a fresh process and
 * by ../shared/tools/ceres-bench at its best (OpenBLAS with one thread,
 * OMP_THREAD_LIMIT=1; the faster of its CHOLMOD and Eigen solvers), median
 * of 3 runs each, in the same run; then 16 noisy copies of M3500 solved as
 * one batch against Ceres' sequential batch. Prints both times, both final
 * costs and the ratios. ceres-bench is built into .cache/ceres-bench on
 * first use (needs libceres-dev); set CERES_BENCH to use another binary.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { median, printTable } from './stats.js';

const root = path.join(__dirname, '..', '..', '..');
const shared = process.env.ARIADNE_SHARED ?? path.join(root, '..', 'shared');
const cli = path.join(root, 'dist', 'cjs', 'cli', 'ariadne.js');
const GATED = ['M3500.g2o', 'city10000.g2o', 'sphere2500.g2o', 'parking-garage.g2o'];

interface Run {
  seconds: number;
  finalCost: number;
  iterations: number;
  status: string;
}

function ceresBinary(): string | undefined {
  if (process.env.CERES_BENCH) return process.env.CERES_BENCH;
  const build = path.join(root, '.cache', 'ceres-bench');
  const binary = path.join(build, 'ceres_bench');
  if (fs.existsSync(binary)) return binary;
  try {
    console.log('building ../shared/tools/ceres-bench into .cache/ceres-bench (once) ...');
    execFileSync('cmake', ['-S', path.join(shared, 'tools', 'ceres-bench'), '-B', build, '-DCMAKE_BUILD_TYPE=Release'], { stdio: 'ignore' });
    execFileSync('cmake', ['--build', build, '-j2'], { stdio: 'ignore' });
    return binary;
  } catch {
    console.log('ceres-bench could not be built (install libceres-dev and cmake): Ceres columns are left out');
    return undefined;
  }
}

/** Ceres at its best on these machines (../shared/tools/ceres-bench/README.md). */
function ceresEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_THREAD_LIMIT: '1', OPENBLAS_NUM_THREADS: '1' };
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
  if (fs.existsSync(openblas)) env.LD_LIBRARY_PATH = [openblas, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return env;
}

function fields(line: string): Record<string, string> {
  return Object.fromEntries(
    line
      .split('\t')
      .slice(1)
      .map((f) => f.split('=') as [string, string]),
  );
}

function ceres(binary: string, kind: string, file: string, solver: string, extra: string[]): Run {
  const out = execFileSync(binary, [kind, file, '--solver', solver, ...extra], {
    encoding: 'utf8',
    env: ceresEnv(),
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const batch = out.split('\n').find((l) => l.startsWith('BATCH'));
  if (batch) {
    const f = fields(batch);
    return { seconds: Number(f.wall_s), finalCost: Number(f.mean_final_cost), iterations: Number(f.mean_iterations), status: '' };
  }
  const f = fields(out.split('\n').find((l) => l.startsWith('RESULT'))!);
  return { seconds: Number(f.total_s), finalCost: Number(f.final_cost), iterations: Number(f.iterations), status: f.termination! };
}

function ariadne(file: string, extra: string[]): Run {
  const out = execFileSync(process.execPath, [cli, 'solve', file, '--json', ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const r = JSON.parse(out) as { solveSeconds: number; finalCost: number; iterations: number; status: string };
  return { seconds: r.solveSeconds, finalCost: r.finalCost, iterations: r.iterations, status: r.status };
}

function medianRun(runs: Run[]): Run {
  const seconds = median(runs.map((r) => r.seconds));
  return { ...runs[0]!, seconds };
}

export function pgoBenchmark(args: string[]): void {
  const quick = args.includes('--quick');
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? new Set((args[onlyIndex + 1] ?? '').split(',')) : undefined;
  const repeats = quick ? 1 : 3;
  const files: { kind: string; file: string }[] = [];
  for (const [kind, folder] of [
    ['se2', 'g2o-2d'],
    ['se3', 'g2o-3d'],
  ] as const) {
    const dir = path.join(shared, 'data', folder);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (name.endsWith('.g2o') && (only ? only.has(name) : !quick || name === 'M3500.g2o')) files.push({ kind, file: path.join(dir, name) });
    }
  }
  if (files.length === 0) {
    console.log(`no pose graphs found under ${path.join(shared, 'data')} (set ARIADNE_SHARED to the shared folder)`);
    return;
  }
  const binary = ceresBinary();
  console.log(
    `pgo benchmark: ariadne solve --json (fresh process) vs ceres-bench (OpenBLAS 1 thread, OMP_THREAD_LIMIT=1, faster of suitesparse/eigen); medians of ${repeats}\n`,
  );

  const rows: (string | number)[][] = [];
  const verdicts: string[] = [];
  for (const { kind, file } of files) {
    const name = path.basename(file);
    const ours = medianRun(Array.from({ length: repeats }, () => ariadne(file, [])));
    let theirs: (Run & { solver: string }) | undefined;
    if (binary) {
      for (const solver of ['suitesparse', 'eigen']) {
        const run = { ...medianRun(Array.from({ length: repeats }, () => ceres(binary, kind, file, solver, []))), solver };
        if (theirs === undefined || run.seconds < theirs.seconds) theirs = run;
      }
    }
    const ratio = theirs ? theirs.seconds / ours.seconds : NaN;
    rows.push([
      name,
      ours.seconds.toFixed(3),
      theirs ? `${theirs.seconds.toFixed(3)} (${theirs.solver})` : '-',
      theirs ? `${ratio.toFixed(2)}x` : '-',
      `${ours.iterations} / ${theirs?.iterations ?? '-'}`,
      ours.finalCost.toPrecision(10),
      theirs ? theirs.finalCost.toPrecision(10) : '-',
      ours.status,
    ]);
    if (theirs && GATED.includes(name))
      verdicts.push(
        `${name}: ariadne ${ours.seconds.toFixed(3)} s vs Ceres ${theirs.seconds.toFixed(3)} s → ${ratio >= 1 ? 'meets' : 'misses'} the target (ariadne ≤ Ceres)`,
      );
  }
  printTable(['file', 'ariadne s', 'Ceres s (solver)', 'Ceres/ariadne', 'iterations (ours / Ceres)', 'ariadne final cost', 'Ceres final cost', 'status'], rows);

  const m3500 = files.find((f) => path.basename(f.file) === 'M3500.g2o');
  if (m3500) {
    const extra = ['--batch', '16', '--noise', '0.01', '--seed', '1'];
    const ours = medianRun(Array.from({ length: repeats }, () => ariadne(m3500.file, extra)));
    console.log('');
    let line = `M3500 ×16 noisy copies (σ = 0.01, seed 1): ariadne one batch ${ours.seconds.toFixed(3)} s (mean final cost ${ours.finalCost.toPrecision(6)})`;
    if (binary) {
      let best: (Run & { solver: string }) | undefined;
      for (const solver of ['suitesparse', 'eigen']) {
        const run = { ...medianRun(Array.from({ length: repeats }, () => ceres(binary, 'se2', m3500.file, solver, extra))), solver };
        if (best === undefined || run.seconds < best.seconds) best = run;
      }
      const ratio = best!.seconds / ours.seconds;
      line += `; Ceres BATCH wall_s ${best!.seconds.toFixed(3)} s (${best!.solver}, mean final cost ${best!.finalCost.toPrecision(6)}); ratio ${ratio.toFixed(2)}x (target ≥ 3)`;
      verdicts.push(`M3500 ×16 batch: ${ratio.toFixed(2)}x → ${ratio >= 3 ? 'meets' : 'misses'} the target (≥ 3)`);
    }
    console.log(line);
  }
  if (verdicts.length > 0) console.log(`\n${verdicts.join('\n')}`);
}
