/**
 * The shared g2o files (../shared/data/g2o-2d, g2o-3d): counts as in
 * SOURCES.md, kinds, fixed vertices, non-positive-definite information
 * matrices, the breadth-first poses of CSAIL by hand, the initial costs of
 * REFERENCE.md (an independent program's reading of the same files), and an
 * exact round trip through the writer.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { sqrtInformation } from '../../lib/core/information.js';
import { formatG2o, parseG2o, readG2o, writeG2o, type G2oGraph } from '../../lib/io/g2o.js';
import { pose, poseGraphCost, se2Compose, se2Inverse, type Pose } from './pose-graph-cost.js';
import { dataTest, eachDataFile, sharedData as DATA } from '../helpers/shared-data.js';

interface Row {
  file: string;
  kind: 'se2' | 'se3';
  vertices: number;
  edges: number;
  /** REFERENCE.md's initial cost (10 significant digits). */
  initialCost: number;
  /** Information matrices that are not positive definite. */
  nonPositiveDefinite: number;
}

// Counts from SOURCES.md; initial costs from REFERENCE.md.
const FILES: Row[] = [
  { file: 'g2o-2d/CSAIL.g2o', kind: 'se2', vertices: 1045, edges: 1172, initialCost: 6010.095718, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/ETHCampus.g2o', kind: 'se2', vertices: 7065, edges: 7427, initialCost: 16978046.5, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/M3500.g2o', kind: 'se2', vertices: 3500, edges: 5453, initialCost: 1317356.273, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/M3500a.g2o', kind: 'se2', vertices: 3500, edges: 5453, initialCost: 37656675.06, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/M3500b.g2o', kind: 'se2', vertices: 3500, edges: 5453, initialCost: 26230303.31, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/M3500c.g2o', kind: 'se2', vertices: 3500, edges: 5453, initialCost: 32094729.7, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/MIT.g2o', kind: 'se2', vertices: 808, edges: 827, initialCost: 3548660356, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/city10000.g2o', kind: 'se2', vertices: 10000, edges: 20687, initialCost: 359231215.6, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/intel-1228.g2o', kind: 'se2', vertices: 1228, edges: 1483, initialCost: 3350168.411, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/intel.g2o', kind: 'se2', vertices: 1728, edges: 2512, initialCost: 276.9978978, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/manhattanOlson3500.g2o', kind: 'se2', vertices: 3500, edges: 5598, initialCost: 35381.04416, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/noisyToyGraph.g2o', kind: 'se2', vertices: 4, edges: 5, initialCost: 0.3916610204, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/pose2example.g2o', kind: 'se2', vertices: 11, edges: 12, initialCost: 3.430096485, nonPositiveDefinite: 0 },
  { file: 'g2o-2d/ring.g2o', kind: 'se2', vertices: 434, edges: 459, initialCost: 1021353.812, nonPositiveDefinite: 0 },
  { file: 'g2o-3d/parking-garage.g2o', kind: 'se3', vertices: 1661, edges: 6275, initialCost: 8363.601948, nonPositiveDefinite: 0 },
  { file: 'g2o-3d/pose3example-grid.g2o', kind: 'se3', vertices: 27, edges: 44, initialCost: 127.9410431, nonPositiveDefinite: 0 },
  { file: 'g2o-3d/pose3example.g2o', kind: 'se3', vertices: 5, edges: 6, initialCost: 64941.32289, nonPositiveDefinite: 0 },
  { file: 'g2o-3d/smallGrid3D.g2o', kind: 'se3', vertices: 125, edges: 297, initialCost: 83894.33344, nonPositiveDefinite: 0 },
  { file: 'g2o-3d/sphere2500.g2o', kind: 'se3', vertices: 2500, edges: 4949, initialCost: 1305657.712, nonPositiveDefinite: 0 },
  { file: 'g2o-3d/tinyGrid3D.g2o', kind: 'se3', vertices: 9, edges: 11, initialCost: 143.3178736, nonPositiveDefinite: 0 },
];

