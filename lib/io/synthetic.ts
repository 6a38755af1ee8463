/**
 * Pose graphs generated in code, for the demo, the examples and the
 * benchmarks: a known ground truth, odometry and loop-closure measurements
 * with Gaussian noise, and an initial estimate that chains the noisy
 * odometry from the first pose (so it drifts, as a robot's dead reckoning).
 *
 * Noise on a measurement Z of a relative pose T: SE2 (x, y, θ) + (σt n₁,
 * σt n₂, σr n₃), θ wrapped; SE3 t + σt n and R·Exp(σr n) (as the CLI's noisy
 * batches). The information matrix is diag(1/σt², …, 1/σr², …), so the
 * whitened residuals at the truth are standard normal and the expected final
 * cost is about ½·(d·edges − d·(poses − 1)).
 */
import { checkInteger, checkOptions, rangeError } from '../base/check.js';
import { SeededRandom } from '../base/random.js';
import { wrapAngle, type LieGroup } from '../geometry/lie-group.js';
import { SE2 } from '../geometry/se2.js';
import { SE3 } from '../geometry/se3.js';
import { SO3 } from '../geometry/so3.js';
import type { G2oGraph } from './g2o.js';

/** A generated pose graph: `graph.poses` is the drifting initial estimate, `truth` the poses it was made from. */
export interface SyntheticWorld {
  /** The graph: noisy measurements, and the drifting first guess as its poses. */
  graph: G2oGraph;
  /** The true poses (vertices × storage). */
  truth: Float64Array;
  /** Edges that are odometry (1) or loop closures (0), in edge order. */
  odometry: Uint8Array;
}

/** The noise and seed options of every generated world. */
export interface NoiseOptions {
  /** Seed of the noise and of the random choices (default 1). */
  seed?: number;
  /** Standard deviation of the translation noise, metres (default: per world). */
  translationNoise?: number;
  /** Standard deviation of the rotation noise, radians (default: per world). */
  rotationNoise?: number;
}

/** Options of {@link manhattanWorld}. */
export interface ManhattanOptions extends NoiseOptions {
  /** Number of poses (default 2000). */
  poses?: number;
  /** Side of the square city in blocks of 1 m (default ⌈√poses / 2⌉ + 2). */
  size?: number;
  /** Probability of turning left or right at a crossing (default 0.3). */
  turnProbability?: number;
  /** Probability that a revisit of a crossing gives a loop closure (default 0.6). */
  loopClosureProbability?: number;
}

/** Options of {@link sphereWorld}. */
export interface SphereOptions extends NoiseOptions {
  /** Rings of poses from pole to pole (default 25). */
  rings?: number;
  /** Poses per ring (default 100). */
  perRing?: number;
  /** Radius of the sphere, metres (default 10). */
  radius?: number;
}

/** Options of {@link gridWorld}. */
export interface GridOptions extends NoiseOptions {
  /** Poses along x, y and z (default [4, 8, 8]). */
  size?: readonly [number, number, number];
}

/**
 * A robot driving the streets of a square city (a "Manhattan world", as
 * Olson's M3500): 1 m steps along the grid, random turns at crossings,
 * odometry between consecutive poses and loop closures when it comes back to
 * a crossing it has seen. SE2. Noise defaults: σt = 0.05 m, σr = 0.02 rad.
 *
 * @example
 * ```ts
 * import { LevenbergMarquardt, manhattanWorld, poseGraphObjective } from 'ariadne';
 * const { graph } = manhattanWorld({ poses: 300, seed: 7 });
 * const result = new LevenbergMarquardt(poseGraphObjective(graph).objective).solve();
 * console.log(result.status[0], result.finalCost[0] < result.initialCost[0]); // converged true
 * ```
 */
export function manhattanWorld(options: ManhattanOptions = {}): SyntheticWorld {
  const fn = 'manhattanWorld';
  const o = checkOptions(fn, 'options', options, ['poses', 'size', 'turnProbability', 'loopClosureProbability', 'seed', 'translationNoise', 'rotationNoise']);
  const count = checkInteger(fn, 'options.poses', o.poses ?? 2000, 2, 1 << 22);
  const size = checkInteger(fn, 'options.size', o.size ?? Math.ceil(Math.sqrt(count) / 2) + 2, 2, 1 << 16);
  const turn = probability(fn, 'options.turnProbability', o.turnProbability ?? 0.3);
  const closure = probability(fn, 'options.loopClosureProbability', o.loopClosureProbability ?? 0.6);
  const noise = noiseOptions(fn, o, 0.05, 0.02);
  const random = new SeededRandom(noise.seed);

  // The walk: heading h ∈ {0, 1, 2, 3} (×90°) on integer crossings inside [0, size]².
  const truth = new Float64Array(count * 3);
  const steps = [
    [1, 0],
    [0, 1],
    [-1, 0],
    [0, -1],
  ] as const;
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x <= size && y <= size;
  let [x, y, h] = [0, 0, 0];
  const edges: [number, number, number][] = []; // from, to, odometry
  const visits = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      if (random.uniform() < turn) h = (h + (random.uniform() < 0.5 ? 1 : 3)) % 4;
      // At the city's edge, turn towards the inside (left or right; back only in a corner).
      for (const t of [0, 1, 3, 2]) {
        const k = (h + t) % 4;
        if (inside(x + steps[k]![0], y + steps[k]![1])) {
          h = k;
          break;
        }
      }
      x += steps[h]![0];
      y += steps[h]![1];
      edges.push([i - 1, i, 1]);
    }
    truth.set([x, y, wrapAngle((h * Math.PI) / 2)], i * 3);
    const cell = x * (size + 1) + y;
    const seen = visits.get(cell);
    if (seen === undefined) {
      visits.set(cell, [i]);
      continue;
    }
    const earlier = seen.filter((j) => j < i - 2);
    if (earlier.length > 0 && random.uniform() < closure) edges.push([earlier[random.int(0, earlier.length - 1)]!, i, 0]);
    seen.push(i);
  }
  return build('se2', truth, edges, noise, random);
}

