/**
 * One table of bad calls to NormalEquations, run against the TypeScript
 * facade and against the native binding directly (which re-checks
 * everything): each case asserts the error class and message.
 */
import type { JacobianPattern } from '../../lib/index.js';

/** The methods both the facade and the native handle have. */
export interface Handle {
  linearize(j: unknown, r: unknown, active?: unknown): unknown;
  factor(lambda: unknown, mode: unknown): unknown;
  solve(rhs: unknown, k?: unknown): unknown;
  jv(v: unknown): unknown;
  jtv(u: unknown): unknown;
  linearizeAsync(j: unknown, r: unknown, active?: unknown): Promise<unknown>;
  dispose(): void;
}

export type Make = (pattern: unknown, batch: unknown, options?: unknown) => Handle;

export interface BadCall {
  name: string;
  call: (make: Make) => unknown;
  error: typeof TypeError | typeof RangeError | typeof Error;
  message: RegExp;
  /** Error code (ERR_INVALID_STATE for state errors). */
  code?: string;
  /** Checked by the TypeScript facade only (the native side ignores it). */
  facadeOnly?: boolean;
}

// m = 4 rows, n = 3 columns, 5 entries; batch 2 in the method cases.
export const pattern = (): JacobianPattern => ({
  m: 4,
  n: 3,
  rows: Int32Array.from([0, 1, 2, 3, 3]),
  cols: Int32Array.from([0, 1, 2, 0, 2]),
});

function detached(array: Float64Array | Int32Array): typeof array {
  structuredClone(array.buffer, { transfer: [array.buffer as ArrayBuffer] }); // a new array's buffer is never shared
  return array;
}

const ok = { j: () => new Float64Array(10).fill(1), r: () => new Float64Array(8).fill(1) };

/** A handle of batch 2, linearized and factored when asked. */
function ready(make: Make, stage: 'new' | 'linearized' | 'factored'): Handle {
  const h = make(pattern(), 2);
  if (stage !== 'new') h.linearize(ok.j(), ok.r());
  if (stage === 'factored') h.factor(new Float64Array(2), 'diagonal');
  return h;
}

const with_ = (changes: Partial<Record<keyof JacobianPattern, unknown>>) => ({ ...pattern(), ...changes });

