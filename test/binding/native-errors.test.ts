// The native binding re-checks every argument: the same bad calls, made on
// the addon directly, bypassing the TypeScript checks.
import { nativeBinding } from '../../lib/native/binding.js';
import { badCalls, expectBadCall, type Handle, type Make } from '../helpers/bad-calls.js';

const make: Make = (pattern, batch, options) => {
  const Native = nativeBinding().NormalEquations as unknown as new (...args: unknown[]) => Handle;
  return options === undefined ? new Native(pattern, batch) : new Native(pattern, batch, options);
};

describe('NormalEquations (native binding)', () => {
  for (const c of badCalls.filter((c) => !c.facadeOnly)) {
    test(`BAD CALL - ${c.name}`, () => expectBadCall(c, make));
  }

  test('BAD CALL - a method called on another object is a TypeError', () => {
    const handle = make({ m: 1, n: 1, rows: Int32Array.of(0), cols: Int32Array.of(0) }, 1);
    expect(() => handle.linearize.call({}, new Float64Array(1), new Float64Array(1))).toThrow(expect.objectContaining({ name: 'TypeError' }));
  });
});

describe('NormalEquations (native binding): the optional out arrays of the synchronous calls', () => {
  // Two elements of y = a + b·t at t = 0, 1, 2: m = 3, n = 2.
  const pattern = { m: 3, n: 2, rows: Int32Array.from([0, 0, 1, 1, 2, 2]), cols: Int32Array.from([0, 1, 0, 1, 0, 1]) };
  const j = Float64Array.from([1, 0, 1, 1, 1, 2, 1, 0, 1, 1, 1, 2]);
  const r = Float64Array.from([-1, -3, -5, -2, -2, -2]);
  const native = () => {
    const Native = nativeBinding().NormalEquations;
    return new Native(pattern, 2, {});
  };

  test('results land in the given arrays, equal to fresh ones, and the arrays are returned', () => {
    const ne = native();
    const fresh = ne.linearize(j, r);
    const out = { gradient: new Float64Array(4).fill(7), squaredNorm: new Float64Array(2).fill(7) };
    const lin = ne.linearize(j, r, undefined, out);
    expect(lin.gradient).toBe(out.gradient);
    expect(lin.squaredNorm).toBe(out.squaredNorm);
    expect(Array.from(out.gradient)).toEqual(Array.from(fresh.gradient));
    expect(Array.from(out.squaredNorm)).toEqual(Array.from(fresh.squaredNorm));
    // An inactive element's gradient is written as zeros, not left as it was.
    ne.linearize(j, r, Uint8Array.from([1, 0]), out);
    expect(Array.from(out.gradient.subarray(2))).toEqual([0, 0]);
    ne.linearize(j, r);
    ne.factor(new Float64Array(2), 'diagonal');
    const rhs = fresh.gradient;
    const x = new Float64Array(4);
    expect(ne.solve(rhs, 1, x)).toBe(x);
    expect(Array.from(x)).toEqual(Array.from(ne.solve(rhs)));
    const jv = new Float64Array(6);
    expect(ne.jv(x, jv)).toBe(jv);
    expect(Array.from(jv)).toEqual(Array.from(ne.jv(x)));
    const jtv = new Float64Array(4);
    expect(ne.jtv(r, jtv)).toBe(jtv);
    expect(Array.from(jtv)).toEqual(Array.from(ne.jtv(r)));
    ne.dispose();
  });

  test('BAD CALL - an out array of the wrong type, length, or sharing memory with an input', () => {
    const ne = native();
    ne.linearize(j, r);
    ne.factor(new Float64Array(2), 'diagonal');
    const rhs = new Float64Array(4);
    expect(() => ne.solve(rhs, 1, new Float32Array(4) as unknown as Float64Array)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: "NormalEquations.solve: 'out' must be a Float64Array, got Float32Array" }),
    );
    expect(() => ne.solve(rhs, 1, new Float64Array(3))).toThrow(
      expect.objectContaining({ name: 'RangeError', message: "NormalEquations.solve: 'out' must be 4 numbers long, got length 3" }),
    );
    expect(() => ne.solve(rhs, 1, rhs)).toThrow(
      expect.objectContaining({
        name: 'RangeError',
        message: "NormalEquations.solve: 'out' must be an array that shares no memory with the inputs, got one that does",
      }),
    );
    const both = new Float64Array(10);
    expect(() => ne.jv(both.subarray(0, 4), both.subarray(3, 9))).toThrow(/'out' must be an array that shares no memory/);
    expect(() => ne.jtv(r, new Float64Array(5))).toThrow(
      expect.objectContaining({ name: 'RangeError', message: "NormalEquations.jtv: 'out' must be 4 numbers long, got length 5" }),
    );
    expect(() => ne.linearize(j, r, undefined, { gradient: new Float64Array(4), squaredNorm: new Float64Array(1) })).toThrow(
      expect.objectContaining({ name: 'RangeError', message: "NormalEquations.linearize: 'out.squaredNorm' must be 2 numbers long, got length 1" }),
    );
    expect(() => ne.linearize(j, r, undefined, 5 as unknown as { gradient: Float64Array; squaredNorm: Float64Array })).toThrow(
      expect.objectContaining({ name: 'TypeError', message: "NormalEquations.linearize: 'out' must be an object, got a number (5)" }),
    );
    ne.dispose();
  });

  test('BAD CALL - out arrays that share memory with each other', () => {
    const ne = native();
    const shared = new Float64Array(12);
    expect(() => ne.linearize(j, r, undefined, { gradient: shared.subarray(0, 4), squaredNorm: shared.subarray(3, 5) })).toThrow(
      expect.objectContaining({
        name: 'RangeError',
        message: "NormalEquations.linearize: 'out.squaredNorm' must be an array that shares no memory with 'out.gradient', got one that does",
      }),
    );
    const out = { gradient: shared.subarray(0, 4), squaredNorm: shared.subarray(4, 6), step: shared.subarray(6, 10), jy: shared.subarray(4, 10) };
    expect(() => ne.step(j, r, undefined, new Float64Array(2), 'diagonal', out)).toThrow(
      expect.objectContaining({
        name: 'RangeError',
        message: "NormalEquations.step: 'out.jy' must be an array that shares no memory with 'out.squaredNorm', got one that does",
      }),
    );
    // Neighbours are fine.
    expect(ne.step(j, r, undefined, new Float64Array(2), 'diagonal', { ...out, jy: new Float64Array(6) }).step).toBe(out.step);
    ne.dispose();
  });
});

