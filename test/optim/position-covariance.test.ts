// positionCovariances: world-frame position covariances from covariance()
// blocks. Checked by sampling (δ ~ N(0, Σ), retract, the positions' sample
// covariance) in both update frames, and by the frame invariance of the
// linearised covariance on solved pose graphs.
import {
  LevenbergMarquardt,
  SE2,
  SE3,
  SO3,
  SeededRandom,
  Variable,
  covariance,
  manhattanWorld,
  poseGraphObjective,
  positionCovariances,
  sphereWorld,
  type G2oGraph,
  type LieGroup,
} from '../../lib/index.js';

/** L with L Lᵀ = S (n × n, positive definite). */
function cholesky(S: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = S[j * n + j]!;
    for (let k = 0; k < j; k++) d -= L[j * n + k]! ** 2;
    L[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = S[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = s / L[j * n + j]!;
    }
  }
  return L;
}

/** A dof × dof covariance with correlated, anisotropic translation and rotation: (σ · M)(σ · M)ᵀ, M fixed. */
function tangentCovariance(dof: number, sigma: number): Float64Array {
  const random = new SeededRandom(7);
  const M = Float64Array.from({ length: dof * dof }, (_, k) => (k % (dof + 1) === 0 ? 1 + 2 * (k / dof) : 0.6 * random.normal()));
  const S = new Float64Array(dof * dof);
  for (let i = 0; i < dof; i++)
    for (let j = 0; j < dof; j++) for (let k = 0; k < dof; k++) S[i * dof + j]! += sigma * sigma * M[i * dof + k]! * M[j * dof + k]!;
  return S;
}

/** The sample covariance of the positions of x ⊕ δ, δ = L z, z ~ N(0, I), in the given frame. */
function sampledPositions(group: LieGroup, x: Float64Array, S: Float64Array, frame: 'body' | 'world', samples: number): Float64Array {
  const { dof, storage } = group;
  const d = storage === 3 ? 2 : 3;
  const L = cholesky(S, dof);
  const random = new SeededRandom(11);
  const delta = new Float64Array(samples * dof);
  for (let s = 0; s < samples; s++) {
    const z = random.normals(dof);
    for (let i = 0; i < dof; i++) for (let k = 0; k <= i; k++) delta[s * dof + i]! += L[i * dof + k]! * z[k]!;
  }
  const tiled = new Float64Array(samples * storage);
  for (let s = 0; s < samples; s++) tiled.set(x, s * storage);
  const moved = new Float64Array(samples * storage);
  if (frame === 'body') group.retract(tiled, delta, moved);
  else group.worldFrame!.retract(tiled, delta, moved);
  const mean = new Float64Array(d);
  for (let s = 0; s < samples; s++) for (let i = 0; i < d; i++) mean[i]! += moved[s * storage + i]! / samples;
  const C = new Float64Array(d * d);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) C[i * d + j]! += ((moved[s * storage + i]! - mean[i]!) * (moved[s * storage + j]! - mean[j]!)) / (samples - 1);
  }
  return C;
}

const relative = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0) / Math.max(...Array.from(b, Math.abs));

