import * as fs from 'node:fs';
import * as path from 'node:path';

/** The built CommonJS entry, for tests that run the package in another process or thread. */
export function distEntry(): string {
  const entry = path.join(__dirname, '..', '..', 'dist', 'cjs', 'index.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run 'npm run build:ts' (npm test does)`);
  return entry;
}

export const root = path.join(__dirname, '..', '..');