export const badCalls: BadCall[] = [
  { name: 'pattern is not an object', call: (make) => make(null, 1), error: TypeError, message: /^NormalEquations: 'pattern' must be an object, got null$/ },
  {
    name: 'indices in a Float64Array',
    call: (make) => make(with_({ rows: new Float64Array([0, 1, 2, 3, 3]) }), 1),
    error: TypeError,
    message: /^NormalEquations: 'pattern.rows' must be an Int32Array, got Float64Array$/,
  },
  {
    name: 'cols shorter than rows',
    call: (make) => make(with_({ cols: Int32Array.from([0, 1, 2]) }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.cols' must be of length 5 \(the length of 'pattern.rows'\), got length 3$/,
  },
  {
    name: 'row index out of range',
    call: (make) => make(with_({ rows: Int32Array.from([0, 1, 2, 4, 3]) }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.rows\[3\]' must be in \[0, m = 4\), got 4$/,
  },
  {
    name: 'negative column index',
    call: (make) => make(with_({ cols: Int32Array.from([0, 1, -1, 0, 2]) }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.cols\[2\]' must be in \[0, n = 3\), got -1$/,
  },
  {
    name: 'zero rows',
    call: (make) => make(with_({ m: 0 }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.m' must be an integer in \[1, 2147483647\], got 0$/,
  },
  {
    name: 'negative columns',
    call: (make) => make(with_({ n: -3 }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.n' must be an integer in \[1, 2147483647\], got -3$/,
  },
  {
    name: 'non-integer rows',
    call: (make) => make(with_({ m: 4.5 }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.m' must be an integer.*, got 4.5$/,
  },
  {
    name: 'size as a string',
    call: (make) => make(with_({ n: '3' }), 1),
    error: TypeError,
    message: /^NormalEquations: 'pattern.n' must be an integer, got a string$/,
  },
  {
    name: 'size beyond int32',
    call: (make) => make(with_({ m: 2 ** 31 }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.m' must be an integer in \[1, 2147483647\], got 2147483648$/,
  },
  {
    name: 'empty pattern',
    call: (make) => make(with_({ rows: new Int32Array(0), cols: new Int32Array(0) }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.rows' must be non-empty/,
  },
  {
    name: 'detached index buffer',
    call: (make) => make(with_({ rows: detached(Int32Array.from([0, 1, 2, 3, 3])) }), 1),
    error: TypeError,
    message: /^NormalEquations: 'pattern.rows' must be an Int32Array over a live ArrayBuffer, got one whose buffer was detached/,
  },
  {
    name: 'column blocks that do not sum to n',
    call: (make) => make(with_({ colBlocks: Int32Array.from([1, 1]) }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.colBlocks' must be block sizes that sum to n = 3, got a sum of 2$/,
  },
  {
    name: 'an empty column block',
    call: (make) => make(with_({ colBlocks: Int32Array.from([3, 0]) }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.colBlocks\[1\]' must be a positive block size, got 0$/,
  },
  {
    name: 'eliminate beyond the blocks',
    call: (make) => make(with_({ colBlocks: Int32Array.from([1, 2]), eliminate: 3 }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.eliminate' must be an integer in \[0, .*2\], got 3$/,
  },
  {
    name: 'zero batch',
    call: (make) => make(pattern(), 0),
    error: RangeError,
    message: /^NormalEquations: 'batch' must be an integer in \[1, 2147483647\], got 0$/,
  },
  { name: 'non-integer batch', call: (make) => make(pattern(), 2.5), error: RangeError, message: /^NormalEquations: 'batch' must be an integer.*, got 2.5$/ },
  {
    name: 'batch whose allocation would overflow',
    call: (make) => make(pattern(), 2 ** 31 - 1),
    error: RangeError,
    message:
      /^NormalEquations: 'batch' must be small enough for this machine's [\d.]+ GiB of memory \(this pattern needs [\d.e+]+ GiB at that batch\), got 2147483647$/,
  },
  {
    name: 'unknown kind',
    call: (make) => make(pattern(), 1, { kind: 'schur' }),
    error: RangeError,
    message: /^NormalEquations: 'options.kind' must be 'auto', 'dense' or 'sparse', got 'schur'$/,
  },
  {
    name: 'zero threads',
    call: (make) => make(pattern(), 1, { threads: 0 }),
    error: RangeError,
    message: /^NormalEquations: 'options.threads' must be an integer in \[1, 1024\], got 0$/,
  },
  {
    name: 'misspelt option',
    call: (make) => make(pattern(), 1, { thread: 2 }),
    error: RangeError,
    message: /^NormalEquations: 'options' must be an object with keys among 'kind', 'threads', 'minDiagonal', 'maxDiagonal', 'backend', got 'thread'$/,
    facadeOnly: true,
  },
  {
    name: 'damping bound as a string',
    call: (make) => make(pattern(), 1, { minDiagonal: '1e-6' }),
    error: TypeError,
    message: /^NormalEquations: 'options.minDiagonal' must be a number, got a string$/,
  },
  {
    name: 'zero lower damping bound',
    call: (make) => make(pattern(), 1, { minDiagonal: 0 }),
    error: RangeError,
    message: /^NormalEquations: 'options.minDiagonal' must be a finite number > 0, got 0$/,
  },
  {
    name: 'infinite upper damping bound',
    call: (make) => make(pattern(), 1, { maxDiagonal: Infinity }),
    error: RangeError,
    message: /^NormalEquations: 'options.maxDiagonal' must be a finite number > 0, got Infinity$/,
  },
  {
    name: 'NaN upper damping bound',
    call: (make) => make(pattern(), 1, { minDiagonal: 1, maxDiagonal: NaN }),
    error: RangeError,
    message: /^NormalEquations: 'options.maxDiagonal' must be a finite number > 0, got NaN$/,
  },
  {
    name: 'damping bounds the wrong way round',
    call: (make) => make(pattern(), 1, { minDiagonal: 2, maxDiagonal: 0.5 }),
    error: RangeError,
    message: /^NormalEquations: 'options.minDiagonal' must be at most 'options.maxDiagonal' \(0.5\), got 2$/,
  },
  {
    name: 'a lower damping bound above the default upper one',
    call: (make) => make(pattern(), 1, { minDiagonal: 1e33 }),
    error: RangeError,
    // The facade adds that the bound the caller left out is the default.
    message: /^NormalEquations: 'options.minDiagonal' must be at most 'options.maxDiagonal' \(1e\+32(, the default)?\), got 1e\+33$/,
  },

  {
    name: 'J values in a Float32Array',
    call: (make) => ready(make, 'new').linearize(new Float32Array(10), ok.r()),
    error: TypeError,
    message: /^NormalEquations.linearize: 'jValues' must be a Float64Array, got Float32Array$/,
  },
  {
    name: 'J values of the wrong length',
    call: (make) => ready(make, 'new').linearize(new Float64Array(9), ok.r()),
    error: RangeError,
    message: /^NormalEquations.linearize: 'jValues' must be of length 10 \(batch 2 × nnz 5\), got length 9$/,
  },
  {
    name: 'residuals as an Array',
    call: (make) => ready(make, 'new').linearize(ok.j(), [1, 2, 3, 4, 5, 6, 7, 8]),
    error: TypeError,
    message: /^NormalEquations.linearize: 'residuals' must be a Float64Array, got an Array$/,
  },
  {
    name: 'NaN residual',
    call: (make) => ready(make, 'new').linearize(ok.j(), Float64Array.from([1, 1, 1, 1, 1, 1, NaN, 1])),
    error: RangeError,
    message: /^NormalEquations.linearize: 'residuals' must be finite, got NaN at batch element 1, index 2$/,
  },
  {
    name: 'infinite J value',
    call: (make) => ready(make, 'new').linearize(Float64Array.from([1, 1, 1, -Infinity, 1, 1, 1, 1, 1, 1]), ok.r()),
    error: RangeError,
    message: /^NormalEquations.linearize: 'jValues' must be finite, got -Infinity at batch element 0, index 3$/,
  },
  {
    name: 'active mask of the wrong length',
    call: (make) => ready(make, 'new').linearize(ok.j(), ok.r(), new Uint8Array(3)),
    error: RangeError,
    message: /^NormalEquations.linearize: 'active' must be of length 2/,
  },
  {
    name: 'an empty active mask',
    call: (make) => ready(make, 'new').linearize(ok.j(), ok.r(), new Uint8Array(0)),
    error: RangeError,
    message: /^NormalEquations.linearize: 'active' must be of length 2 \(batch 2 × 1 1\), got length 0$/,
  },
  {
    name: 'empty column blocks',
    call: (make) => make(with_({ colBlocks: new Int32Array(0) }), 1),
    error: RangeError,
    message: /^NormalEquations: 'pattern.colBlocks' must be block sizes that sum to n = 3, got a sum of 0$/,
  },
  {
    name: 'detached J values',
    call: (make) => ready(make, 'new').linearize(detached(ok.j()), ok.r()),
    error: TypeError,
    message: /^NormalEquations.linearize: 'jValues' must be a Float64Array over a live ArrayBuffer/,
  },
  {
    name: 'factor before linearize',
    call: (make) => ready(make, 'new').factor(new Float64Array(2), 'diagonal'),
    error: Error,
    code: 'ERR_INVALID_STATE',
    message: /^NormalEquations.factor: call linearize before factor$/,
  },
  {
    name: 'solve before factor',
    call: (make) => ready(make, 'linearized').solve(new Float64Array(6)),
    error: Error,
    code: 'ERR_INVALID_STATE',
    message: /^NormalEquations.solve: call factor before solve$/,
  },
  {
    name: 'jtv before linearize',
    call: (make) => ready(make, 'new').jtv(new Float64Array(8)),
    error: Error,
    code: 'ERR_INVALID_STATE',
    message: /^NormalEquations.jtv: call linearize before jtv$/,
  },
  {
    name: 'negative lambda',
    call: (make) => ready(make, 'linearized').factor(Float64Array.from([0, -1]), 'diagonal'),
    error: RangeError,
    message: /^NormalEquations.factor: 'lambda' must be finite and non-negative, got -1 at batch element 1$/,
  },
  {
    name: 'NaN lambda',
    call: (make) => ready(make, 'linearized').factor(Float64Array.from([NaN, 0]), 'diagonal'),
    error: RangeError,
    message: /^NormalEquations.factor: 'lambda' must be finite and non-negative, got NaN at batch element 0$/,
  },
  {
    name: 'unknown damping mode',
    call: (make) => ready(make, 'linearized').factor(new Float64Array(2), 'lm'),
    error: RangeError,
    message: /^NormalEquations.factor: 'mode' must be 'diagonal' or 'identity', got 'lm'$/,
  },
  {
    name: 'damping mode not a string',
    call: (make) => ready(make, 'linearized').factor(new Float64Array(2), 1),
    error: TypeError,
    message: /^NormalEquations.factor: 'mode' must be a string, got a number \(1\)$/,
  },
  {
    name: 'zero right-hand sides',
    call: (make) => ready(make, 'factored').solve(new Float64Array(6), 0),
    error: RangeError,
    message: /^NormalEquations.solve: 'k' must be a positive integer/,
  },
  {
    name: 'right-hand sides of the wrong length',
    call: (make) => ready(make, 'factored').solve(new Float64Array(6), 2),
    error: RangeError,
    message: /^NormalEquations.solve: 'rhs' must be of length 12 \(batch 2 × k·n 6\), got length 6$/,
  },
  {
    name: 'jv with a NaN',
    call: (make) => ready(make, 'factored').jv(Float64Array.from([0, 0, 0, 0, NaN, 0])),
    error: RangeError,
    message: /^NormalEquations.jv: 'v' must be finite, got NaN at batch element 1, index 1$/,
  },
  {
    name: 'a disposed handle',
    call: (make) => {
      const h = ready(make, 'factored');
      h.dispose();
      h.dispose(); // idempotent
      return h.linearize(ok.j(), ok.r());
    },
    error: Error,
    code: 'ERR_INVALID_STATE',
    message: /^NormalEquations.linearize: the handle has been disposed$/,
  },
  {
    name: 'a call while an async call is pending',
    call: (make) => {
      const h = ready(make, 'new');
      const pending = h.linearizeAsync(ok.j(), ok.r());
      try {
        return h.factor(new Float64Array(2), 'diagonal');
      } finally {
        void pending.then(() => h.dispose());
      }
    },
    error: Error,
    code: 'ERR_INVALID_STATE',
    message: /^NormalEquations.factor: the handle is busy with NormalEquations.linearizeAsync; await it before the next call$/,
  },
];

export function expectBadCall(c: BadCall, make: Make): void {
  let thrown: unknown;
  try {
    c.call(make);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeDefined();
  // Class by name: errors made by the addon belong to the main realm, not jest's.
  expect((thrown as Error).constructor.name).toBe(c.error.name);
  expect((thrown as Error).message).toMatch(c.message);
  expect((thrown as { code?: string }).code).toBe(c.code);
}
