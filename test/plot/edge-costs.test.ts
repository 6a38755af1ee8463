// Per-edge costs: Objective.instanceCosts (½ ρ(‖W r‖²) per instance) and
// poseGraphEdgeCosts on top of it, against hand-computed values, the
// objective's total and an independent implementation of the pose-graph cost.
import * as path from 'node:path';

import { Between, Objective, Prior, RobustLoss, SE2, Variable, Weight, poseGraphEdgeCosts, poseGraphObjective, readG2o } from '../../lib/index.js';
import { poseGraphCost } from '../io/pose-graph-cost.js';
import { dataTest, sharedData } from '../helpers/shared-data.js';
import { at, graphOf } from './graphs.js';

describe('Objective.instanceCosts', () => {
  // Two 2D poses per batch element, one edge 0 → 1 measuring (1, 0, 0), and a prior on pose 0.
  const values = new Float64Array([0, 0, 0, 0.9, 0, 0, /* batch element 1 */ 0, 0, 0, 1.5, 0.2, 0.1]);
  const make = (loss?: RobustLoss) => {
    const poses = new Variable('poses', SE2, values, { batch: 2 });
    const edge = new Between({
      name: 'edge',
      a: { variable: poses, indices: [0] },
      b: { variable: poses, indices: [1] },
      measurement: new Float64Array([1, 0, 0]),
      weight: Weight.scale(new Float64Array([2])),
      loss,
    });
    const prior = new Prior({ name: 'prior', variable: { variable: poses, indices: [0, 1] }, target: new Float64Array([0, 0, 0]) });
    return new Objective([edge, prior]);
  };

  test('one array per term, B·I values, summing to costs()', () => {
    const objective = make();
    const parts = objective.instanceCosts();
    expect(parts.map((p) => p.length)).toEqual([2 * 1, 2 * 2]);
    const costs = objective.costs();
    for (let b = 0; b < 2; b++) {
      const sum = parts[0]![b]! + parts[1]![2 * b]! + parts[1]![2 * b + 1]!;
      expect(sum).toBeCloseTo(costs[b]!, 14);
    }
    // Batch element 0: r = Log((1,0,0)⁻¹ (0.9,0,0)) = (−0.1, 0, 0), W = 2: ½ ‖W r‖² = 0.02.
    expect(parts[0]![0]).toBeCloseTo(0.02, 15);
    // The prior on pose 1 of batch element 0: ½ ‖(0.9, 0, 0)‖².
    expect(parts[1]![1]).toBeCloseTo(0.405, 15);
  });

  test('with a robust loss, each instance is ½ ρ(s) of its own s', () => {
    const plain = make().instanceCosts()[0]!;
    const delta = 0.3;
    const robust = make(RobustLoss.huber(delta)).instanceCosts()[0]!;
    for (let b = 0; b < 2; b++) {
      const s = 2 * plain[b]!;
      const rho = s <= delta * delta ? s : 2 * delta * Math.sqrt(s) - delta * delta;
      expect(robust[b]).toBeCloseTo(0.5 * rho, 14);
    }
    expect(robust[1]).toBeLessThan(plain[1]!); // element 1 is beyond δ: down-weighted
  });
});