describe('positionCovariances', () => {
  // Poses turned well away from the identity, so that R Σ_ρρ Rᵀ and Σ_ρρ differ.
  const poses: [string, LieGroup, Float64Array][] = [
    ['SE2', SE2, Float64Array.of(2, -1, 2.2)],
    ['SE3', SE3, SE3.fromRotationTranslation(SO3.exp(Float64Array.of(0.9, -1.4, 0.6)), Float64Array.of(3, 1, -2))],
  ];
  describe.each(poses)('%s: the sample covariance of retracted positions matches (σ = 0.01)', (_name, group, x) => {
    test.each(['body', 'world'] as const)("tangent '%s'", (frame) => {
      const variable = new Variable('poses', group, x, { tangent: frame });
      const S = tangentCovariance(group.dof, 0.01);
      const expected = positionCovariances(variable, x, [S]);
      const sampled = sampledPositions(group, x, S, frame, 40000);
      expect(relative(sampled, expected)).toBeLessThan(0.03);
      // The other frame's formula is far off: the check can tell them apart.
      const other = positionCovariances(new Variable('poses', group, x, { tangent: frame === 'body' ? 'world' : 'body' }), x, [S]);
      expect(relative(sampled, other)).toBeGreaterThan(0.3);
    });
  });

  // Σ_t = J_t A⁻¹ J_tᵀ is the same whichever frame the update δ is in (A and J_t change together).
  const graphs: [string, G2oGraph][] = [
    ['SE2 (manhattanWorld)', manhattanWorld({ poses: 30, seed: 2 }).graph],
    ['SE3 (sphereWorld)', sphereWorld({ rings: 3, perRing: 8, seed: 2 }).graph],
  ];
  test.each(graphs)("%s: 'body' and 'world' tangents give the same position covariances", (_name, graph) => {
    const positions = (tangent: 'body' | 'world') => {
      const { objective, poses: variable } = poseGraphObjective(graph, { tangent });
      const result = new LevenbergMarquardt(objective, { functionTolerance: 1e-14, parameterTolerance: 1e-14, gradientTolerance: 1e-14 }).solve();
      const free = Array.from({ length: variable.count - 1 }, (_, i) => i + 1);
      const { blocks } = covariance(
        objective,
        result,
        free.map((element) => ({ variable: 'poses', element })),
      );
      return positionCovariances(variable, result.values('poses', 0), blocks[0]!, free);
    };
    const world = positions('world');
    expect(relative(positions('body'), world)).toBeLessThan(1e-6);
    // Symmetric, as returned.
    const d = graph.kind === 'se2' ? 2 : 3;
    for (let k = 0; k < world.length; k += d * d)
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(world[k + i * d + j]).toBe(world[k + j * d + i]);
  });

  describe('BAD CALL', () => {
    const se2 = new Variable('poses', SE2, new Float64Array(9));
    const block = new Float64Array(9);
    const cases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
      ['not a Variable', () => positionCovariances({} as never, new Float64Array(9), [block]), TypeError, /'variable' must be a Variable, got an object$/],
      [
        'a variable of rotations',
        () => positionCovariances(new Variable('r', SO3, SO3.identity(1)), SO3.identity(1), [block]),
        RangeError,
        /'variable' must be a variable of SE2 or SE3 poses, got one of SO3$/,
      ],
      [
        'poses of every batch element',
        () => positionCovariances(se2, new Float64Array(18), [block]),
        RangeError,
        /'poses' must be of length 9 \(count 3 × storage 3: one batch element\), got length 18$/,
      ],
      [
        'blocks not an array',
        () => positionCovariances(se2, new Float64Array(9), block as never),
        TypeError,
        /'blocks' must be an array of Float64Array blocks, got Float64Array$/,
      ],
      [
        'a block of the wrong size',
        () => positionCovariances(se2, new Float64Array(9), [block, new Float64Array(4)]),
        RangeError,
        /'blocks\[1\]' must be of length 9 \(dof 3 × 3\), got length 4$/,
      ],
      [
        'fewer elements than blocks',
        () => positionCovariances(se2, new Float64Array(9), [block, block], [1]),
        RangeError,
        /'elements' must be one index per block \(2\), got 1$/,
      ],
      [
        'an element out of range',
        () => positionCovariances(se2, new Float64Array(9), [block], [3]),
        RangeError,
        /'elements\[0\]' must be an integer in \[0, 2\], got 3$/,
      ],
    ];
    test.each(cases)('%s', (_name, call, error, message) => {
      expect(call).toThrow(error);
      expect(call).toThrow(message);
      expect(call).toThrow(/^positionCovariances: /);
    });
  });
});
