/**
 * `npm run bench -- gpu [--quick]`: Gauss-Newton iterations (linearize,
 * factor with λ = 0, solve for the step) of the batched normal equations of
 * sphere2500 and of the SE3 grid of 256 poses (gridWorld: 4×8×8, odometry
 * along a serpentine path, loop closures between all grid neighbours,
 * σ = 0.01, seed 1), B in {1, 16, 64, 256}, each element with its own noisy
 * measurements, J and r evaluated at the initial poses. The CUDA addon
 * against the CPU addon, in the same run: per batch element and iteration,
 * the CPU's time, the GPU's device time (linear algebra alone) and its time
 * seen from JavaScript (end to end, with the host↔device copies), and the
 * fraction of the bandwidth bound achieved (bytes of J, A and the factor
 * moved per iteration ÷ the measured copy bandwidth, over the device time).
 * Where the CUDA backend is unavailable it says why and exits 0.
 * native/bench/gpu_bench.cc is the same benchmark without Node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { gridWorld, noisyMeasurements, poseGraphObjective, readG2o, type G2oGraph } from '../lib/index.js';
import { LinearSystem } from '../lib/linear/linear-system.js';
import { cudaAvailability } from '../lib/native/binding.js';
import { median, printTable } from './stats.js';

interface Timing {
  /** Seconds per iteration (all elements), wall clock. */
  wall: number;
  /** Device seconds per iteration (CUDA only). */
  device: number;
}

function iterate(native: LinearSystem, j: Float64Array, r: Float64Array, repeats: number): Timing {
  const lambda = new Float64Array(native.batch);
  const walls: number[] = [];
  const devices: number[] = [];
  for (let run = 0; run <= repeats; run++) {
    const start = process.hrtime.bigint();
    const { gradient } = native.linearize(j, r);
    let device = native.lastDeviceSeconds ?? 0;
    const { ok, reason } = native.factor(lambda, 'identity');
    device += native.lastDeviceSeconds ?? 0;
    native.solve(gradient);
    device += native.lastDeviceSeconds ?? 0;
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const bad = ok.findIndex((v) => v !== 1);
    if (bad >= 0) throw new Error(`${native.info.backend}: element ${bad}: ${reason[bad]}`);
    if (run === 0) continue; // warm-up
    walls.push(wall);
    devices.push(device);
  }
  return { wall: median(walls), device: median(devices) };
}

export function gpuBenchmark(args: string[]): void {
  const quick = args.includes('--quick');
  const cuda = cudaAvailability();
  if (!cuda.available) {
    console.log(`gpu benchmark: the CUDA backend is unavailable (${cuda.reason}: ${cuda.detail}); nothing to measure`);
    return;
  }
  const bandwidth = cuda.binding.copyBandwidth();
  console.log(`device: ${cuda.device.name} (compute ${cuda.device.computeCapability}); measured copy bandwidth ${(bandwidth / 1e9).toFixed(0)} GB/s`);
  console.log('per batch element and Gauss-Newton iteration (linearize + factor + solve), medians\n');

  const graphs: { name: string; graph: G2oGraph }[] = [{ name: 'SE3 grid 4x8x8', graph: gridWorld({ size: [4, 8, 8], seed: 1 }).graph }];
  const data = process.env.ARIADNE_DATA ?? path.join(__dirname, '..', '..', '..', '..', 'shared', 'data');
  const sphere = path.join(data, 'g2o-3d', 'sphere2500.g2o');
  if (fs.existsSync(sphere)) graphs.push({ name: 'sphere2500', graph: readG2o(sphere) });
  else console.log(`skipping sphere2500: ${sphere} not found (set ARIADNE_DATA to the folder of the shared data sets)\n`);

  const batches = quick ? [1, 16] : [1, 16, 64, 256];
  const repeats = quick ? 2 : 3;
  const rows: (string | number)[][] = [];
  let target: number | undefined;
  for (const { name, graph } of graphs) {
    for (const batch of batches) {
      const { objective } = poseGraphObjective(graph, { measurements: noisyMeasurements(graph, batch, 0.01, 1) });
      const evaluation = objective.evaluate(objective.initialState(), { residuals: true, jacobians: true });
      const j = evaluation.jValues!;
      const r = evaluation.residuals!;
      const cpu = new LinearSystem(objective.pattern, batch, { backend: 'cpu' });
      const cpuTime = iterate(cpu, j, r, repeats);
      cpu.dispose();
      const setup = process.hrtime.bigint();
      const gpu = new LinearSystem(objective.pattern, batch, { backend: 'cuda' });
      const setupSeconds = Number(process.hrtime.bigint() - setup) / 1e9;
      const gpuTime = iterate(gpu, j, r, repeats);
      const info = gpu.info;
      // J read once, A (upper triangle) written and read once, the factor written once and read by the
      // two triangular solves: a lower bound of the traffic (as native/bench/gpu_bench.cc counts it).
      const bytes = 8 * batch * (objective.nnz + 2 * info.normalNonzeros + 3 * info.factorNonzeros);
      gpu.dispose();
      const per = 1e3 / batch;
      rows.push([
        name,
        info.n,
        batch,
        info.backend,
        setupSeconds.toFixed(2),
        (cpuTime.wall * per).toFixed(3),
        (gpuTime.device * per).toFixed(3),
        (gpuTime.wall * per).toFixed(3),
        `${(cpuTime.wall / gpuTime.device).toFixed(1)}x`,
        `${(cpuTime.wall / gpuTime.wall).toFixed(1)}x`,
        `${((100 * bytes) / bandwidth / gpuTime.device).toFixed(0)}%`,
      ]);
      if (name.startsWith('SE3 grid') && batch === 256) target = cpuTime.wall / gpuTime.device;
    }
  }
  printTable(
    [
      'graph',
      'n',
      'B',
      'GPU factorisation',
      'setup s',
      'CPU ms',
      'GPU linear algebra ms',
      'GPU end to end ms',
      'speed-up (linear algebra)',
      'speed-up (end to end)',
      'bandwidth bound',
    ],
    rows,
  );
  if (target !== undefined) {
    const verdict = target >= 10 ? 'met' : 'NOT met';
    console.log(`\nSE3 grid, B = 256: GPU linear algebra ${target.toFixed(1)}x the CPU addon's throughput (target ≥ 10): ${verdict}`);
  }
}
