/**
 * sqrtInformation: RᵀR = Ω for positive definite Ω, RᵀR = Ω' (eigenvalues
 * clamped at 1e-12) otherwise, with Ω' built here from a known
 * eigen-decomposition, not from the library's own Jacobi rotations.
 */
import { clampedInformation, MIN_EIGENVALUE, sqrtInformation } from '../../lib/core/information.js';
import { SeededRandom } from '../../lib/base/random.js';

const tri = (d: number) => (d * (d + 1)) / 2;

/** Dense d×d (row-major) from a packed upper triangle, and back. */
function unpack(p: Float64Array | number[], d: number, offset = 0): number[][] {
  const m = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  let k = offset;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      m[i]![j] = p[k]!;
      m[j]![i] = p[k]!;
      k++;
    }
  }
  return m;
}

function pack(m: number[][]): number[] {
  const out: number[] = [];
  for (let i = 0; i < m.length; i++) for (let j = i; j < m.length; j++) out.push(m[i]![j]!);
  return out;
}

/** RᵀR from a packed upper-triangular R. */
function rtr(r: Float64Array, d: number, offset: number): number[][] {
  const R = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  let k = offset;
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) R[i]![j] = r[k++]!;
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => R.reduce((s, row) => s + row[i]! * row[j]!, 0)));
}

function maxAbs(m: number[][]): number {
  return Math.max(...m.flat().map(Math.abs));
}

function maxDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - b[i]![j]!))));
}

/** A random orthogonal matrix: Gram-Schmidt (twice) on normal columns. */
function randomOrthogonal(rng: SeededRandom, d: number): number[][] {
  const q: number[][] = [];
  while (q.length < d) {
    let v = Array.from({ length: d }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        const dot = u.reduce((s, x, i) => s + x * v[i]!, 0);
        v = v.map((x, i) => x - dot * u[i]!);
      }
    }
    const n = Math.hypot(...v);
    if (n > 1e-3) q.push(v.map((x) => x / n));
  }
  return q; // rows orthonormal, so columns too
}

/** V diag(λ) Vᵀ with V's columns the rows of `q`. */
function fromEigen(q: number[][], lambda: number[]): number[][] {
  const d = lambda.length;
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => lambda.reduce((s, l, k) => s + q[k]![i]! * l * q[k]![j]!, 0)));
}