/**
 * A robot circling a sphere ring after ring, from near one pole to near the
 * other (as the sphere2500 data set): odometry along the spiral and a loop
 * closure from every pose to the pose below it on the previous ring. SE3,
 * x forward along the ring, z out of the sphere. Noise defaults: σt = 0.05 m,
 * σr = 0.01 rad.
 */
export function sphereWorld(options: SphereOptions = {}): SyntheticWorld {
  const fn = 'sphereWorld';
  const o = checkOptions(fn, 'options', options, ['rings', 'perRing', 'radius', 'seed', 'translationNoise', 'rotationNoise']);
  const rings = checkInteger(fn, 'options.rings', o.rings ?? 25, 1, 1 << 12);
  const perRing = checkInteger(fn, 'options.perRing', o.perRing ?? 100, 3, 1 << 16);
  const radius = positive(fn, 'options.radius', o.radius ?? 10);
  const noise = noiseOptions(fn, o, 0.05, 0.01);
  const count = rings * perRing;
  const truth = new Float64Array(count * 7);
  const R = new Float64Array(9);
  const q = new Float64Array(4);
  for (let l = 0; l < rings; l++) {
    const polar = (Math.PI * (l + 1)) / (rings + 1);
    for (let k = 0; k < perRing; k++) {
      const azimuth = (2 * Math.PI * k) / perRing;
      // Columns: forward e (east), u × e, up u (the outward normal): right-handed.
      const u = [Math.sin(polar) * Math.cos(azimuth), Math.sin(polar) * Math.sin(azimuth), Math.cos(polar)];
      const e = [-Math.sin(azimuth), Math.cos(azimuth), 0];
      const v = [u[1]! * e[2]! - u[2]! * e[1]!, u[2]! * e[0]! - u[0]! * e[2]!, u[0]! * e[1]! - u[1]! * e[0]!];
      for (let r = 0; r < 3; r++) R.set([e[r]!, v[r]!, u[r]!], r * 3);
      SO3.fromMatrix(R, q);
      const i = l * perRing + k;
      truth.set([radius * u[0]!, radius * u[1]!, radius * u[2]!, ...q], i * 7);
    }
  }
  const edges: [number, number, number][] = [];
  for (let i = 1; i < count; i++) edges.push([i - 1, i, 1]);
  for (let i = perRing; i < count; i++) edges.push([i - perRing, i, 0]);
  return build('se3', truth, edges, noise, new SeededRandom(noise.seed));
}

/**
 * Poses on a 3D lattice with 1 m spacing (all facing the same way), visited
 * along a serpentine path (odometry), with loop closures between every other
 * pair of lattice neighbours. SE3; noise defaults σt = σr = 0.01.
 */
export function gridWorld(options: GridOptions = {}): SyntheticWorld {
  const fn = 'gridWorld';
  const o = checkOptions(fn, 'options', options, ['size', 'seed', 'translationNoise', 'rotationNoise']);
  const size = o.size ?? [4, 8, 8];
  if (!Array.isArray(size) || size.length !== 3) throw rangeError(fn, 'options.size', 'three poses counts [nx, ny, nz]', `${String(size)}`);
  const [nx, ny, nz] = size.map((s, k) => checkInteger(fn, `options.size[${k}]`, s, 1, 1 << 10)) as [number, number, number];
  if (nx * ny * nz < 2) throw rangeError(fn, 'options.size', 'at least two poses', `${nx}×${ny}×${nz}`);
  const noise = noiseOptions(fn, o, 0.01, 0.01);
  // Serpentine order: x fastest, reversing direction on every row and every layer, so consecutive poses are neighbours.
  const order: [number, number, number][] = [];
  for (let z = 0; z < nz; z++) {
    for (let j = 0; j < ny; j++) {
      const yy = z % 2 === 0 ? j : ny - 1 - j;
      for (let i = 0; i < nx; i++) order.push([(z * ny + j) % 2 === 0 ? i : nx - 1 - i, yy, z]);
    }
  }
  const index = new Map(order.map(([a, b, c], i) => [`${a},${b},${c}`, i]));
  const truth = new Float64Array(order.length * 7);
  order.forEach(([a, b, c], i) => truth.set([a, b, c, 0, 0, 0, 1], i * 7));
  const edges: [number, number, number][] = [];
  for (let i = 1; i < order.length; i++) edges.push([i - 1, i, 1]);
  order.forEach(([a, b, c], i) => {
    for (const [da, db, dc] of [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ] as const) {
      const j = index.get(`${a + da},${b + db},${c + dc}`);
      if (j !== undefined && Math.abs(i - j) !== 1) edges.push([Math.min(i, j), Math.max(i, j), 0]);
    }
  });
  return build('se3', truth, edges, noise, new SeededRandom(noise.seed));
}

