import { NormalEquations, buildInfo } from '../../lib/index.js';
import { LinearSystem } from '../../lib/linear/linear-system.js';
import { nativeBinding } from '../../lib/native/binding.js';
import { SeededRandom } from '../../lib/base/random.js';
import { blockPattern, denseA, denseSolve, normalDiagonal, relativeError } from '../helpers/problems.js';

describe('NormalEquations options: the damping bounds and the kinds', () => {
  const B = 2;
  const pattern = blockPattern(12, 3, 10, 4, 9);

  test('the damping bounds default to 1e-6 and 1e32 and are reported by info()', () => {
    expect(new NormalEquations(pattern, B).info).toMatchObject({ minDiagonal: 1e-6, maxDiagonal: 1e32 });
    const Native = nativeBinding().NormalEquations;
    expect(new Native(pattern, B, { minDiagonal: 0.5, maxDiagonal: 2 }).info()).toMatchObject({ minDiagonal: 0.5, maxDiagonal: 2 });
    expect(new NormalEquations(pattern, B, { minDiagonal: 1e-3 }).info).toMatchObject({ minDiagonal: 1e-3, maxDiagonal: 1e32 });
  });

  for (const kind of ['dense', 'sparse'] as const) {
    test(`'diagonal' damping in factor and step is clamp(diag A, minDiagonal, maxDiagonal) (${kind})`, () => {
      const rng = new SeededRandom(5);
      const j = rng.normals(B * pattern.rows.length);
      const r = rng.normals(B * pattern.m);
      const lambda = Float64Array.from([0.3, 2]);
      // Bounds inside diag A's range, so that both bite.
      const diagonal = normalDiagonal(pattern, j.subarray(0, pattern.rows.length));
      const sorted = Array.from(diagonal).sort((a, b) => a - b);
      const lo = sorted[Math.floor(sorted.length / 4)]!;
      const hi = sorted[Math.floor((3 * sorted.length) / 4)]!;
      const ne = new NormalEquations(pattern, B, { kind, minDiagonal: lo, maxDiagonal: hi });
      const { gradient } = ne.linearize(j, r);
      ne.factor(lambda, 'diagonal');
      const x = ne.solve(gradient);
      const n = pattern.n;
      for (let b = 0; b < B; b++) {
        const jb = j.subarray(b * pattern.rows.length, (b + 1) * pattern.rows.length);
        const d = normalDiagonal(pattern, jb).map((a) => Math.min(Math.max(a, lo), hi));
        const expected = denseSolve(denseA(pattern, jb, lambda[b]!, d), gradient.subarray(b * n, (b + 1) * n));
        expect(relativeError(x.subarray(b * n, (b + 1) * n), expected)).toBeLessThan(1e-10);
      }
      // step damps as factor does: its step is −solve, to the bit.
      const step = new LinearSystem(pattern, B, { kind, minDiagonal: lo, maxDiagonal: hi }).step(j, r, undefined, lambda, 'diagonal');
      expect(Array.from(step.step)).toEqual(Array.from(x, (v) => -v));
      // Other bounds, other numbers.
      const defaults = new NormalEquations(pattern, B, { kind });
      defaults.linearize(j, r);
      defaults.factor(lambda, 'diagonal');
      expect(relativeError(defaults.solve(gradient), x)).toBeGreaterThan(1e-6);
    });
  }

  test("the addon's table of kinds: buildInfo().kinds, accepted by options.kind, reported by info().kind, listed by the error", () => {
    const { kinds } = buildInfo();
    expect(kinds).toEqual(['dense', 'sparse']);
    const Native = nativeBinding().NormalEquations;
    for (const kind of kinds) expect(new Native(pattern, 1, { kind: kind as 'dense' }).info().kind).toBe(kind);
    const listed = ["'auto'", ...kinds.map((k) => `'${k}'`)];
    const names = `${listed.slice(0, -1).join(', ')} or ${listed[listed.length - 1]}`;
    expect(() => new Native(pattern, 1, { kind: 'schur' as 'dense' })).toThrow(`NormalEquations: 'options.kind' must be ${names}, got 'schur'`);
  });
});

// CHOLMOD's OpenMP loops run on one thread per factorisation, set per call
// on the calling thread (native/tests/normal_equations_test.cc counts the
// threads): what a factorisation sees, as reported to Node.
test('factorisations run with an OpenMP limit of one', () => {
  const info = buildInfo();
  if (info.cholmod) expect(info.openmpThreadLimit).toBe(1);
});