/** A Float64Array with `values` over a resizable ArrayBuffer (ES2024) that tracks its length. */
function overResizable(values: Float64Array): Float64Array & { buffer: { resize(bytes: number): void } } {
  const Resizable = ArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => ArrayBuffer;
  const array = new Float64Array(new Resizable(values.byteLength, { maxByteLength: 2 * values.byteLength }));
  array.set(values);
  return array as Float64Array & { buffer: { resize(bytes: number): void } };
}

function overShared(values: Float64Array): Float64Array {
  const array = new Float64Array(new SharedArrayBuffer(values.byteLength));
  array.set(values);
  return array;
}

describe('NormalEquations (native binding): typed arrays over SharedArrayBuffers and resizable buffers', () => {
  const pattern = { m: 3, n: 2, rows: Int32Array.from([0, 0, 1, 1, 2, 2]), cols: Int32Array.from([0, 1, 0, 1, 0, 1]) };
  const j = Float64Array.from([1, 0, 1, 1, 1, 2, 1, 0, 1, 1, 1, 2]);
  const r = Float64Array.from([-1, -3, -5, -2, -2, -2]);
  const lambda = new Float64Array(2);

  test.each([
    ['a SharedArrayBuffer', overShared],
    ['a resizable ArrayBuffer', overResizable],
  ])('are read and written as any other, over %s', async (_, over) => {
    const ne = new (nativeBinding().NormalEquations)(pattern, 2);
    const lin = ne.linearize(j, r);
    ne.factor(lambda, 'diagonal');
    const x = ne.solve(lin.gradient);
    const out = { gradient: over(new Float64Array(4)), squaredNorm: over(new Float64Array(2)) };
    expect(ne.linearize(over(j), over(r), undefined, out).gradient).toBe(out.gradient);
    expect(out).toEqual(lin);
    ne.factor(over(lambda), 'diagonal');
    expect(await ne.solveAsync(over(lin.gradient))).toEqual(x);
    const solved = over(new Float64Array(4));
    ne.begin([['solve', over(lin.gradient), 1, solved]]);
    expect(ne.end()).toEqual([x]);
    expect(solved).toEqual(x);
    ne.dispose();
  });

  test('BAD CALL - a length-tracking array over a buffer shrunk below the length needed', () => {
    const ne = new (nativeBinding().NormalEquations)(pattern, 2);
    const shrunk = overResizable(j);
    shrunk.buffer.resize(6 * 8);
    expect(() => ne.linearize(shrunk, r)).toThrow(
      expect.objectContaining({ name: 'RangeError', message: "NormalEquations.linearize: 'jValues' must be of length 12 (batch 2 × nnz 6), got length 6" }),
    );
    ne.dispose();
  });
});
