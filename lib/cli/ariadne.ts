#!/usr/bin/env node
/**
 * The `ariadne` command. Exit codes: 0 when a solve ran (whatever its
 * status), 1 for input errors (a missing or malformed file, bad values), 2
 * for usage errors (unknown options, missing arguments).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { solveCommand, type SolveCommandOptions } from './solve.js';

/** A user-facing input error: printed without a stack trace, exit code 1. */
class InputError extends Error {}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a folder, not a file',
  EACCES: 'permission denied',
  ENOTDIR: 'a part of the path is not a folder',
};

/** Errors caused by the input (files, values) become InputErrors; anything else is a bug and keeps its stack. */
function inputError(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in FILE_ERRORS) return new InputError(`cannot read ${file}: ${FILE_ERRORS[code]}`);
  if (code === 'ERR_G2O_FORMAT' || error instanceof RangeError || error instanceof TypeError) return new InputError((error as Error).message);
  return error;
}

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got '${value}'`);
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

export function main(argv: string[], io = { stdout: (s: string) => void process.stdout.write(s), stderr: (s: string) => void process.stderr.write(s) }): number {
  const program = new Command('ariadne')
    .description('Differentiable nonlinear least squares: solve pose graphs from g2o files')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run ariadne --help for usage)');
  let code = 0;
  program
    .command('solve')
    .description('solve a g2o pose graph (SE2 or SE3), optionally as a batch of noisy copies')
    .argument('<file>', 'a .g2o file')
    .addOption(new Option('--optimizer <name>', 'lm (Levenberg-Marquardt), gn (Gauss-Newton) or dogleg').choices(['lm', 'gn', 'dogleg']).default('lm'))
    .option('--max-iterations <n>', 'iteration limit (linear solves)', integer('--max-iterations', 0), 100)
    .option('--batch <n>', 'solve N noisy copies as one batch', integer('--batch', 1), 1)
    .option('--noise <sigma>', 'standard deviation of the noise added to every measurement', nonNegative('--noise'))
    .option('--seed <s>', 'copy i draws its noise from seed s + i', integer('--seed', 0), 1)
    .option('--verbose', 'print the iteration table to stderr', false)
    .option('--json', 'print one JSON line with the results to stdout', false)
    .action((file: string, options: Omit<SolveCommandOptions, 'noise'> & { noise?: number }) => {
      const noise = options.noise ?? (options.batch > 1 ? 0.01 : 0);
      try {
        solveCommand(file, { ...options, noise }, io);
      } catch (error) {
        throw inputError(error, file);
      }
    });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage errors 2.
      code = error.exitCode === 0 ? 0 : 2;
    } else if (error instanceof InputError) {
      io.stderr(`ariadne: ${error.message}\n`);
      code = 1;
    } else {
      throw error;
    }
  }
  return code;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
