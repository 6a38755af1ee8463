import { NormalEquations } from '../../lib/index.js';
import { badCalls, expectBadCall, type Handle, type Make } from '../helpers/bad-calls.js';

const make: Make = (pattern, batch, options) => new NormalEquations(pattern as never, batch as never, options as never) as unknown as Handle;

describe('NormalEquations (TypeScript facade)', () => {
  for (const c of badCalls) {
    test(`BAD CALL - ${c.name}`, () => expectBadCall(c, make));
  }

  test('BAD CALL - after dispose the sizes still read, and a call names itself', () => {
    const ne = new NormalEquations({ m: 2, n: 1, rows: Int32Array.of(0, 1), cols: Int32Array.of(0, 0) }, 3);
    ne.dispose();
    expect([ne.m, ne.n, ne.batch, ne.kind, ne.info.nnz]).toEqual([2, 1, 3, 'dense', 2]);
    expect(() => ne.jv(new Float64Array(3))).toThrow(/^NormalEquations.jv: the handle has been disposed$/);
    expect(() => ne.jtv(new Float64Array(6))).toThrow(/^NormalEquations.jtv: the handle has been disposed$/);
  });

  test("BAD CALL - a rejected async call carries the caller's stack", async () => {
    const ne = new NormalEquations({ m: 1, n: 1, rows: Int32Array.of(0), cols: Int32Array.of(0) }, 1);
    await ne.linearizeAsync(Float64Array.of(1), Float64Array.of(1));
    ne.dispose();
    const fresh = new NormalEquations({ m: 1, n: 1, rows: Int32Array.of(0), cols: Int32Array.of(0) }, 1);
    // factorAsync before linearize: the native side rejects.
    const error = await fresh.factorAsync(Float64Array.of(0), 'diagonal').catch((e: Error) => e);
    expect((error as Error & { code?: string }).code).toBe('ERR_INVALID_STATE');
    expect((error as Error).stack).toContain('normal-equations-errors.test.ts');
  });
});
