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
    expect(() => handle.linearize.call({}, new Float64Array(1), new Float64Array(1))).toThrow(
      expect.objectContaining({ name: 'TypeError' }),
    );
  });
});
