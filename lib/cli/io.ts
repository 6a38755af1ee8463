/**
 * What the commands share: where output goes, user-facing input errors,
 * checks of output paths made before any work is done, and the live
 * progress line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (live progress is drawn only there). */
  stderrIsTTY: boolean;
}

export const processIo: CliIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  stderrIsTTY: process.stderr.isTTY === true,
};

/** A user-facing input error: printed as one line without a stack trace, exit code 1. */
export class InputError extends Error {}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a folder, not a file',
  EACCES: 'permission denied',
  ENOTDIR: 'a part of the path is not a folder',
};

/** Errors caused by the input (files, values) become InputErrors; anything else is a bug and keeps its stack. */
export function inputError(error: unknown, file: string): unknown {
  if (error instanceof InputError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in FILE_ERRORS) return new InputError(`cannot read ${file}: ${FILE_ERRORS[code]}`);
  if (code === 'ERR_G2O_FORMAT' || error instanceof RangeError || error instanceof TypeError) return new InputError((error as Error).message);
  return error;
}

/**
 * Checks, before solving, that `target` (given with `flag`) can be written:
 * its folder exists, it is not a folder, and it is not the input file.
 */
export function checkOutputPath(flag: string, target: string, input?: string): void {
  const resolved = path.resolve(target);
  const folder = path.dirname(resolved);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new InputError(`cannot write ${target} (${flag}): the folder ${path.dirname(target)} does not exist`);
  }
  if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory()) throw new InputError(`cannot write ${target} (${flag}): it is a folder`);
  if (input !== undefined && fs.existsSync(resolved) && fs.existsSync(input) && fs.realpathSync(resolved) === fs.realpathSync(input)) {
    throw new InputError(`${flag} ${target} would overwrite the input file; choose another name`);
  }
}

/** Writes a file, turning file-system errors into InputErrors that name it. */
export function writeOutput(target: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string') throw new InputError(`cannot write ${target}: ${FILE_ERRORS[code] ?? code}`);
    throw error;
  }
}

/** A one-line progress display on a terminal's stderr, redrawn in place; silent elsewhere. */
export class Progress {
  readonly #io: CliIo;
  readonly #enabled: boolean;
  #drawn = false;

  constructor(io: CliIo, enabled: boolean) {
    this.#io = io;
    this.#enabled = enabled && io.stderrIsTTY;
  }

  update(line: string): void {
    if (!this.#enabled) return;
    this.#io.stderr(`\r\x1b[K${line}`);
    this.#drawn = true;
  }

  clear(): void {
    if (this.#drawn) this.#io.stderr('\r\x1b[K');
    this.#drawn = false;
  }
}

/** x with `digits` significant digits. */
export function significant(x: number, digits = 10): string {
  return x.toPrecision(digits);
}