describe('poseGraphEdgeCosts', () => {
  test('½ ‖W r‖² per edge of a hand-made graph', () => {
    // Unit information; pose 1 is 0.1 m short of the 1 m measured, pose 2 is where measured.
    const graph = graphOf(
      'se2',
      [
        [0, 0, 0],
        [0.9, 0, 0],
        [1.9, 0, 0],
      ],
      [
        [0, 1],
        [1, 2],
      ],
    );
    graph.measurements.set([1, 0, 0, 1, 0, 0]);
    const costs = poseGraphEdgeCosts(graph);
    expect(costs.length).toBe(2);
    expect(costs[0]).toBeCloseTo(0.005, 15);
    expect(costs[1]).toBeCloseTo(0, 15);
    // At other poses; the graph is not changed.
    const moved = poseGraphEdgeCosts(graph, new Float64Array([0, 0, 0, 1, 0, 0, 2.2, 0, 0]));
    expect(Array.from(moved).map((c) => Number(c.toFixed(12)))).toEqual([0, 0.02]);
    expect(graph.poses[3]).toBe(0.9);
  });

  test('a pose on no edge and a graph whose every pose is fixed', () => {
    const lonely = graphOf('se3', at([0, 0, 0], [1, 0, 0], [5, 5, 5]), [[0, 1]], [2]);
    expect(poseGraphEdgeCosts(lonely)[0]).toBeCloseTo(0.5, 14); // r = (1, 0, 0, 0, 0, 0)
    const allFixed = graphOf(
      'se2',
      [
        [0, 0, 0],
        [2, 0, 0],
      ],
      [[0, 1]],
      [0, 1],
    );
    expect(poseGraphEdgeCosts(allFixed)[0]).toBeCloseTo(2, 14);
    const noEdges = graphOf('se2', [[0, 0, 0]], []);
    expect(poseGraphEdgeCosts(noEdges)).toEqual(new Float64Array(0));
  });

  dataTest('sum to the objective cost and to an independent implementation (intel, sphere2500)', () => {
    for (const file of ['g2o-2d/intel.g2o', 'g2o-3d/sphere2500.g2o']) {
      const graph = readG2o(path.join(sharedData, file));
      const costs = poseGraphEdgeCosts(graph);
      expect(costs.length).toBe(graph.from.length);
      const sum = costs.reduce((s, c) => s + c, 0);
      expect(sum / poseGraphObjective(graph).objective.costs()[0]!).toBeCloseTo(1, 12);
      expect(sum / poseGraphCost(graph)).toBeCloseTo(1, 9);
      expect(costs.every((c) => c >= 0)).toBe(true);
    }
  });

  describe('BAD CALL', () => {
    const graph = graphOf(
      'se2',
      [
        [0, 0, 0],
        [1, 0, 0],
      ],
      [[0, 1]],
    );
    const cases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
      [
        'graph is not an object',
        () => poseGraphEdgeCosts(null as never),
        TypeError,
        /^poseGraphEdgeCosts: 'graph' must be a G2oGraph \(from parseG2o or readG2o\), got null$/,
      ],
      [
        'unknown kind',
        () => poseGraphEdgeCosts({ ...graph, kind: 'se4' as never }),
        RangeError,
        /^poseGraphEdgeCosts: 'graph.kind' must be 'se2' or 'se3', got 'se4'$/,
      ],
      [
        'poses of the wrong length',
        () => poseGraphEdgeCosts(graph, new Float64Array(5)),
        RangeError,
        /^poseGraphEdgeCosts: 'poses' must be of length 6 \(2 vertices × 3\), got length 5$/,
      ],
      [
        'poses as an Array',
        () => poseGraphEdgeCosts(graph, [0, 0, 0, 1, 0, 0] as never),
        TypeError,
        /^poseGraphEdgeCosts: 'poses' must be a Float64Array, got an Array$/,
      ],
      [
        'a NaN pose',
        () => poseGraphEdgeCosts(graph, new Float64Array([0, 0, 0, NaN, 0, 0])),
        RangeError,
        /^poseGraphEdgeCosts: 'poses' must be finite, got NaN at vertex 1, index 0$/,
      ],
      [
        'an edge to a missing pose',
        () => poseGraphEdgeCosts({ ...graph, to: Int32Array.of(2) }),
        RangeError,
        /^poseGraphEdgeCosts: 'graph.to\[0\]' must be a vertex index in \[0, 2\), got 2$/,
      ],
      [
        'a quaternion that is not unit',
        () => poseGraphEdgeCosts(graphOf('se3', at([0, 0, 0], [1, 0, 0]), [[0, 1]]), new Float64Array([0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 2])),
        RangeError,
        /^poseGraphEdgeCosts: 'poses' must be made of unit quaternions \(\|‖q‖ − 1\| ≤ 1e-6\), got ‖q‖ = 2 at vertex 1$/,
      ],
      [
        'information of the wrong length',
        () => poseGraphEdgeCosts({ ...graph, information: new Float64Array(3) }),
        RangeError,
        /^poseGraphEdgeCosts: 'graph.information' must be of length 6 \(1 edges × 6\), got length 3$/,
      ],
    ];
    test.each(cases)('%s', (_name, call, error, message) => {
      expect(call).toThrow(error);
      expect(call).toThrow(message);
    });
  });
});
