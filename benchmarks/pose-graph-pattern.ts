/**
 * The Jacobian pattern of a pose graph from a g2o file's edge list: one
 * d×d block per edge endpoint (d = 3 for SE2, 6 for SE3), the lowest vertex
 * id (or the FIX id) held constant and so without columns. Only the graph's
 * structure is read here; the measurements do not matter to the linear
 * algebra's cost.
 */
import * as fs from 'node:fs';

import type { JacobianPattern } from '../lib/index.js';

export interface PoseGraphPattern {
  pattern: JacobianPattern;
  kind: 'se2' | 'se3';
  vertices: number;
  edges: [number, number][];
  /** Rows and columns per block. */
  dim: number;
}

/**
 * A generated SE2 grid world for machines without ../shared/data: `side`²
 * poses along a serpentine path, odometry between consecutive poses and a
 * loop closure to each pose's neighbour in the previous row.
 */
export function gridPattern(side: number): PoseGraphPattern {
  const edges: [number, number][] = [];
  const id = (row: number, col: number) => row * side + (row % 2 === 0 ? col : side - 1 - col);
  for (let v = 0; v + 1 < side * side; v++) edges.push([v, v + 1]);
  for (let row = 1; row < side; row++) for (let col = 0; col < side; col++) edges.push([id(row - 1, col), id(row, col)]);
  return fromEdges(edges, side * side, 'se2', 0);
}

export function poseGraphPattern(file: string): PoseGraphPattern {
  const ids = new Set<number>();
  const edges: [number, number][] = [];
  let kind: 'se2' | 'se3' | undefined;
  let fixed: number | undefined;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [tag, a, b] = line.trim().split(/\s+/);
    if (tag === 'EDGE_SE2' || tag === 'EDGE_SE3:QUAT') {
      kind = tag === 'EDGE_SE2' ? 'se2' : 'se3';
      edges.push([Number(a), Number(b)]);
      ids.add(Number(a)).add(Number(b));
    } else if (tag === 'VERTEX_SE2' || tag === 'VERTEX_SE3:QUAT') {
      ids.add(Number(a));
    } else if (tag === 'FIX') {
      fixed = Number(a);
    }
  }
  if (kind === undefined) throw new Error(`${file}: no EDGE_SE2 or EDGE_SE3:QUAT lines`);
  const sorted = [...ids].sort((x, y) => x - y);
  return fromEdges(edges, sorted, kind, fixed ?? sorted[0]!);
}

function fromEdges(edges: [number, number][], vertexIds: number[] | number, kind: 'se2' | 'se3', fix: number): PoseGraphPattern {
  const dim = kind === 'se2' ? 3 : 6;
  const sorted = typeof vertexIds === 'number' ? Array.from({ length: vertexIds }, (_, i) => i) : vertexIds;
  // Column block of each free vertex, in increasing id.
  const block = new Map<number, number>();
  for (const id of sorted) if (id !== fix) block.set(id, block.size);
  const rows: number[] = [];
  const cols: number[] = [];
  edges.forEach(([a, b], e) => {
    for (let r = 0; r < dim; r++) {
      for (const v of [a, b]) {
        const c = block.get(v);
        if (c === undefined) continue;
        for (let k = 0; k < dim; k++) {
          rows.push(e * dim + r);
          cols.push(c * dim + k);
        }
      }
    }
  });
  return {
    pattern: {
      m: edges.length * dim,
      n: block.size * dim,
      rows: Int32Array.from(rows),
      cols: Int32Array.from(cols),
      colBlocks: new Int32Array(block.size).fill(dim),
    },
    kind,
    vertices: sorted.length,
    edges,
    dim,
  };
}
