import { LinearSystem } from '../../lib/linear/linear-system.js';
import type { StepResult } from '../../lib/native/binding.js';
import { SeededRandom } from '../../lib/base/random.js';
import { blockPattern } from '../helpers/problems.js';

// stepAsync: step off the event loop, the same numbers to the bit.
describe('NormalEquations stepAsync', () => {
  const B = 5;

  function problem(kind: 'dense' | 'sparse') {
    const pattern = blockPattern(kind === 'dense' ? 20 : 200, 6, 60, 10, 11);
    const rng = new SeededRandom(17);
    const j = rng.normals(B * pattern.rows.length);
    const r = rng.normals(B * pattern.m);
    j.fill(0, 4 * pattern.rows.length); // element 4: J = 0, not positive definite undamped
    return { pattern, j, r, lambda: Float64Array.from([1e-3, 1e-1, 1, 1e-2, 0]) };
  }

  /** The fields of a step result as bytes, so that equality is to the bit (NaN and −0 included). */
  function bits(result: StepResult) {
    const bytes = (a: Float64Array | Uint8Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return {
      gradient: bytes(result.gradient),
      squaredNorm: bytes(result.squaredNorm),
      step: bytes(result.step),
      jy: bytes(result.jy),
      ok: Array.from(result.ok),
      reason: result.reason,
      keys: Object.keys(result),
    };
  }

  for (const kind of ['dense', 'sparse'] as const) {
    for (const active of [undefined, Uint8Array.from([1, 0, 1, 1, 1]), Uint8Array.from([0, 1, 0, 0, 1])]) {
      test(`equals step field by field, bitwise (${kind}, active ${active ? Array.from(active).join('') : 'all'})`, async () => {
        const { pattern, j, r, lambda } = problem(kind);
        const sync = new LinearSystem(pattern, B, { kind });
        const async = new LinearSystem(pattern, B, { kind });
        for (const mode of ['diagonal', 'identity'] as const) {
          const expected = sync.step(j, r, active, lambda, mode);
          const got = await async.stepAsync(j, r, active, lambda, mode);
          expect(bits(got)).toEqual(bits(expected));
        }
        // The non-positive-definite element failed alone, with a reason.
        const last = await async.stepAsync(j, r, active, lambda, 'diagonal');
        if (active === undefined || active[4] === 1) expect(last.reason[4]).toMatch(/^not positive definite/);
        expect(async.factorizationCount).toBe(sync.factorizationCount + (active ? active.reduce((s, a) => s + a, 0) : B));
        // As after step: J kept for jv; no factor kept (the CPU core).
        const v = new SeededRandom(3).normals(B * pattern.n);
        expect(async.jv(v)).toEqual(sync.jv(v));
        expect(() => async.solve(v)).toThrow(/^NormalEquations.solve: call factor before solve$/);
        sync.dispose();
        async.dispose();
      });
    }
  }

  test('copies its inputs when called and marks the handle busy until it settles', async () => {
    const { pattern, j, r, lambda } = problem('sparse');
    const reference = new LinearSystem(pattern, B).step(j, r, undefined, lambda, 'diagonal');
    const ne = new LinearSystem(pattern, B);
    const jValues = j.slice();
    const pending = ne.stepAsync(jValues, r, undefined, lambda, 'diagonal');
    jValues.fill(0);
    expect(() => ne.linearize(j, r)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_STATE',
        message: 'NormalEquations.linearize: the handle is busy with NormalEquations.stepAsync; await it before the next call',
      }),
    );
    expect(bits(await pending)).toEqual(bits(reference));
    expect(ne.linearize(j, r).squaredNorm.length).toBe(B);
    ne.dispose();
  });

  test('BAD CALL - stepAsync: its errors name stepAsync, as TypeError, RangeError or a rejection', async () => {
    const { pattern, j, r, lambda } = problem('dense');
    const ne = new LinearSystem(pattern, B);
    expect(() => ne.stepAsync(j, r, undefined, lambda, 'lm' as never)).toThrow(
      /^NormalEquations.stepAsync: 'mode' must be 'diagonal' or 'identity', got 'lm'$/,
    );
    expect(() => ne.stepAsync(Array.from(j) as never, r, undefined, lambda, 'diagonal')).toThrow(
      expect.objectContaining({ name: 'TypeError', message: "NormalEquations.stepAsync: 'jValues' must be a Float64Array, got an Array" }),
    );
    // Lengths and values are checked by the core on the worker: the promise rejects, named after stepAsync.
    await expect(ne.stepAsync(j, r, undefined, lambda.subarray(1), 'diagonal')).rejects.toThrow(
      expect.objectContaining({ name: 'RangeError', message: "NormalEquations.stepAsync: 'lambda' must be of length 5 (batch 5 × 1 1), got length 4" }),
    );
    const bad = j.slice();
    bad[7] = NaN;
    await expect(ne.stepAsync(bad, r, undefined, lambda, 'diagonal')).rejects.toThrow(
      expect.objectContaining({ name: 'RangeError', message: "NormalEquations.stepAsync: 'jValues' must be finite, got NaN at batch element 0, index 7" }),
    );
    ne.dispose();
    expect(() => ne.stepAsync(j, r, undefined, lambda, 'diagonal')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE', message: 'NormalEquations.stepAsync: the handle has been disposed' }),
    );
  });
});
