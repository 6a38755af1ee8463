import { LinearSystem } from '../../lib/linear/linear-system.js';
import type { JacobianPattern, NormalPattern } from '../../lib/native/binding.js';
import { SeededRandom } from '../../lib/base/random.js';
import { blockPattern, denseA, denseSolve, relativeError } from '../helpers/problems.js';

// factor's additive symmetric term E in A's pattern (exact Hessians:
// H = JᵀJ + second-order terms), placed through normalPattern().
describe('NormalEquations factor with an extra term', () => {
  const B = 3;

  /** Dense row-major E of one element from its values in the slots of A's upper triangle. */
  function denseE(np: NormalPattern, n: number, values: Float64Array): Float64Array {
    const e = new Float64Array(n * n);
    for (let c = 0; c < n; c++) {
      for (let s = np.colStart[c]!; s < np.colStart[c + 1]!; s++) {
        const r = np.rowIndex[s]!;
        e[r * n + c] = e[c * n + r] = values[s]!;
      }
    }
    return e;
  }

  function problem(kind: 'dense' | 'sparse') {
    const pattern: JacobianPattern = blockPattern(kind === 'dense' ? 8 : 40, 3, 20, 5, 4);
    const rng = new SeededRandom(31);
    return { pattern, j: rng.normals(B * pattern.rows.length), r: rng.normals(B * pattern.m), rng };
  }

  for (const kind of ['dense', 'sparse'] as const) {
    test(`normalPattern gives A's upper triangle, rows sorted, the diagonal last (${kind})`, () => {
      const { pattern } = problem(kind);
      const ne = new LinearSystem(pattern, B, { kind });
      const np = ne.normalPattern();
      // By name: arrays made by the addon belong to the main realm, not jest's.
      expect(np.colStart.constructor.name).toBe('Int32Array');
      expect(np.rowIndex.constructor.name).toBe('Int32Array');
      expect(np.colStart.length).toBe(pattern.n + 1);
      expect(np.colStart[0]).toBe(0);
      expect(np.rowIndex.length).toBe(ne.info.normalNonzeros);
      expect(np.colStart[pattern.n]).toBe(ne.info.normalNonzeros);
      // Exactly the pairs (r ≤ c) that some row of J couples.
      const coupled = new Set<number>();
      const rows = new Map<number, number[]>();
      for (let q = 0; q < pattern.rows.length; q++) rows.set(pattern.rows[q]!, [...(rows.get(pattern.rows[q]!) ?? []), pattern.cols[q]!]);
      for (const cols of rows.values()) for (const a of cols) for (const b of cols) if (a <= b) coupled.add(a * pattern.n + b);
      for (let c = 0; c < pattern.n; c++) coupled.add(c * pattern.n + c);
      const listed = new Set<number>();
      for (let c = 0; c < pattern.n; c++) {
        const column = Array.from(np.rowIndex.subarray(np.colStart[c], np.colStart[c + 1]));
        expect(column).toEqual([...column].sort((a, b) => a - b));
        expect(column[column.length - 1]).toBe(c);
        for (const r of column) listed.add(r * pattern.n + c);
      }
      expect(listed).toEqual(coupled);
      ne.dispose();
    });

    test(`factors (A + E) + λ clamp(diag(A + E)) against a dense reference; an indefinite A + E fails alone (${kind})`, async () => {
      const { pattern, j, r, rng } = problem(kind);
      const ne = new LinearSystem(pattern, B, { kind });
      const np = ne.normalPattern();
      const count = np.rowIndex.length;
      const n = pattern.n;
      // Random symmetric E: element 0 small, element 1 diagonally dominant, element 2 with one diagonal entry far below −A_cc.
      const extra = rng.normals(B * count);
      for (let s = 0; s < count; s++) extra[s]! *= 1e-3;
      const dominance = new Float64Array(n);
      for (let c = 0; c < n; c++) {
        for (let s = np.colStart[c]!; s < np.colStart[c + 1]! - 1; s++) {
          dominance[c]! += Math.abs(extra[count + s]!);
          dominance[np.rowIndex[s]!]! += Math.abs(extra[count + s]!);
        }
      }
      for (let c = 0; c < n; c++) extra[count + np.colStart[c + 1]! - 1] = dominance[c]!;
      extra[2 * count + np.colStart[2]! - 1] = -1e6; // column 1's diagonal
      const lambda = Float64Array.from([1e-2, 0.5, 0]);
      const { gradient } = ne.linearize(j, r);
      const f = ne.factor(lambda, 'diagonal', extra);
      expect(Array.from(f.ok)).toEqual([1, 1, 0]);
      expect(f.reason[2]).toMatch(/^not positive definite \(pivot of column \d+\)$/);
      const x = ne.solve(gradient);
      for (let b = 0; b < 2; b++) {
        const jb = j.subarray(b * pattern.rows.length, (b + 1) * pattern.rows.length);
        const m = denseA(pattern, jb, 0, new Float64Array(n));
        const e = denseE(np, n, extra.subarray(b * count, (b + 1) * count));
        for (let i = 0; i < n * n; i++) m[i]! += e[i]!;
        for (let c = 0; c < n; c++) m[c * n + c]! += lambda[b]! * Math.min(Math.max(m[c * n + c]!, 1e-6), 1e32);
        const expected = denseSolve(m, gradient.subarray(b * n, (b + 1) * n));
        expect(relativeError(x.subarray(b * n, (b + 1) * n), expected)).toBeLessThan(1e-10);
      }
      expect(x.subarray(2 * n).every(Number.isNaN)).toBe(true);
      // factorAsync and begin take it too, to the bit; the next factor without it is A's again.
      const other = new LinearSystem(pattern, B, { kind });
      other.linearize(j, r);
      expect(await other.factorAsync(lambda, 'diagonal', extra)).toEqual(f);
      expect(other.solve(gradient)).toEqual(x);
      other.begin([['factor', lambda, 'diagonal', extra]]);
      expect(other.end()).toEqual([f]);
      const plain = new LinearSystem(pattern, B, { kind });
      plain.linearize(j, r);
      plain.factor(lambda, 'diagonal');
      other.factor(lambda, 'diagonal');
      expect(other.solve(gradient)).toEqual(plain.solve(gradient));
      for (const h of [ne, other, plain]) h.dispose();
    });
  }

  test('BAD CALL - extra of the wrong type or length, or not finite where an element is active', () => {
    const { pattern, j, r } = problem('sparse');
    const ne = new LinearSystem(pattern, B);
    const count = ne.info.normalNonzeros;
    const lambda = new Float64Array(B);
    ne.linearize(j, r, Uint8Array.from([1, 0, 1]));
    const bad = (extra: unknown, name: string, message: string) =>
      expect(() => ne.factor(lambda, 'diagonal', extra as Float64Array)).toThrow(expect.objectContaining({ name, message }));
    bad(new Float32Array(B * count), 'TypeError', "NormalEquations.factor: 'extra' must be a Float64Array, got Float32Array");
    bad(
      new Float64Array(count),
      'RangeError',
      `NormalEquations.factor: 'extra' must be of length ${B * count} (batch ${B} × normalNonzeros ${count}), got length ${count}`,
    );
    const extra = new Float64Array(B * count);
    extra[2 * count + 5] = Infinity;
    bad(extra, 'RangeError', "NormalEquations.factor: 'extra' must be finite, got Infinity at batch element 2, index 5");
    // Element 1 is inactive: its values are not read.
    extra[2 * count + 5] = 0;
    extra[count + 1] = NaN;
    expect(Array.from(ne.factor(lambda, 'diagonal', extra).ok)).toEqual([1, 0, 1]);
    ne.dispose();
    expect(() => ne.normalPattern()).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE', message: 'NormalEquations.normalPattern: the handle has been disposed' }),
    );
  });
});
