import { NormalEquations } from '../../lib/index.js';
import { blockPattern } from '../helpers/problems.js';
import { SeededRandom } from '../../lib/base/random.js';

describe('NormalEquations async calls', () => {
  test('give the same numbers as the synchronous calls', async () => {
    for (const kind of ['dense', 'sparse'] as const) {
      const pattern = blockPattern(kind === 'dense' ? 20 : 200, 6, 60, 10, 1);
      const rng = new SeededRandom(2);
      const j = rng.normals(5 * pattern.rows.length);
      const r = rng.normals(5 * pattern.m);
      const lambda = new Float64Array(5).fill(1e-2);
      const active = Uint8Array.from([1, 1, 0, 1, 1]);
      const sync = new NormalEquations(pattern, 5, { kind });
      const async = new NormalEquations(pattern, 5, { kind });
      const a = sync.linearize(j, r, active);
      const b = await async.linearizeAsync(j, r, active);
      expect(b.gradient).toEqual(a.gradient);
      expect(b.squaredNorm).toEqual(a.squaredNorm);
      expect(await async.factorAsync(lambda, 'diagonal')).toEqual(sync.factor(lambda, 'diagonal'));
      const rhs = rng.normals(5 * 2 * pattern.n);
      expect(await async.solveAsync(rhs, 2)).toEqual(sync.solve(rhs, 2));
      expect(async.factorizationCount).toBe(sync.factorizationCount);
      sync.dispose();
      async.dispose();
    }
  });

  test('copy their inputs when called', async () => {
    const pattern = blockPattern(50, 3, 20, 5, 3);
    const rng = new SeededRandom(4);
    const j = rng.normals(pattern.rows.length);
    const r = rng.normals(pattern.m);
    const ne = new NormalEquations(pattern, 1);
    const expected = new NormalEquations(pattern, 1).linearize(j, r);
    const pending = ne.linearizeAsync(j, r);
    j.fill(0);
    r.fill(0);
    expect((await pending).gradient).toEqual(expected.gradient);
    ne.dispose();
  });

  test('leave the event loop free during a large factorisation', async () => {
    const pattern = blockPattern(3000, 6, 2000, 40, 5); // n = 18 000
    const rng = new SeededRandom(6);
    const batch = 4;
    const ne = new NormalEquations(pattern, batch, { kind: 'sparse' });
    await ne.linearizeAsync(rng.normals(batch * pattern.rows.length), rng.normals(batch * pattern.m));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const { ok } = await ne.factorAsync(new Float64Array(batch).fill(1e-4), 'diagonal');
    clearInterval(timer);
    expect(Array.from(ok)).toEqual([1, 1, 1, 1]);
    expect(ticks).toBeGreaterThanOrEqual(3);
    ne.dispose();
  });
});
