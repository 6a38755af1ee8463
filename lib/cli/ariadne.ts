#!/usr/bin/env node
/**
 * The `ariadne` command: `solve`, `info` and `demo`. Exit codes: 0 when the
 * command ran (a solve that converged or stopped at its iteration or time
 * limit), 1 for input errors (a missing or malformed file, an output that
 * cannot be written), 2 for usage errors (unknown options, missing arguments
 * or values, bad option values), 3 when a solve failed (in any copy of a
 * batch). With --json, an error is also one JSON line on stdout:
 * {"error": message, "exitCode": code}.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { demoCommand, type DemoCommandOptions } from './demo.js';
import { infoCommand } from './info.js';
import { InputError, inputError, processIo, type CliIo } from './io.js';
import { SolveFailed, solveCommand, type RobustSpec, type SolveCommandOptions } from './solve.js';
import type { PlotView } from '../plot/projection.js';

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got '${value}'`);
    return n;
  };
}

function nonNegative(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number ≥ 0, got '${value}'`);
    return n;
  };
}

/** `huber:DELTA` or `cauchy:DELTA` with DELTA > 0 (in whitened units). */
function robust(value: string): RobustSpec {
  const match = /^(huber|cauchy):(.*)$/.exec(value);
  if (match === null) throw new InvalidArgumentError(`--robust must be huber:DELTA or cauchy:DELTA, got '${value}'`);
  const delta = Number(match[2]);
  if (match[2]!.trim() === '' || !Number.isFinite(delta) || delta <= 0) {
    throw new InvalidArgumentError(`--robust ${match[1]}:DELTA needs a number DELTA > 0, got '${match[2]}'`);
  }
  return { kind: match[1] as RobustSpec['kind'], delta };
}

const VIEWS = ['top', 'front', 'side', 'iso'] as const;
const optimizerOption = () =>
  new Option('--optimizer <name>', 'lm (Levenberg-Marquardt), gn (Gauss-Newton) or dogleg').choices(['lm', 'gn', 'dogleg']).default('lm');
const iterationsOption = () => new Option('--max-iterations <n>', 'iteration limit (linear solves)').argParser(integer('--max-iterations', 0)).default(100);

export function main(argv: string[], io: CliIo = processIo): number {
  const program = new Command('ariadne')
    .description('Differentiable nonlinear least squares: solve and inspect pose graphs, or run the demo')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run ariadne --help for usage)');
  const guarded = (file: string | undefined, body: () => void) => {
    try {
      body();
    } catch (error) {
      throw file === undefined ? error : inputError(error, file);
    }
  };
  program
    .command('solve')
    .description('solve a g2o pose graph (SE2 or SE3), optionally as a batch of noisy copies')
    .argument('<file>', 'a .g2o file')
    .addOption(optimizerOption())
    .addOption(iterationsOption())
    .option('--batch <n>', 'solve N noisy copies as one batch', integer('--batch', 1), 1)
    .option('--noise <sigma>', 'standard deviation of the noise added to every measurement (default 0.01 with --batch)', nonNegative('--noise'))
    .option('--seed <s>', 'copy i draws its noise from seed s + i', integer('--seed', 0), 1)
    .option('--robust <kind:delta>', 'a robust loss on every edge: huber:DELTA or cauchy:DELTA (whitened units)', robust)
    .option('--out <file.g2o>', 'write the solved graph (copy 0 of a batch)')
    .option('--plot <file.svg>', 'draw the graph before and after, edges coloured by their cost')
    .addOption(new Option('--view <view>', 'how --plot projects 3D graphs').choices(VIEWS).default('top'))
    .option(
      '--covariance',
      "report each pose's marginal standard deviations (copy 0): summarised on stderr, listed in the JSON; with --plot, draw each pose's 95% position confidence ellipse",
      false,
    )
    .option(
      '--strict',
      'refuse a graph in several pieces (by default one vertex of each piece without a fixed vertex is held constant), and fail (exit 3) when the solution is not unique (rank-deficient)',
      false,
    )
    .option('--verbose', 'print the iteration table to stderr', false)
    .option('--json', 'print one JSON line with the results (or the error) to stdout', false)
    .action((file: string, options: Omit<SolveCommandOptions, 'noise' | 'view'> & { noise?: number; view: (typeof VIEWS)[number] }) => {
      const noise = options.noise ?? (options.batch > 1 ? 0.01 : 0);
      guarded(file, () => solveCommand(file, { ...options, noise, view: options.view as PlotView }, io));
    });
  program
    .command('info')
    .description('what a g2o pose graph holds: kind, counts, connectivity, initial cost')
    .argument('<file>', 'a .g2o file')
    .option('--json', 'print one JSON line to stdout', false)
    .action((file: string, options: { json: boolean }) => guarded(file, () => infoCommand(file, options, io)));
  program
    .command('demo')
    .description('generate a pose graph, solve it, report, and write pictures (no data needed)')
    .addOption(new Option('--world <name>', 'manhattan (a city, SE2) or sphere (SE3)').choices(['manhattan', 'sphere']).default('manhattan'))
    .option('--poses <n>', 'number of poses', integer('--poses', 200), 2000)
    .option('--seed <s>', 'seed of the generated graph', integer('--seed', 0), 1)
    .option('--batch <n>', 'then solve N noisy copies as one batch (1: skip)', integer('--batch', 1), 16)
    .option('--out-dir <folder>', 'where the pictures and graphs go', 'ariadne-demo')
    .addOption(optimizerOption())
    .addOption(iterationsOption())
    .option('--verbose', 'print the iteration table to stderr', false)
    .action((options: DemoCommandOptions) => guarded(options.outDir, () => demoCommand(options, io)));
  let code = 0;
  // Errors go to stderr; with --json they are also the JSON line on stdout.
  const json = argv.includes('--json');
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage errors 2.
      code = error.exitCode === 0 ? 0 : 2;
      if (code !== 0 && json) io.stdout(`${JSON.stringify({ error: error.message.replace(/^error: /, ''), exitCode: code })}\n`);
    } else if (error instanceof InputError) {
      io.stderr(`ariadne: ${error.message}\n`);
      code = 1;
      if (json) io.stdout(`${JSON.stringify({ error: error.message, exitCode: code })}\n`);
    } else if (error instanceof SolveFailed) {
      code = 3;
    } else {
      throw error;
    }
  }
  return code;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
