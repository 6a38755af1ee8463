/**
 * `npm run bench -- linear [--quick]`: the normal equations of real pose
 * graphs (sphere2500: SE3, 6×6 blocks; city10000: SE2, 3×3 blocks), one
 * linearize + factor + solve per batch element, against Eigen's
 * SimplicialLDLT (J as an Eigen sparse matrix, A = JᵀJ by Eigen's product,
 * analysed once) measured in the same run. Prints ms per batch element and
 * the ratios of the targets. --quick: B = 1 only, fewer repeats.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SeededRandom } from '../lib/base/random.js';
import { NormalEquations, buildInfo, type JacobianPattern } from '../lib/index.js';
import { nativeBinding } from '../lib/native/binding.js';
import { gridPattern, poseGraphPattern, type PoseGraphPattern } from './pose-graph-pattern.js';
import { median, printTable, time } from './stats.js';

const LAMBDA = 1e-4;

/**
 * J values shaped like a whitened pose-graph Jacobian: per edge
 * s·[−(I + 0.1N₁)  I + 0.1N₂] with s in [1, 10]; residuals standard normal.
 */
function jacobianValues(pattern: JacobianPattern, dim: number, batch: number, seed: number) {
  const random = new SeededRandom(seed);
  const nnz = pattern.rows.length;
  const j = new Float64Array(batch * nnz);
  for (let b = 0; b < batch; b++) {
    let scale = 1;
    for (let k = 0; k < nnz; k++) {
      const row = pattern.rows[k]!;
      if (row % dim === 0 && (k === 0 || pattern.rows[k - 1] !== row)) scale = 1 + 9 * random.uniform();
      const rowInBlock = row % dim;
      const colInBlock = pattern.cols[k]! % dim;
      // The first block of a row belongs to the lower-id endpoint (−), the second to the other (+).
      const sign = k + dim < nnz && pattern.rows[k + dim] === row ? -1 : 1;
      j[b * nnz + k] = scale * (sign * (rowInBlock === colInBlock ? 1 : 0) + 0.1 * random.normal());
    }
  }
  return { j, r: random.normals(batch * pattern.m) };
}

interface Row {
  graph: string;
  batch: number;
  threads: number;
  oursMs: number;
  referenceMs: number;
}

export function linearBenchmark(args: string[]): void {
  const quick = args.includes('--quick');
  const data = process.env.ARIADNE_DATA ?? path.join(__dirname, '..', '..', '..', '..', 'shared', 'data');
  const graphs: { name: string; load: () => PoseGraphPattern }[] = [];
  for (const [name, file] of [
    ['sphere2500', path.join(data, 'g2o-3d', 'sphere2500.g2o')],
    ['city10000', path.join(data, 'g2o-2d', 'city10000.g2o')],
  ] as const) {
    if (fs.existsSync(file)) graphs.push({ name, load: () => poseGraphPattern(file) });
    else console.log(`skipping ${name}: ${file} not found (set ARIADNE_DATA to the folder of the shared data sets)`);
  }
  if (graphs.length === 0) graphs.push({ name: 'grid-se2-100x100 (generated)', load: () => gridPattern(100) });
  const info = buildInfo();
  console.log(`linear benchmark: sparse kind = ${info.sparseBackend}; BLAS: ${info.blas}; ${info.hardwareThreads} hardware threads`);
  console.log('per batch element: linearize (A = JᵀJ, g = Jᵀr) + factor (A + λD) + solve; medians of repeated runs\n');

  const rows: Row[] = [];
  const shapes: (string | number)[][] = [];
  for (const g of graphs) {
    const { pattern, dim, vertices, edges } = g.load();
    const configs = quick
      ? [{ batch: 1, threads: 1 }]
      : [
          { batch: 1, threads: 1 },
          { batch: 16, threads: 1 },
          { batch: 16, threads: 2 },
        ];
    const maxBatch = Math.max(...configs.map((c) => c.batch));
    const { j, r } = jacobianValues(pattern, dim, maxBatch, 1);
    const nnz = pattern.rows.length;

    // The reference solves one problem at a time, so its time per element
    // does not depend on the batch: measured once, on element 0.
    const reference = nativeBinding().referenceLdlt(pattern, j.subarray(0, nnz), r.subarray(0, pattern.m), Float64Array.of(LAMBDA), quick ? 3 : 5);
    if (!reference.ok) throw new Error(`${g.name}: the reference failed to factor`);
    const referenceMs = median(Array.from(reference.seconds)) * 1e3;

    for (const { batch, threads } of configs) {
      const ne = new NormalEquations(pattern, batch, { kind: 'sparse', threads });
      const jb = j.subarray(0, batch * nnz);
      const rb = r.subarray(0, batch * pattern.m);
      const lambda = new Float64Array(batch).fill(LAMBDA);
      let x: Float64Array = new Float64Array(0);
      const seconds = time(
        () => {
          const { gradient } = ne.linearize(jb, rb);
          const { ok } = ne.factor(lambda, 'diagonal');
          if (!ok.every((v) => v === 1)) throw new Error(`${g.name}: factorization failed`);
          x = ne.solve(gradient);
        },
        quick ? 3 : batch === 1 ? 7 : 3,
      );
      // Same numbers as the reference (element 0).
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < pattern.n; i++) {
        diff = Math.max(diff, Math.abs(x[i]! - reference.x[i]!));
        scale = Math.max(scale, Math.abs(reference.x[i]!));
      }
      if (!(diff <= 1e-8 * scale)) throw new Error(`${g.name}: solutions differ from the reference by ${diff / scale} relative`);
      if (batch === 1 && threads === 1) {
        const i = ne.info;
        shapes.push([g.name, vertices, edges.length, i.n, i.normalNonzeros, i.factorNonzeros, i.backend]);
      }
      rows.push({ graph: g.name, batch, threads, oursMs: (median(seconds) / batch) * 1e3, referenceMs });
      ne.dispose();
    }
  }

  printTable(['graph', 'vertices', 'edges', 'n', 'nnz(A) upper', 'nnz(L)', 'factorisation'], shapes);
  console.log('');
  printTable(
    ['graph', 'B', 'threads', 'ariadne ms/element', 'SimplicialLDLT ms/element', 'speed-up'],
    rows.map((row) => [row.graph, row.batch, row.threads, row.oursMs.toFixed(2), row.referenceMs.toFixed(2), `${(row.referenceMs / row.oursMs).toFixed(2)}x`]),
  );
  console.log('');
  for (const g of graphs) {
    const single = rows.find((row) => row.graph === g.name && row.batch === 1 && row.threads === 1);
    const batched = rows.find((row) => row.graph === g.name && row.batch === 16 && row.threads === 2);
    const target = g.name === 'sphere2500' ? ' (target ≥ 2)' : '';
    if (single) console.log(`${g.name}: B = 1 speed-up over SimplicialLDLT ${(single.referenceMs / single.oursMs).toFixed(2)}x${target}`);
    if (single && batched) {
      console.log(`${g.name}: throughput B = 16 on 2 threads ÷ B = 1 on 1 thread = ${(single.oursMs / batched.oursMs).toFixed(2)}x (target ≥ 1.6)`);
    }
  }
}
