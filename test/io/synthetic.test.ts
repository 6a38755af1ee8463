// The generated worlds: their structure, noise statistics, determinism, and bad options.
import { SE2, SE3, gridWorld, manhattanWorld, poseGraphObjective, poseGraphStats, sphereWorld, type SyntheticWorld } from '../../lib/index.js';

/** Cost at the true poses: ½ Σ of E·d squared standard normals (mean E·d/2, sd √(E·d/2)). */
function costAtTruth(world: SyntheticWorld): { cost: number; mean: number; sd: number } {
  const { graph, truth } = world;
  const d = graph.kind === 'se2' ? 3 : 6;
  const cost = poseGraphObjective({ ...graph, poses: truth }).objective.costs()[0]!;
  const n = graph.from.length * d;
  return { cost, mean: n / 2, sd: Math.sqrt(n / 2) };
}

describe('generated pose graphs', () => {
  test('Manhattan world: a walk on the integer grid, odometry then loop closures at revisited crossings', () => {
    const world = manhattanWorld({ poses: 500, seed: 3 });
    const { graph, truth, odometry } = world;
    expect(graph.kind).toBe('se2');
    expect(graph.ids.length).toBe(500);
    for (let i = 0; i < 500; i++) {
      expect(Number.isInteger(truth[3 * i]!) && Number.isInteger(truth[3 * i + 1]!)).toBe(true);
      expect(Math.abs(truth[3 * i + 2]! / (Math.PI / 2) - Math.round(truth[3 * i + 2]! / (Math.PI / 2)))).toBeLessThan(1e-12);
    }
    for (let e = 0; e < graph.from.length; e++) {
      const [a, b] = [graph.from[e]!, graph.to[e]!];
      const gap = Math.hypot(truth[3 * a]! - truth[3 * b]!, truth[3 * a + 1]! - truth[3 * b + 1]!);
      if (odometry[e]) expect([b - a, gap]).toEqual([1, 1]);
      else expect([b - a > 2, gap]).toEqual([true, 0]);
    }
    const stats = poseGraphStats(graph);
    expect(stats).toMatchObject({ components: 1, odometryEdges: 499 });
    expect(stats.loopClosures).toBeGreaterThan(50);
    const { cost, mean, sd } = costAtTruth(world);
    expect(Math.abs(cost - mean)).toBeLessThan(5 * sd);
    // The first guess chains the odometry: it starts at the truth and drifts.
    expect(Array.from(graph.poses.subarray(0, 3))).toEqual(Array.from(truth.subarray(0, 3)));
    expect(Math.hypot(graph.poses[1497]! - truth[1497]!, graph.poses[1498]! - truth[1498]!)).toBeGreaterThan(0.5);
    // Same seed, same graph; another seed, another one.
    expect(manhattanWorld({ poses: 500, seed: 3 }).graph.measurements).toEqual(graph.measurements);
    expect(manhattanWorld({ poses: 500, seed: 4 }).graph.measurements).not.toEqual(graph.measurements);
  });

  test('sphere world: poses on the sphere, odometry along the rings, a closure to the ring below', () => {
    const world = sphereWorld({ rings: 5, perRing: 40, radius: 3, seed: 2 });
    const { graph, truth } = world;
    expect(graph.kind).toBe('se3');
    expect(graph.ids.length).toBe(200);
    expect(graph.from.length).toBe(199 + 160);
    SE3.validate(truth, 'test', 'truth');
    for (let i = 0; i < 200; i++) expect(Math.hypot(truth[7 * i]!, truth[7 * i + 1]!, truth[7 * i + 2]!)).toBeCloseTo(3, 12);
    const { cost, mean, sd } = costAtTruth(world);
    expect(Math.abs(cost - mean)).toBeLessThan(5 * sd);
  });

  test('grid world: 4×8×8 poses, a serpentine path, every lattice neighbour connected once', () => {
    const world = gridWorld({ seed: 1 });
    const { graph, truth } = world;
    expect(graph.ids.length).toBe(256);
    expect(graph.from.length).toBe(3 * 8 * 8 + 4 * 7 * 8 + 4 * 8 * 7);
    const pairs = new Set<string>();
    for (let e = 0; e < graph.from.length; e++) {
      const [a, b] = [graph.from[e]!, graph.to[e]!];
      const gap = Math.hypot(truth[7 * a]! - truth[7 * b]!, truth[7 * a + 1]! - truth[7 * b + 1]!, truth[7 * a + 2]! - truth[7 * b + 2]!);
      expect(gap).toBeCloseTo(1, 12);
      pairs.add(`${Math.min(a, b)}-${Math.max(a, b)}`);
    }
    expect(pairs.size).toBe(graph.from.length);
    const { cost, mean, sd } = costAtTruth(world);
    expect(Math.abs(cost - mean)).toBeLessThan(5 * sd);
  });

  test('BAD CALL - options', () => {
    expect(() => manhattanWorld({ poses: 1 })).toThrow(new RangeError("manhattanWorld: 'options.poses' must be an integer in [2, 4194304], got 1"));
    expect(() => manhattanWorld({ turnProbability: 2 })).toThrow(
      new RangeError("manhattanWorld: 'options.turnProbability' must be a probability in [0, 1], got 2"),
    );
    expect(() => sphereWorld({ radius: -1 })).toThrow(new RangeError("sphereWorld: 'options.radius' must be a finite number > 0, got -1"));
    expect(() => gridWorld({ size: [1, 1, 1] })).toThrow(new RangeError("gridWorld: 'options.size' must be at least two poses, got 1×1×1"));
    expect(() => gridWorld({ translationNoise: 0 })).toThrow(new RangeError("gridWorld: 'options.translationNoise' must be a finite number > 0, got 0"));
    expect(() => manhattanWorld({ bogus: 1 } as never)).toThrow(RangeError);
    expect(SE2.dof).toBe(3);
  });
});
