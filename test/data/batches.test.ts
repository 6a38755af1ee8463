// 16 noisy copies of intel and of M3500 (σ = 0.01, seed 1, as ceres-bench's
// batches) solved as one batch: every element iterates exactly as its own
// solve alone, and the mean final cost is within a few per cent of
// REFERENCE.md's (another random stream draws other noise).
import * as path from 'node:path';

import { LevenbergMarquardt, noisyMeasurements, poseGraphObjective, readG2o } from '../../lib/index.js';
import { haveSharedData, missingSharedData, referenceBatchMeans, sharedData } from '../helpers/shared-data.js';

describe('noisy batches of ../shared/data', () => {
  if (!haveSharedData) {
    test.skip(`skipped: ${missingSharedData}`, () => {});
    return;
  }
  const means = referenceBatchMeans();

  for (const file of ['intel.g2o', 'M3500.g2o']) {
    test(`${file}: 16 copies as one batch equal 16 solves alone; mean final cost near REFERENCE.md's ${means[file]}`, () => {
      const graph = readG2o(path.join(sharedData, 'g2o-2d', file));
      const measurements = noisyMeasurements(graph, 16, 0.01, 1);
      const batch = new LevenbergMarquardt(poseGraphObjective(graph, { measurements }).objective).solve();
      const poses = batch.values('poses');
      const per = graph.poses.length;
      const size = graph.measurements.length;
      for (let b = 0; b < 16; b++) {
        const alone = new LevenbergMarquardt(poseGraphObjective(graph, { measurements: measurements.subarray(b * size, (b + 1) * size) }).objective).solve();
        expect(batch.status[b]).toBe('converged');
        expect(batch.iterations[b]).toBe(alone.iterations[0]);
        expect(batch.finalCost[b]).toBe(alone.finalCost[0]);
        const x = alone.values('poses');
        let worst = 0;
        for (let i = 0; i < per; i++) worst = Math.max(worst, Math.abs(poses[b * per + i]! - x[i]!) / Math.max(1, Math.abs(x[i]!)));
        expect(worst).toBeLessThanOrEqual(1e-12);
      }
      const mean = batch.finalCost.reduce((s, c) => s + c, 0) / 16;
      console.log(`${file}: mean final cost of 16 noisy copies ${mean.toFixed(3)} (REFERENCE.md, Ceres' noise: ${means[file]})`);
      expect(Math.abs(mean - means[file]!) / means[file]!).toBeLessThan(0.05);
    });
  }
});
