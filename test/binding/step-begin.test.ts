import { NormalEquations } from '../../lib/index.js';
import { LinearSystem } from '../../lib/linear/linear-system.js';
import type { DeferredCall, StepResult } from '../../lib/native/binding.js';
import { blockPattern } from '../helpers/problems.js';
import { SeededRandom } from '../../lib/base/random.js';

// The binding-level calls the optimisers use: step (linearize, factor and
// solve in one call), begin/end (calls on a thread of their own) and the
// symbolic analysis in the background.
describe('NormalEquations step, begin and end', () => {
  const B = 5;
  const active = Uint8Array.from([1, 1, 0, 1, 1]);

  function problem(kind: 'dense' | 'sparse') {
    const pattern = blockPattern(kind === 'dense' ? 20 : 200, 6, 60, 10, 1);
    const rng = new SeededRandom(7);
    const j = rng.normals(B * pattern.rows.length);
    const r = rng.normals(B * pattern.m);
    // Element 4 cannot be factored without damping: its J is zero.
    j.fill(0, 4 * pattern.rows.length);
    const lambda = Float64Array.from([1e-3, 1e-1, 1, 0, 0]);
    return { pattern, j, r, lambda };
  }

  for (const kind of ['dense', 'sparse'] as const) {
    test(`step equals linearize, factor and solve (${kind})`, () => {
      const { pattern, j, r, lambda } = problem(kind);
      const reference = new NormalEquations(pattern, B, { kind });
      const lin = reference.linearize(j, r, active);
      const factor = reference.factor(lambda, 'diagonal');
      const expected = reference.solve(lin.gradient);
      const ne = new LinearSystem(pattern, B, { kind });
      const step = ne.step(j, r, active, lambda, 'diagonal');
      expect(step.gradient).toEqual(lin.gradient);
      expect(step.squaredNorm).toEqual(lin.squaredNorm);
      expect(Array.from(step.ok)).toEqual([1, 1, 0, 1, 0]);
      expect(step.reason[4]).toMatch(/not positive definite/);
      expect(step.reason.slice(0, 4)).toEqual([null, null, expect.any(String), null]);
      // The Newton step −(A + λD)⁻¹g, and J times it.
      const minus = expected.map((v) => (Number.isNaN(v) ? 0 : -v)); // NaN: elements 2 and 4, not factored
      const jy = reference.jv(minus);
      for (const b of [0, 1, 3]) {
        const { n, m } = pattern;
        expect(Array.from(step.step.subarray(b * n, (b + 1) * n))).toEqual(Array.from(minus.subarray(b * n, (b + 1) * n)));
        expect(Array.from(step.jy.subarray(b * m, (b + 1) * m))).toEqual(Array.from(jy.subarray(b * m, (b + 1) * m)));
      }
      // Inactive and failed elements get NaN steps.
      expect(step.step.subarray(2 * pattern.n, 3 * pattern.n).every(Number.isNaN)).toBe(true);
      expect(step.step.subarray(4 * pattern.n).every(Number.isNaN)).toBe(true);
      // J is kept for jv; A and the factor are not (the CPU core).
      const v = new SeededRandom(3).normals(B * pattern.n);
      expect(ne.jv(v)).toEqual(reference.jv(v));
      expect(() => ne.factor(lambda, 'diagonal')).toThrow(/^NormalEquations.factor: call linearize before factor$/);
      expect(() => ne.solve(v)).toThrow(/^NormalEquations.solve: call factor before solve$/);
      ne.linearize(j, r, active);
      expect(ne.factor(lambda, 'diagonal')).toEqual(factor);
      ne.dispose();
      reference.dispose();
    });
  }

  test.each(['dense', 'sparse'] as const)('elements stepped, then left inactive, have no factor to solve with (%s)', (kind) => {
    // The CPU core's step keeps no factor; a solve read a missing one (dense: a null factor, SIGSEGV).
    const { pattern, j, r, lambda } = problem(kind);
    const ne = new LinearSystem(pattern, B, { kind });
    ne.step(j, r, undefined, lambda, 'diagonal');
    ne.linearize(j, r, Uint8Array.from([0, 1, 1, 1, 1]));
    const factor = ne.factor(lambda, 'diagonal');
    expect(factor.ok[0]).toBe(0);
    expect(factor.reason[0]).toBe('not factored since the last step');
    const x = ne.solve(new SeededRandom(8).normals(B * pattern.n));
    expect(x.subarray(0, pattern.n).every(Number.isNaN)).toBe(true);
    expect(x.subarray(pattern.n, 2 * pattern.n).some(Number.isNaN)).toBe(false);
    ne.dispose();
  });

  test('begin runs its calls in order on another thread; end returns their results', () => {
    const { pattern, j, r, lambda } = problem('sparse');
    const reference = new NormalEquations(pattern, B);
    const lin = reference.linearize(j, r, active);
    const factor = reference.factor(lambda, 'diagonal');
    const rhs = new SeededRandom(5).normals(B * pattern.n);
    const solved = reference.solve(rhs);
    const ne = new LinearSystem(pattern, B);
    const out = new Float64Array(B * pattern.n);
    ne.begin([
      ['linearize', j, r, active, undefined],
      ['factor', lambda, 'diagonal'],
      ['solve', rhs, 1, out],
    ]);
    expect(() => ne.jv(rhs)).toThrow(/^NormalEquations.jv: the handle is busy with NormalEquations.begin/);
    const [l, f, s] = ne.end();
    expect(l).toEqual(lin);
    expect(f).toEqual(factor);
    expect(s).toBe(out);
    expect(out).toEqual(solved);
    ne.begin([['step', j, r, active, lambda, 'diagonal', undefined]]);
    const [step] = ne.end() as [StepResult];
    expect(step.gradient).toEqual(lin.gradient);
    ne.dispose();
    reference.dispose();
  });

  test('begin checks every call before running any; errors of a running call come from end', () => {
    const { pattern, j, r, lambda } = problem('sparse');
    const ne = new LinearSystem(pattern, B);
    expect(() => ne.begin('linearize' as never)).toThrow(/^NormalEquations.begin: 'calls' must be an array of \[op, ...arguments\] arrays, got a string$/);
    expect(() => ne.begin([])).toThrow(/^NormalEquations.begin: 'calls' must be a non-empty array, got an empty one$/);
    // A sparse array is read up to its first hole.
    expect(() => ne.begin(Object.assign([], { length: 2 ** 32 - 1 }))).toThrow(
      /^NormalEquations.begin: 'calls\[0\]' must be an array \[op, ...arguments\], got undefined$/,
    );
    expect(() => ne.begin([['nope' as 'factor', lambda, 'diagonal']])).toThrow(
      /^NormalEquations.begin: 'calls\[0\]\[0\]' must be 'linearize', 'factor', 'solve' or 'step', got 'nope'$/,
    );
    expect(() =>
      ne.begin([
        ['linearize', j, r, active, undefined],
        ['solve', [1, 2] as never, 1, undefined],
      ]),
    ).toThrow(/^NormalEquations.solve: 'rhs' must be a Float64Array, got an Array$/);
    // Nothing ran: factor still needs a linearize.
    expect(() => ne.factor(lambda, 'diagonal')).toThrow(/call linearize before factor/);
    expect(() => ne.end()).toThrow(/^NormalEquations.end: no call was begun$/);
    // A state error inside the thread surfaces at end, and the handle is usable after.
    ne.begin([['factor', lambda, 'diagonal']]);
    expect(() => ne.end()).toThrow(/^NormalEquations.factor: call linearize before factor$/);
    expect(ne.linearize(j, r).squaredNorm.length).toBe(B);
    ne.dispose();
  });

  test('begin copies its inputs when called; end copies the results into the out arrays', () => {
    const { pattern, j, r } = problem('sparse');
    const reference = new NormalEquations(pattern, B);
    const lin = reference.linearize(j, r, active);
    const ne = new LinearSystem(pattern, B);
    const jValues = j.slice();
    const out = { gradient: new Float64Array(B * pattern.n).fill(7), squaredNorm: new Float64Array(B).fill(7) };
    ne.begin([['linearize', jValues, r, active, out]]);
    jValues.fill(0);
    // The thread writes memory of the handle's own; the out arrays change at end.
    expect(out.gradient.every((v) => v === 7)).toBe(true);
    const [result] = ne.end() as [typeof out];
    expect(result.gradient).toBe(out.gradient);
    expect(result.squaredNorm).toBe(out.squaredNorm);
    expect(out).toEqual(lin);
    ne.dispose();
    reference.dispose();
  });

  test("BAD CALL - begin: an input that shares memory with an earlier call's out (it would not see that call's results)", () => {
    const { pattern, j, r, lambda } = problem('sparse');
    const ne = new LinearSystem(pattern, B);
    const out = { gradient: new Float64Array(B * pattern.n), squaredNorm: new Float64Array(B) };
    const calls: DeferredCall[] = [
      ['linearize', j, r, undefined, out],
      ['factor', lambda, 'diagonal'],
      ['solve', out.gradient, 1, undefined],
    ];
    expect(() => ne.begin(calls)).toThrow(
      expect.objectContaining({
        name: 'RangeError',
        message:
          "NormalEquations.solve: 'rhs' must be an array that shares no memory with the results of an earlier call (begin copies its inputs when called), got one that does",
      }),
    );
    ne.dispose();
  });

  test('begin keeps no unknown op names (it checks a name before keeping it)', () => {
    const ne = new LinearSystem(problem('dense').pattern, B);
    const long = 'x'.repeat(100_000);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 1000; i++) {
      // A name of 100 kB each (kept, they took 100 MB).
      expect(() => ne.begin([[`${long}${i}` as 'factor', new Float64Array(B), 'diagonal']])).toThrow(
        /^NormalEquations.begin: 'calls\[0\]\[0\]' must be 'linearize', 'factor', 'solve' or 'step', got 'x+\d+'$/,
      );
    }
    expect((process.memoryUsage().rss - before) / 2 ** 20).toBeLessThan(32);
    ne.dispose();
  });

  test('a handle built in the background gives the same numbers; its construction errors come from its first call', () => {
    const { pattern, j, r, lambda } = problem('sparse');
    const reference = new NormalEquations(pattern, B);
    const background = new LinearSystem(pattern, B, { background: true });
    expect(background.info).toEqual(reference.info);
    expect(background.linearize(j, r)).toEqual(reference.linearize(j, r));
    expect(background.factor(lambda, 'diagonal')).toEqual(reference.factor(lambda, 'diagonal'));
    background.dispose();
    reference.dispose();
    // Disposed before it was used, or never used at all: no call waits in vain, nothing crashes.
    new LinearSystem(pattern, B, { background: true }).dispose();
    new LinearSystem(pattern, B, { background: true });
    // More batch elements than this machine's memory holds: the first call throws what the constructor would.
    const huge = 2 ** 31 - 1;
    const message = /^NormalEquations: 'batch' must be small enough for this machine's .* of memory/;
    expect(() => new NormalEquations(pattern, huge)).toThrow(message);
    const failed = new LinearSystem(pattern, huge, { background: true });
    expect(() => failed.info).toThrow(message);
    expect(() => failed.linearize(j, r)).toThrow(message);
  });
});