interface Noise {
  seed: number;
  translation: number;
  rotation: number;
}

function noiseOptions(fn: string, o: Record<string, unknown>, translation: number, rotation: number): Noise {
  return {
    seed: checkInteger(fn, 'options.seed', o.seed ?? 1, 0, Number.MAX_SAFE_INTEGER),
    translation: positive(fn, 'options.translationNoise', o.translationNoise ?? translation),
    rotation: positive(fn, 'options.rotationNoise', o.rotationNoise ?? rotation),
  };
}

function positive(fn: string, arg: string, value: unknown): number {
  if (typeof value !== 'number' || !(Number.isFinite(value) && value > 0)) throw rangeError(fn, arg, 'a finite number > 0', `${String(value)}`);
  return value;
}

function probability(fn: string, arg: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw rangeError(fn, arg, 'a probability in [0, 1]', `${String(value)}`);
  return value;
}

/** Noisy measurements of the true relative poses, their information, and the chained-odometry initial estimate. */
function build(kind: 'se2' | 'se3', truth: Float64Array, edges: [number, number, number][], noise: Noise, random: SeededRandom): SyntheticWorld {
  const group: LieGroup = kind === 'se2' ? SE2 : SE3;
  const st = group.storage;
  const d = group.dof;
  const count = truth.length / st;
  const E = edges.length;
  const from = Int32Array.from(edges, (e) => e[0]);
  const to = Int32Array.from(edges, (e) => e[1]);
  const odometry = Uint8Array.from(edges, (e) => e[2]);
  const measurements = new Float64Array(E * st);
  const tangent = new Float64Array(3);
  const rotation = new Float64Array(4);
  for (let e = 0; e < E; e++) {
    const z = measurements.subarray(e * st, (e + 1) * st);
    group.between(truth.subarray(from[e]! * st, (from[e]! + 1) * st), truth.subarray(to[e]! * st, (to[e]! + 1) * st), z);
    if (kind === 'se2') {
      z[0]! += noise.translation * random.normal();
      z[1]! += noise.translation * random.normal();
      z[2]! += noise.rotation * random.normal();
    } else {
      for (let c = 0; c < 3; c++) z[c]! += noise.translation * random.normal();
      for (let c = 0; c < 3; c++) tangent[c] = noise.rotation * random.normal();
      SO3.compose(z.subarray(3, 7), SO3.exp(tangent, rotation), z.subarray(3, 7));
    }
  }
  group.normalize(measurements, measurements);

  // Ω = diag(1/σt², …, 1/σr², …), upper triangle row-major.
  const packed = (d * (d + 1)) / 2;
  const information = new Float64Array(E * packed);
  for (let e = 0; e < E; e++) {
    let p = e * packed;
    for (let a = 0; a < d; a++) {
      const sigma = kind === 'se2' ? (a < 2 ? noise.translation : noise.rotation) : a < 3 ? noise.translation : noise.rotation;
      information[p] = 1 / (sigma * sigma);
      p += d - a;
    }
  }

  // The initial estimate: the first pose true, then each pose by its odometry edge from the previous one.
  const poses = new Float64Array(truth.length);
  poses.set(truth.subarray(0, st));
  for (let e = 0; e < E; e++) {
    if (!odometry[e]) continue;
    const [a, b] = [from[e]!, to[e]!];
    group.compose(poses.subarray(a * st, (a + 1) * st), measurements.subarray(e * st, (e + 1) * st), poses.subarray(b * st, (b + 1) * st));
  }
  group.normalize(poses, poses);

  const graph: G2oGraph = {
    kind,
    ids: Int32Array.from({ length: count }, (_, i) => i),
    poses,
    from,
    to,
    measurements,
    information,
    fixed: Int32Array.of(0),
    hasVertices: true,
    skipped: {},
    nonPositiveDefinite: 0,
  };
  return { graph, truth: group.normalize(truth), odometry };
}
