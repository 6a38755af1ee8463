import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The built CommonJS entry, for tests that run the package in another process or thread. */
export function distEntry(): string {
  const entry = path.join(__dirname, '..', '..', 'dist', 'cjs', 'index.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run 'npm run build:ts' (npm test does)`);
  return entry;
}

export const root = path.join(__dirname, '..', '..');

/**
 * Runs test/fixtures/`fixture` with --expose-gc in a child process (a crash
 * there fails the test, not jest), the built entry its first argument. Memory
 * of 128 KiB and more is mapped apart and unmapped when freed (a fixed
 * threshold: glibc's would grow with the first frees), so that a read of a
 * freed array faults instead of reading garbage.
 */
export function runFixture(fixture: string, args: string[], timeoutMs = 120_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--expose-gc', path.join(root, 'test', 'fixtures', fixture), distEntry(), ...args], {
    encoding: 'utf8',
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: String(128 * 1024) },
    timeout: timeoutMs,
  });
}
