/**
 * ../shared/data beside the repository: its files and REFERENCE.md's table,
 * read where they lie. Tests that need them skip with a message when absent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const sharedData = path.join(__dirname, '..', '..', '..', 'shared', 'data');
export const haveSharedData = fs.existsSync(path.join(sharedData, 'REFERENCE.md'));
export const missingSharedData = `../shared/data is absent (expected at ${sharedData})`;

/** `test`, or a `test.skip` whose name says why, when the shared data is absent. */
export function dataTest(name: string, body: () => void): void {
  if (haveSharedData) test(name, body);
  else test.skip(`${name} (skipped: ${missingSharedData})`, () => undefined);
}

/** One dataTest per row, with the row's file located under ../shared/data. */
export function eachDataFile<T extends { file: string }>(rows: readonly T[], name: (row: T) => string, body: (row: T, filePath: string) => void): void {
  for (const row of rows) dataTest(name(row), () => body(row, path.join(sharedData, row.file)));
}

export interface ReferenceRow {
  kind: 'se2' | 'se3' | 'bal';
  file: string;
  iterations: number;
  initialCost: number;
  finalCost: number;
  termination: string;
  /** The file's path under ../shared/data. */
  path: string;
}

/** The rows of REFERENCE.md's results table. */
export function referenceRows(): ReferenceRow[] {
  const text = fs.readFileSync(path.join(sharedData, 'REFERENCE.md'), 'utf8');
  const folder = { se2: 'g2o-2d', se3: 'g2o-3d', bal: 'bal' } as const;
  const rows: ReferenceRow[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const kind = cells[1] as ReferenceRow['kind'];
    if (cells.length < 11 || !(kind in folder)) continue;
    rows.push({
      kind,
      file: cells[2]!,
      iterations: Number(cells[5]),
      initialCost: Number(cells[6]),
      finalCost: Number(cells[7]),
      termination: cells[9]!,
      path: path.join(sharedData, folder[kind], cells[2]!),
    });
  }
  return rows;
}

/** REFERENCE.md's mean final costs of ceres-bench's 16-copy batches (σ = 0.01, seed 1), by file. */
export function referenceBatchMeans(): Record<string, number> {
  const text = fs.readFileSync(path.join(sharedData, 'REFERENCE.md'), 'utf8');
  const means: Record<string, number> = {};
  for (const match of text.matchAll(/for\s+(\w+)\s+\(mean\s+final\s+cost\s+([\d.]+)\)/g)) means[`${match[1]}.g2o`] = Number(match[2]);
  return means;
}
