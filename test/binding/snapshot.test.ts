import { LinearSystem } from '../../lib/linear/linear-system.js';
import { nativeBinding } from '../../lib/native/binding.js';
import { SeededRandom } from '../../lib/base/random.js';
import { blockPattern } from '../helpers/problems.js';

// Factor snapshots: the factors of a factor call in an object of their own,
// for a backward pass that solves with the factor of any step it kept.
describe('NormalEquations snapshot', () => {
  const B = 4;
  const k = 2;

  function setup(kind: 'dense' | 'sparse', seed = 21) {
    const pattern = blockPattern(kind === 'dense' ? 20 : 200, 6, 60, 10, seed);
    const rng = new SeededRandom(seed);
    const values = () => ({ j: rng.normals(B * pattern.rows.length), r: rng.normals(B * pattern.m) });
    const ne = new LinearSystem(pattern, B, { kind });
    const rhs = rng.normals(B * k * pattern.n);
    return { pattern, ne, values, rhs };
  }

  function factored(ne: LinearSystem, v: { j: Float64Array; r: Float64Array }, lambda = 1e-2, active?: Uint8Array) {
    ne.linearize(v.j, v.r, active);
    return ne.factor(new Float64Array(B).fill(lambda), 'diagonal');
  }

  const bytes = (a: Float64Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

  for (const kind of ['dense', 'sparse'] as const) {
    test(`solves as the handle did when taken, bitwise, whatever the handle does later (${kind})`, async () => {
      const { pattern, ne, values, rhs } = setup(kind);
      // Element 2 is not positive definite (J = 0, undamped); element 3 is left out of the linearize.
      const first = values();
      first.j.fill(0, 2 * pattern.rows.length, 3 * pattern.rows.length);
      ne.linearize(first.j, first.r, Uint8Array.from([1, 1, 1, 0]));
      expect(Array.from(ne.factor(Float64Array.from([1e-3, 1e-1, 0, 0]), 'diagonal').ok)).toEqual([1, 1, 0, 0]);
      const then = ne.solve(rhs, k);
      const snapshot = ne.snapshot();
      expect(snapshot.info()).toEqual({ batch: B, n: pattern.n, memoryBytes: expect.any(Number) });
      expect(snapshot.info().memoryBytes).toBeGreaterThan(0);
      expect(bytes(snapshot.solve(rhs, k))).toEqual(bytes(then));
      expect(bytes(await snapshot.solveAsync(rhs, k))).toEqual(bytes(then));
      const out = new Float64Array(rhs.length);
      expect(snapshot.solve(rhs, k, out)).toBe(out);
      expect(bytes(out)).toEqual(bytes(then));
      expect(then.subarray(2 * k * pattern.n).every(Number.isNaN)).toBe(true);

      // Refactored with other values: the handle's solutions change, the snapshot's do not.
      factored(ne, values(), 1e-3);
      const now = ne.solve(rhs, k);
      expect(bytes(now)).not.toEqual(bytes(then));
      expect(bytes(snapshot.solve(rhs, k))).toEqual(bytes(then));
      // Several snapshots alive at once, each of its own time.
      const second = ne.snapshot();
      factored(ne, values(), 1);
      const third = ne.snapshot();
      const latest = ne.solve(rhs, k);
      expect(bytes(second.solve(rhs, k))).toEqual(bytes(now));
      expect(bytes(third.solve(rhs, k))).toEqual(bytes(latest));
      expect(bytes(snapshot.solve(rhs, k))).toEqual(bytes(then));
      // A step (which keeps no factor on the CPU core) and the handle's dispose leave them as they were.
      const v = values();
      ne.step(v.j, v.r, undefined, new Float64Array(B).fill(0.1), 'diagonal');
      expect(() => ne.snapshot()).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_STATE', message: 'NormalEquations.snapshot: call factor before snapshot' }),
      );
      ne.dispose();
      expect(bytes(snapshot.solve(rhs, k))).toEqual(bytes(then));
      expect(bytes(await second.solveAsync(rhs, k))).toEqual(bytes(now));
      expect(bytes(third.solve(rhs, k))).toEqual(bytes(latest));
      // keep: the elements not kept are freed (NaN after), the others solve as before.
      const all = third.info().memoryBytes;
      third.keep(Uint8Array.from([0, 1, 1, 0]));
      expect(third.info().memoryBytes).toBeLessThan(all);
      const kept = third.solve(rhs, k);
      const per = k * pattern.n;
      expect(bytes(kept.subarray(per, 3 * per))).toEqual(bytes(latest.subarray(per, 3 * per)));
      expect([...kept.subarray(0, per), ...kept.subarray(3 * per)].every(Number.isNaN)).toBe(true);
      expect(() => third.keep(new Uint8Array(3))).toThrow(
        expect.objectContaining({ name: 'RangeError', message: "FactorSnapshot.keep: 'elements' must be 4 flags (one per batch element), got length 3" }),
      );
      expect(() => third.keep([1, 1, 1, 1] as never)).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringContaining("'elements'") }));
      for (const s of [snapshot, second, third]) s.dispose();
      expect(() => third.keep(new Uint8Array(B))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    });
  }

  test('dispose in either order: snapshot first, then the handle still solves; handle first, then the snapshot still solves', () => {
    const { ne, values, rhs } = setup('sparse');
    factored(ne, values());
    const expected = ne.solve(rhs, k);
    const first = ne.snapshot();
    const second = ne.snapshot();
    first.dispose();
    first.dispose(); // idempotent
    expect(first.disposed()).toBe(true);
    expect(bytes(ne.solve(rhs, k))).toEqual(bytes(expected));
    // Refactoring after the snapshot is gone writes the factors in place again.
    factored(ne, values());
    ne.dispose();
    expect(second.disposed()).toBe(false);
    expect(bytes(second.solve(rhs, k))).toEqual(bytes(expected));
    second.dispose();
  });

  test('a snapshot per refactor, half disposed and half left to the garbage collector, and the handle goes on', () => {
    const { ne, values, rhs } = setup('sparse');
    factored(ne, values());
    const expected = bytes(ne.solve(rhs, k));
    for (let i = 0; i < 200; i++) {
      const s = ne.snapshot();
      if (i % 2 === 0) s.dispose();
      factored(ne, values());
    }
    const last = ne.snapshot();
    expect(bytes(last.solve(rhs, k))).not.toEqual(expected);
    last.dispose();
    ne.dispose();
  });

  test('BAD CALL - snapshot before any factor, after a step, on a disposed or busy handle', async () => {
    const { ne, values, rhs } = setup('dense');
    const state = (message: string) => expect.objectContaining({ code: 'ERR_INVALID_STATE', message });
    expect(() => ne.snapshot()).toThrow(state('NormalEquations.snapshot: call factor before snapshot'));
    const v = values();
    ne.linearize(v.j, v.r);
    expect(() => ne.snapshot()).toThrow(state('NormalEquations.snapshot: call factor before snapshot'));
    const pending = ne.factorAsync(new Float64Array(B).fill(1), 'diagonal');
    expect(() => ne.snapshot()).toThrow(state('NormalEquations.snapshot: the handle is busy with NormalEquations.factorAsync; await it before the next call'));
    await pending;
    const snapshot = ne.snapshot();
    ne.dispose();
    expect(() => ne.snapshot()).toThrow(state('NormalEquations.snapshot: the handle has been disposed'));
    expect(snapshot.solve(rhs, k).length).toBe(rhs.length);
  });

  test('BAD CALL - FactorSnapshot: arguments, state, this, and construction from JavaScript', async () => {
    const { pattern, ne, values, rhs } = setup('dense');
    factored(ne, values());
    const snapshot = ne.snapshot();
    const bad = (call: () => unknown, name: string, message: string, code?: string) =>
      expect(call).toThrow(expect.objectContaining({ name, message, ...(code ? { code } : {}) }));
    bad(() => snapshot.solve(Array.from(rhs) as never, k), 'TypeError', "FactorSnapshot.solve: 'rhs' must be a Float64Array, got an Array");
    bad(() => snapshot.solve(rhs, 0), 'RangeError', "FactorSnapshot.solve: 'k' must be a positive integer (the number of right-hand sides), got 0");
    bad(() => snapshot.solve(rhs, 1.5), 'RangeError', "FactorSnapshot.solve: 'k' must be an integer, got 1.5");
    bad(
      () => snapshot.solve(rhs, 1),
      'RangeError',
      `FactorSnapshot.solve: 'rhs' must be of length ${B * pattern.n} (batch ${B} × k·n ${pattern.n}), got length ${rhs.length}`,
    );
    const nan = rhs.slice();
    nan[pattern.n * k + 3] = NaN;
    bad(() => snapshot.solve(nan, k), 'RangeError', "FactorSnapshot.solve: 'rhs' must be finite, got NaN at batch element 1, index 3");
    bad(
      () => snapshot.solve(rhs, k, rhs),
      'RangeError',
      "FactorSnapshot.solve: 'out' must be an array that shares no memory with the inputs, got one that does",
    );
    bad(() => snapshot.solve(rhs, k, new Float64Array(3)), 'RangeError', `FactorSnapshot.solve: 'out' must be ${rhs.length} numbers long, got length 3`);
    await expect(snapshot.solveAsync(rhs, 1)).rejects.toThrow(
      expect.objectContaining({
        name: 'RangeError',
        message: `FactorSnapshot.solveAsync: 'rhs' must be of length ${B * pattern.n} (batch ${B} × k·n ${pattern.n}), got length ${rhs.length}`,
      }),
    );
    // Busy while its solveAsync runs; the inputs were copied.
    const copy = rhs.slice();
    const pending = snapshot.solveAsync(copy, k);
    copy.fill(0);
    bad(
      () => snapshot.solve(rhs, k),
      'Error',
      'FactorSnapshot.solve: the snapshot is busy with FactorSnapshot.solveAsync; await it before the next call',
      'ERR_INVALID_STATE',
    );
    bad(
      () => snapshot.dispose(),
      'Error',
      'FactorSnapshot.dispose: the snapshot is busy with FactorSnapshot.solveAsync; await it before the next call',
      'ERR_INVALID_STATE',
    );
    expect(bytes(await pending)).toEqual(bytes(snapshot.solve(rhs, k)));
    // Another object as `this`, a handle included: a TypeError (V8's receiver check, else the type tag's), never a crash.
    const raw = new (nativeBinding().NormalEquations)(pattern, B);
    for (const call of [
      () => snapshot.solve.call({}, rhs, k),
      () => snapshot.info.call(raw),
      () => raw.info.call(snapshot),
      () => snapshot.dispose.call(undefined),
    ]) {
      expect(call).toThrow(expect.objectContaining({ name: 'TypeError' }));
    }
    // Only snapshot() makes one.
    const FactorSnapshot = snapshot.constructor as new () => unknown;
    bad(() => new FactorSnapshot(), 'TypeError', 'FactorSnapshot: not a constructor; NormalEquations.snapshot() makes snapshots');
    snapshot.dispose();
    bad(() => snapshot.solve(rhs, k), 'Error', 'FactorSnapshot.solve: the snapshot has been disposed', 'ERR_INVALID_STATE');
    bad(() => snapshot.info(), 'Error', 'FactorSnapshot.info: the snapshot has been disposed', 'ERR_INVALID_STATE');
    await expect(Promise.resolve().then(() => snapshot.solveAsync(rhs, k))).rejects.toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE', message: 'FactorSnapshot.solveAsync: the snapshot has been disposed' }),
    );
    ne.dispose();
  });
});
