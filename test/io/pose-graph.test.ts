// poseGraphObjective on graphs in several pieces: refused by default, naming
// the pieces by g2o id; with disconnected 'anchor', one vertex of each piece
// without a fixed vertex is held constant and each piece solves on its own.
import { LevenbergMarquardt, parseG2o, poseGraphObjective } from '../../lib/index.js';

const edge = (a: number, b: number, x: number) => `EDGE_SE2 ${a} ${b} ${x} 0 0 1 0 0 1 0 1`;

describe('poseGraphObjective: a graph in several pieces', () => {
  // Pieces {0, 1} (vertex 0 fixed), {4, 5} (no fixed vertex) and the isolated vertex 9.
  const text = [
    'VERTEX_SE2 0 0 0 0',
    'VERTEX_SE2 1 1.2 0 0',
    'VERTEX_SE2 4 5 0 0',
    'VERTEX_SE2 5 6.3 0.1 0',
    'VERTEX_SE2 9 7 7 0',
    edge(0, 1, 1),
    edge(4, 5, 1),
  ];
  const graph = parseG2o(text.join('\n'));

  test('BAD CALL - refused by default, the pieces named by g2o id', () => {
    expect(() => poseGraphObjective(graph)).toThrow(
      new RangeError(
        "poseGraphObjective: 'graph' must be connected, or in pieces that each have a fixed vertex, or options.disconnected 'anchor' (one vertex of each piece without a fixed vertex held constant), got 3 pieces, 2 without a fixed vertex, by g2o id: {4, 5}, {9} (no edges)",
      ),
    );
    expect(() => poseGraphObjective(graph, { disconnected: 'join' as never })).toThrow(/'options.disconnected' must be/);
  });

  test("'anchor' holds 4 and 9 constant: each piece is solved as if alone", () => {
    const { objective, anchored, poses } = poseGraphObjective(graph, { disconnected: 'anchor' });
    expect(anchored).toEqual([4, 9]);
    expect([0, 1, 2, 3, 4].map((e) => poses.isConstant(e))).toEqual([true, false, true, false, true]);
    const result = new LevenbergMarquardt(objective).solve();
    expect(result.status[0]).toBe('converged');
    const x = result.values('poses');
    // Vertex 1 one metre from 0, vertex 5 one metre from 4 (which stays at its value), vertex 9 unmoved.
    expect(Array.from(x.subarray(3, 6)).map((v) => +v.toFixed(6) + 0)).toEqual([1, 0, 0]);
    expect(Array.from(x.subarray(9, 12)).map((v) => +v.toFixed(6) + 0)).toEqual([6, 0, 0]);
    expect(Array.from(x.subarray(12, 15))).toEqual([7, 7, 0]);
  });

  test('BAD CALL - a graph with no edges, or with every vertex fixed, has no objective: said in words of the graph', () => {
    expect(() => poseGraphObjective(parseG2o('VERTEX_SE2 0 0 0 0\nVERTEX_SE2 1 1 0 0\n'))).toThrow(
      new RangeError("poseGraphObjective: 'graph' must be a graph with at least one edge (an objective of its poses), got 2 vertices and no edges"),
    );
    expect(() => poseGraphObjective(parseG2o(['VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 1 0 0', edge(0, 1, 1), 'FIX 0 1'].join('\n')))).toThrow(
      /'graph' must be a graph with a vertex that is not fixed .*got all 2 vertices fixed/,
    );
    // Every piece fixed: accepted as it is.
    const twoFixed = parseG2o(
      ['VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 1 0 0', 'VERTEX_SE2 2 5 0 0', 'VERTEX_SE2 3 6 0 0', edge(0, 1, 1), edge(2, 3, 1), 'FIX 0 2'].join('\n'),
    );
    expect(poseGraphObjective(twoFixed).anchored).toEqual([]);
  });

  test('a connected graph is left as it is, with or without a fixed vertex', () => {
    const connected = parseG2o(['VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 1 0 0', edge(0, 1, 1)].join('\n'));
    expect(poseGraphObjective(connected).anchored).toEqual([]);
    expect(poseGraphObjective({ ...connected, fixed: new Int32Array(0) }, { disconnected: 'anchor' }).anchored).toEqual([]);
  });
});