describe('sqrtInformation', () => {
  test('RᵀR = Ω to 1e-12 relative for random positive definite Ω, d = 1 … 6', () => {
    const rng = new SeededRandom(20240611);
    for (let d = 1; d <= 6; d++) {
      const count = 300;
      const omega = new Float64Array(count * tri(d));
      const dense: number[][][] = [];
      for (let m = 0; m < count; m++) {
        // Ω = AᵀA + μI with entries spread over several orders of magnitude.
        const scale = 10 ** rng.int(-6, 8);
        const a = Array.from({ length: d }, () => Array.from({ length: d }, () => rng.normal() * scale));
        const o = Array.from({ length: d }, (_, i) =>
          Array.from({ length: d }, (_, j) => a.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? 1e-3 * scale * scale : 0)),
        );
        dense.push(o);
        omega.set(pack(o), m * tri(d));
      }
      const { sqrt, nonPositiveDefinite, flags } = sqrtInformation(omega, d);
      expect(nonPositiveDefinite).toBe(0);
      expect(flags).toEqual(new Uint8Array(count));
      for (let m = 0; m < count; m++) {
        const got = rtr(sqrt, d, m * tri(d));
        expect(maxDiff(got, dense[m]!) / maxAbs(dense[m]!)).toBeLessThan(1e-12);
        // The Cholesky factor: positive diagonal.
        for (let i = 0; i < d; i++) expect(unpack(sqrt, d, m * tri(d))[i]![i]! > 0).toBe(true);
      }
    }
  });

  test('a small example by hand: Ω = [[4, 2], [2, 5]] gives R = [[2, 1], [0, 2]]', () => {
    expect(Array.from(sqrtInformation(Float64Array.of(4, 2, 5), 2).sqrt)).toEqual([2, 1, 2]);
    expect(Array.from(sqrtInformation(Float64Array.of(9), 1).sqrt)).toEqual([3]);
  });

  test('non-positive-definite Ω: RᵀR = V diag(max(λ, 1e-12)) Vᵀ, counted and flagged', () => {
    const rng = new SeededRandom(7);
    for (let d = 1; d <= 6; d++) {
      const count = 200;
      const omega = new Float64Array(count * tri(d));
      const expected: number[][][] = [];
      const wanted = new Uint8Array(count);
      for (let m = 0; m < count; m++) {
        const q = randomOrthogonal(rng, d);
        const scale = 10 ** rng.int(-3, 6);
        // Every other matrix has a negative or a zero eigenvalue.
        const lambda = Array.from({ length: d }, () => scale * (0.1 + rng.uniform()));
        if (m % 2 === 0) {
          wanted[m] = 1;
          lambda[rng.int(0, d - 1)] = m % 4 === 0 ? -scale * rng.uniform() : 0;
        }
        const o = fromEigen(q, lambda);
        omega.set(pack(o), m * tri(d));
        // Ω as stored (rounded) has eigenvalues within ~1e-16·scale of λ; a zero one may come out ±tiny.
        expected.push(
          fromEigen(
            q,
            lambda.map((l) => Math.max(l, MIN_EIGENVALUE)),
          ),
        );
      }
      const { sqrt, nonPositiveDefinite, flags } = sqrtInformation(omega, d);
      for (let m = 0; m < count; m++) {
        const got = rtr(sqrt, d, m * tri(d));
        const size = maxAbs(unpack(omega, d, m * tri(d)));
        // An eigenvalue built as 0 is ±1e-16·size after rounding Ω: whether it
        // is clamped to 1e-12 or not is then a matter of rounding, hence the 1e-12 slack.
        expect(maxDiff(got, expected[m]!)).toBeLessThan(1e-12 * size + (m % 4 === 2 ? 1e-12 : 0));
        if (wanted[m] === 0) expect(flags[m]).toBe(0);
        // Rounding may make a matrix built with a zero eigenvalue barely positive definite; one with λ < 0 is always flagged.
        if (m % 4 === 0) expect(flags[m]).toBe(1);
        if (flags[m] === 1) {
          expect(maxDiff(got, unpack(clampedInformation(omega.slice(m * tri(d), (m + 1) * tri(d)), d), d))).toBeLessThan(1e-12 * Math.max(size, 1));
        }
      }
      expect(nonPositiveDefinite).toBe(flags.reduce((s, f) => s + f, 0));
      expect(nonPositiveDefinite).toBeGreaterThanOrEqual(count / 4);
    }
  });

  test('clamping by hand: diag(4, −1, 9) → diag(2, 1e-6, 3); zero → 1e-6·I; [[1, 2], [2, 1]] → V diag(3, 1e-12) Vᵀ', () => {
    const r = sqrtInformation(Float64Array.of(4, 0, 0, -1, 0, 9, 0, 0, 0, 0, 0, 0), 3);
    expect(r.nonPositiveDefinite).toBe(2);
    expect(Array.from(r.flags)).toEqual([1, 1]);
    const first = Array.from(r.sqrt.subarray(0, 6));
    expect(first[0]).toBeCloseTo(2, 15);
    expect(first[3]).toBeCloseTo(1e-6, 20);
    expect(first[5]).toBeCloseTo(3, 15);
    for (const k of [1, 2, 4]) expect(Math.abs(first[k]!)).toBeLessThan(1e-15);
    const second = Array.from(r.sqrt.subarray(6));
    for (const [k, x] of second.entries()) expect(x).toBeCloseTo([1e-6, 0, 0, 1e-6, 0, 1e-6][k]!, 20);

    const two = sqrtInformation(Float64Array.of(1, 2, 1), 2);
    expect(two.nonPositiveDefinite).toBe(1);
    const got = rtr(two.sqrt, 2, 0);
    // V = [1 1; 1 −1]/√2: Ω' = [[1.5 + 5e-13, 1.5 − 5e-13], [1.5 − 5e-13, 1.5 + 5e-13]].
    expect(
      maxDiff(got, [
        [1.5 + 5e-13, 1.5 - 5e-13],
        [1.5 - 5e-13, 1.5 + 5e-13],
      ]),
    ).toBeLessThan(1e-15);
    expect(Array.from(sqrtInformation(Float64Array.of(-3), 1).sqrt)).toEqual([1e-6]);
  });

  test('an ill-conditioned non-PD Ω (λ = 1e8, −1, 1e-30 along rotated axes) still gives a finite factor of Ω′', () => {
    const rng = new SeededRandom(3);
    const q = randomOrthogonal(rng, 3);
    const omega = Float64Array.from(pack(fromEigen(q, [1e8, -1, 1e-30])));
    const { sqrt, flags } = sqrtInformation(omega, 3);
    expect(flags[0]).toBe(1);
    expect(sqrt.every(Number.isFinite)).toBe(true);
    const got = rtr(sqrt, 3, 0);
    expect(maxDiff(got, fromEigen(q, [1e8, 1e-12, 1e-12])) / 1e8).toBeLessThan(1e-12);
    // Along the large eigenvector the weight is √1e8.
    const v = q[0]!;
    const rv = unpack(sqrt, 3).map((row, i) => row.reduce((s, x, j) => s + (j >= i ? x * v[j]! : 0), 0));
    expect(Math.hypot(...rv) / 1e4).toBeCloseTo(1, 12);
  });

  test('very large and very small scales neither overflow nor underflow', () => {
    const { sqrt, nonPositiveDefinite } = sqrtInformation(Float64Array.of(1e300, 0, 4e300, 1e-300, 0, 4e-300), 2);
    expect(nonPositiveDefinite).toBe(0);
    expect(sqrt[0]).toBeCloseTo(1e150, -135);
    expect(sqrt[2] / 2e150).toBeCloseTo(1, 14);
    expect(sqrt[3] / 1e-150).toBeCloseTo(1, 14);
    expect(sqrt[5] / 2e-150).toBeCloseTo(1, 14);
  });

  test('scaling Ω by 4^±200 scales R by exactly 2^±200, bit for bit (d = 3 takes a written-out path below 1e100, the loops above)', () => {
    const rng = new SeededRandom(5);
    for (const d of [2, 3, 6]) {
      for (let m = 0; m < 50; m++) {
        const a = Array.from({ length: d }, () => Array.from({ length: d }, () => rng.normal()));
        const o = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => a.reduce((s, row) => s + row[i]! * row[j]!, 0)));
        const omega = Float64Array.from(pack(o));
        const base = sqrtInformation(omega, d).sqrt;
        for (const e of [200, -200]) {
          const scaled = sqrtInformation(
            omega.map((x) => x * 4 ** e),
            d,
          ).sqrt;
          expect(Array.from(scaled)).toEqual(Array.from(base, (x) => x * 2 ** e));
        }
      }
    }
  });

  test('out: written in place, also over omega itself; count 0 is fine', () => {
    const omega = Float64Array.of(4, 2, 5, 9, 0, 16);
    const out = new Float64Array(6);
    expect(sqrtInformation(omega, 2, out).sqrt).toBe(out);
    expect(Array.from(out)).toEqual([2, 1, 2, 3, 0, 4]);
    expect(sqrtInformation(omega, 2, omega).sqrt).toBe(omega);
    expect(Array.from(omega)).toEqual([2, 1, 2, 3, 0, 4]);
    const empty = sqrtInformation(new Float64Array(0), 6);
    expect(empty.sqrt.length).toBe(0);
    expect(empty.flags.length).toBe(0);
    expect(empty.nonPositiveDefinite).toBe(0);
  });

  const badCalls: { name: string; call: () => unknown; error: typeof TypeError; message: string }[] = [
    {
      name: 'omega as an Array',
      call: () => sqrtInformation([1, 0, 1] as never, 2),
      error: TypeError,
      message: "sqrtInformation: 'omega' must be a Float64Array, got an Array",
    },
    {
      name: 'omega as a Float32Array',
      call: () => sqrtInformation(new Float32Array(3) as never, 2),
      error: TypeError,
      message: "sqrtInformation: 'omega' must be a Float64Array, got Float32Array",
    },
    {
      name: 'd = 7',
      call: () => sqrtInformation(new Float64Array(28), 7),
      error: RangeError,
      message: "sqrtInformation: 'd' must be an integer in [1, 6], got 7",
    },
    {
      name: 'd = 2.5',
      call: () => sqrtInformation(new Float64Array(3), 2.5),
      error: RangeError,
      message: "sqrtInformation: 'd' must be an integer in [1, 6], got 2.5",
    },
    {
      name: 'd as a string',
      call: () => sqrtInformation(new Float64Array(3), '2' as never),
      error: TypeError,
      message: "sqrtInformation: 'd' must be an integer, got a string",
    },
    {
      name: 'a length that is not a multiple of d(d+1)/2',
      call: () => sqrtInformation(new Float64Array(7), 3),
      error: RangeError,
      message: "sqrtInformation: 'omega' must be of a length that is a multiple of d(d+1)/2 = 6, got length 7",
    },
    {
      name: 'out of the wrong length',
      call: () => sqrtInformation(new Float64Array(6), 3, new Float64Array(5)),
      error: RangeError,
      message: "sqrtInformation: 'out' must be of length 6 (the length of 'omega'), got length 5",
    },
    {
      name: 'out as an Int32Array',
      call: () => sqrtInformation(new Float64Array(6), 3, new Int32Array(6) as never),
      error: TypeError,
      message: "sqrtInformation: 'out' must be a Float64Array, got Int32Array",
    },
    {
      name: 'NaN in matrix 1',
      call: () => sqrtInformation(Float64Array.of(1, 0, 1, 1, NaN, 1), 2),
      error: RangeError,
      message: "sqrtInformation: 'omega' must be finite, got NaN in matrix 1, entry 1",
    },
    {
      name: 'Infinity in matrix 0',
      call: () => sqrtInformation(Float64Array.of(Infinity, 0, 1), 2),
      error: RangeError,
      message: "sqrtInformation: 'omega' must be finite, got Infinity in matrix 0, entry 0",
    },
    {
      name: 'clampedInformation of a wrong length',
      call: () => clampedInformation(new Float64Array(5), 3),
      error: RangeError,
      message: "clampedInformation: 'omega' must be of length 6 (d(d+1)/2 for d = 3), got length 5",
    },
  ];
  for (const c of badCalls) {
    test(`BAD CALL - ${c.name}`, () => {
      let thrown: unknown;
      try {
        c.call();
      } catch (e) {
        thrown = e;
      }
      expect((thrown as Error).constructor.name).toBe(c.error.name);
      expect((thrown as Error).message).toBe(c.message);
    });
  }
});