const graphs = new Map<string, G2oGraph>();
function graphOf(filePath: string): G2oGraph {
  let g = graphs.get(filePath);
  if (g === undefined) {
    g = readG2o(filePath, { strict: true });
    graphs.set(filePath, g);
  }
  return g;
}

/** Bit-for-bit equality of two typed arrays (−0 ≠ 0, NaN payloads compared too). */
function sameBits(a: Float64Array | Int32Array, b: Float64Array | Int32Array): boolean {
  if (a.constructor !== b.constructor || a.length !== b.length) return false;
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('the shared g2o files', () => {
  dataTest('every g2o file in the shared folders is in this table', () => {
    const onDisk = ['g2o-2d', 'g2o-3d'].flatMap((dir) =>
      fs
        .readdirSync(path.join(DATA, dir))
        .filter((f) => f.endsWith('.g2o'))
        .map((f) => `${dir}/${f}`),
    );
    expect(onDisk.sort()).toEqual(FILES.map((r) => r.file).sort());
  });

  eachDataFile(
    FILES,
    (r) => `${r.file}: ${r.kind}, ${r.vertices} vertices, ${r.edges} edges, ${r.nonPositiveDefinite} non-PD information matrices`,
    (r, filePath) => {
      const g = graphOf(filePath);
      const k = r.kind === 'se2' ? 3 : 7;
      const tri = r.kind === 'se2' ? 6 : 21;
      expect(g.kind).toBe(r.kind);
      expect(g.ids.length).toBe(r.vertices);
      expect(g.poses.length).toBe(r.vertices * k);
      expect(g.from.length).toBe(r.edges);
      expect(g.to.length).toBe(r.edges);
      expect(g.measurements.length).toBe(r.edges * k);
      expect(g.information.length).toBe(r.edges * tri);
      expect(g.skipped).toEqual({});
      expect(g.hasVertices).toBe(r.file !== 'g2o-2d/CSAIL.g2o');
      let increasing = true;
      for (let i = 1; i < g.ids.length; i++) increasing &&= g.ids[i]! > g.ids[i - 1]!;
      expect(increasing).toBe(true);
      // None of these files has a FIX line except ETHCampus (FIX 0): the lowest id is fixed.
      expect(Array.from(g.fixed)).toEqual([0]);
      expect(g.ids[0]).toBe(0);
      expect(g.nonPositiveDefinite).toBe(r.nonPositiveDefinite);
      expect(sqrtInformation(g.information, r.kind === 'se2' ? 3 : 6).nonPositiveDefinite).toBe(r.nonPositiveDefinite);
      // Storage conventions: θ in [-π, π), unit quaternions with qw ≥ 0.
      const outside: string[] = [];
      for (const [name, values] of [
        ['poses', g.poses],
        ['measurements', g.measurements],
      ] as const) {
        for (let o = 0; o < values.length; o += k) {
          const ok =
            k === 3
              ? values[o + 2]! >= -Math.PI && values[o + 2]! < Math.PI
              : Math.abs(Math.hypot(values[o + 3]!, values[o + 4]!, values[o + 5]!, values[o + 6]!) - 1) < 1e-15 && values[o + 6]! >= 0;
          if (!ok) outside.push(`${name} ${o / k}`);
        }
      }
      expect(outside).toEqual([]);
    },
  );

  dataTest('ETHCampus.g2o: its FIX 0 line fixes vertex 0', () => {
    const text = fs.readFileSync(path.join(DATA, 'g2o-2d/ETHCampus.g2o'), 'utf8');
    expect(text).toMatch(/^FIX 0$/m);
    const g = graphOf(path.join(DATA, 'g2o-2d/ETHCampus.g2o'));
    expect(Array.from(g.fixed)).toEqual([0]);
    expect(g.ids[g.fixed[0]!]).toBe(0);
    // Without the FIX line the default (the lowest id) is the same vertex.
    expect(Array.from(parseG2o(text.replace(/^FIX 0$/m, '')).fixed)).toEqual([0]);
  });

  dataTest('CSAIL.g2o: 1045 vertices implied by its edges, poses by the breadth-first rule (checked by hand)', () => {
    const g = graphOf(path.join(DATA, 'g2o-2d/CSAIL.g2o'));
    expect(Array.from(g.ids)).toEqual(Array.from({ length: 1045 }, (_, i) => i));
    // Raw edge lines, read without the library.
    const lines = fs.readFileSync(path.join(DATA, 'g2o-2d/CSAIL.g2o'), 'utf8').split('\n');
    const z = (a: number, b: number): Pose => {
      const fields = lines.find((l) => l.startsWith(`EDGE_SE2 ${a} ${b} `))!.split(' ');
      return fields.slice(3, 6).map(Number);
    };
    // BFS from the fixed vertex 0: 0 → 1 (line 1); 1's edges in file order
    // are 0-1, 1-2 (line 2), 1-1005 (line 1045); 2 → 3 by 2-3; 1005's edges
    // are 1004-1005 (line 1005: reached backwards, X_1004 = X_1005·Z⁻¹) and
    // 1005-1006 (line 1006).
    const expected = new Map<number, Pose>();
    expected.set(0, [0, 0, 0]);
    expected.set(1, se2Compose([0, 0, 0], z(0, 1)));
    expected.set(2, se2Compose(expected.get(1)!, z(1, 2)));
    expected.set(3, se2Compose(expected.get(2)!, z(2, 3)));
    expected.set(1005, se2Compose(expected.get(1)!, z(1, 1005)));
    expected.set(1004, se2Compose(expected.get(1005)!, se2Inverse(z(1004, 1005))));
    expected.set(1006, se2Compose(expected.get(1005)!, z(1005, 1006)));
    for (const [id, x] of expected) {
      const got = pose(g, id);
      for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - x[c]!)).toBeLessThan(1e-12);
    }
    // Every vertex is reached (CSAIL is connected): none stays at the identity.
    for (let i = 1; i < g.ids.length; i++) expect(pose(g, i).some((c) => c !== 0)).toBe(true);
  });

  eachDataFile(
    FILES,
    (r) => `${r.file}: the initial cost is REFERENCE.md's ${r.initialCost}`,
    (r, filePath) => {
      const g = graphOf(filePath);
      expect(Math.abs(poseGraphCost(g) / r.initialCost - 1)).toBeLessThan(1e-9);
    },
  );

  eachDataFile(
    FILES,
    (r) => `${r.file}: parseG2o(formatG2o(g)) equals g bit for bit`,
    (r, filePath) => {
      const g = graphOf(filePath);
      const again = parseG2o(formatG2o(g), { strict: true });
      expect(again.kind).toBe(g.kind);
      for (const key of ['ids', 'poses', 'from', 'to', 'measurements', 'information', 'fixed'] as const) {
        expect([key, sameBits(again[key], g[key])]).toEqual([key, true]);
      }
      expect(again.nonPositiveDefinite).toBe(g.nonPositiveDefinite);
      expect(again.skipped).toEqual(g.skipped);
      // The writer always writes VERTEX lines (CSAIL gains them).
      expect(again.hasVertices).toBe(true);
      // A second round trip changes nothing in the text either.
      expect(formatG2o(again)).toBe(formatG2o(g));
    },
  );

  dataTest('writeG2o / readG2o round trip through a file, with poses given', () => {
    const g = graphOf(path.join(DATA, 'g2o-3d/sphere2500.g2o'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-g2o-'));
    try {
      const file = path.join(dir, 'out.g2o');
      const moved = g.poses.slice();
      for (let i = 0; i < moved.length; i += 7) moved[i] = moved[i]! + 0.125;
      writeG2o(file, g, moved);
      const back = readG2o(file);
      expect(sameBits(back.poses, moved)).toBe(true);
      expect(sameBits(back.measurements, g.measurements)).toBe(true);
      expect(sameBits(back.information, g.information)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
