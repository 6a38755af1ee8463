import { NormalEquations, buildInfo } from '../../lib/index.js';
import { KIND_REQUESTS, SOLVER_KINDS } from '../../lib/native/kinds.js';
import { blockPattern } from '../helpers/problems.js';

// The solver kinds are one table in TypeScript (lib/native/kinds.ts) and one
// in C++ (native/core/solver_kind.h): the same kinds, each usable.
describe('solver kinds', () => {
  test("the TypeScript table lists the native table's kinds, in its order", () => {
    expect([...SOLVER_KINDS]).toEqual(buildInfo().kinds);
    expect([...KIND_REQUESTS]).toEqual(['auto', ...buildInfo().kinds]);
  });

  test.each(SOLVER_KINDS)('%s is accepted, and the handle names it', (kind) => {
    const ne = new NormalEquations(blockPattern(10, 3, 5, 3, 1), 1, { kind });
    expect(ne.kind).toBe(kind);
    ne.dispose();
  });

  test('BAD CALL - an unknown kind lists the table', () => {
    expect(() => new NormalEquations(blockPattern(10, 3, 5, 3, 1), 1, { kind: 'schur' as never })).toThrow(
      new RangeError(
        `NormalEquations: 'options.kind' must be ${KIND_REQUESTS.slice(0, -1)
          .map((k) => `'${k}'`)
          .join(', ')} or '${KIND_REQUESTS.at(-1)}', got 'schur'`,
      ),
    );
  });
});
