// What the examples share that is not about ariadne: command-line flags, where
// the input data and the output files go, and number formatting. Not an
// example itself.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Parses process.argv with node:util's parseArgs. Every example takes
 * `--quick` (a short configuration, for the tests) and `--help`; `usage` is
 * printed for --help and, with exit code 2, for a bad flag.
 */
export function parseFlags(usage, options, { positionals = false } = {}) {
  let parsed;
  try {
    parsed = parseArgs({
      options: { ...options, quick: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
      allowPositionals: positionals,
    });
  } catch (error) {
    process.stderr.write(`${error.message}\n\n${usage}\n`);
    process.exit(2);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return { ...parsed.values, positionals: parsed.positionals };
}

/** A number flag (parseArgs gives strings): the value, or exit 2 naming the flag when it is not a number (an integer) in [min, max]. */
export function numberFlag(flags, name, min, max, { integer = true } = {}) {
  const value = Number(flags[name]);
  if (!(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
    process.stderr.write(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got '${flags[name]}'\n`);
    process.exit(2);
  }
  return value;
}

/** `relative` under ../shared/data beside the repository (the data sets of REFERENCE.md), or undefined where it is absent. */
export function sharedDataFile(relative) {
  const file = path.join(here, '..', '..', 'shared', 'data', relative);
  return fs.existsSync(file) ? path.relative(process.cwd(), file) || file : undefined;
}

/** The output folder (`--out`, default examples/output/, which git ignores), created when missing. */
export function outputFolder(flag) {
  const folder = flag ?? (path.relative(process.cwd(), path.join(here, 'output')) || '.');
  fs.mkdirSync(folder, { recursive: true });
  return folder;
}

/** `n` to `digits` significant digits, without exponent noise for ordinary sizes. */
export function fmt(n, digits = 4) {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? n.toExponential(digits - 1) : String(Number(n.toPrecision(digits)));
}

/** Milliseconds since `start` (a performance.now() reading), for printing. */
export function ms(start) {
  return `${(performance.now() - start).toFixed(1)} ms`;
}
