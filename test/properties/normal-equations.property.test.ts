// NormalEquations against a dense reference in plain JS, on thousands of
// small random patterns from the shared generators (test/helpers/problems.ts),
// which give empty rows, cost instances on constant elements only, duplicate
// entries and shuffled entries to about half of their patterns each. Every
// pattern runs on both kinds, B = 1 and 3, 1 and 2 threads, and checks
// linearize (g = Jᵀr, ‖r‖²), A itself ((A + λI)⁻¹ column by column), the
// damped solve in 'diagonal' mode, jv, jtv and the binding's step.
import { NormalEquations, type JacobianPattern } from '../../lib/index.js';
import { LinearSystem } from '../../lib/linear/linear-system.js';
import { blockPattern, damping, denseA, denseSolve, drawnFeatures, multiplyJ, multiplyJt, randomScalarPattern, relativeError } from '../helpers/problems.js';
import { SeededRandom } from '../../lib/base/random.js';

const PATTERNS = 2000;
const KINDS = ['dense', 'sparse'] as const;
const BATCHES = [1, 3];
const THREADS = [1, 2];
/** Products (g, Jv, Jᵀu) per entry, relative to the sum of the magnitudes of their terms. */
const PRODUCT_TOLERANCE = 1e-13;
/** Solves, relative to the largest entry of the reference. */
const SOLVE_TOLERANCE = 1e-10;

interface Case {
  seed: number;
  name: string;
  pattern: JacobianPattern;
  /** Rows of one cost instance (1 for the scalar patterns). */
  d: number;
}

/** Pattern `seed`: a scalar pattern (even seeds) or a block pattern (odd seeds), n ≤ 12, sizes from the seed's stream. */
function makeCase(seed: number): Case {
  const sizes = new SeededRandom(1_000_000 + seed);
  if (seed % 2 === 0) {
    const n = sizes.int(1, 12);
    const m = sizes.int(n, 3 * n);
    const perRow = sizes.int(1, Math.min(4, n));
    return { seed, name: `randomScalarPattern(${m}, ${n}, ${perRow}, ${seed})`, pattern: randomScalarPattern(m, n, perRow, seed), d: 1 };
  }
  const block = sizes.int(1, 3);
  const nodes = sizes.int(1, Math.floor(12 / block));
  const extra = sizes.int(0, 4);
  const span = sizes.int(1, 3);
  return { seed, name: `blockPattern(${nodes}, ${block}, ${extra}, ${span}, ${seed})`, pattern: blockPattern(nodes, block, extra, span, seed), d: block };
}

/** What a pattern has, read from its entries. */
function traits(p: JacobianPattern, d: number) {
  const used = new Uint8Array(p.m);
  const seen = new Set<number>();
  let duplicates = false;
  let shuffled = false;
  for (let k = 0; k < p.rows.length; k++) {
    used[p.rows[k]!] = 1;
    const key = p.rows[k]! * p.n + p.cols[k]!;
    if (seen.has(key)) duplicates = true;
    seen.add(key);
    if (k > 0 && p.rows[k]! < p.rows[k - 1]!) shuffled = true;
  }
  const empty = (from: number, to: number) => used.subarray(from, to).every((u) => u === 0);
  return {
    emptyRows: used.includes(0),
    // Instances of d empty rows first and last (the generators put one between too).
    constantInstances: p.m >= 2 * d && empty(0, d) && empty(p.m - d, p.m),
    duplicates,
    shuffled,
    columnsTouched: new Set(Array.from(p.cols)).size === p.n,
  };
}

/** Entry-wise |got − expected| ≤ tolerance · scale (scale: the sums of the magnitudes of the terms). */
function withinScale(got: Float64Array, expected: Float64Array, scale: Float64Array, tolerance: number): boolean {
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(got[i]! - expected[i]!) <= tolerance * scale[i]! + 1e-300)) return false;
  }
  return true;
}

const abs = (v: Float64Array) => v.map(Math.abs);

/** Element b's slice of a batch-major array of `per` values per element. */
const slice = (v: Float64Array, b: number, per: number) => v.subarray(b * per, (b + 1) * per);

/** The checks of one pattern with one configuration; returns what failed (empty when all hold). */
function checkCase(c: Case, kind: 'dense' | 'sparse', batch: number, threads: number): string[] {
  const { pattern: p } = c;
  const { m, n } = p;
  const nnz = p.rows.length;
  const rng = new SeededRandom(c.seed * 8 + KINDS.indexOf(kind) * 4 + batch + threads);
  const j = rng.normals(batch * nnz);
  const r = rng.normals(batch * m);
  const v = rng.normals(batch * n);
  const u = rng.normals(batch * m);
  const rhs = rng.normals(batch * n);
  const lambdaIdentity = Float64Array.from({ length: batch }, () => 0.5 + 0.5 * rng.uniform());
  const lambdaDiagonal = Float64Array.from({ length: batch }, () => 0.1 + 0.9 * rng.uniform());
  const unit = new Float64Array(batch * n * n);
  for (let b = 0; b < batch; b++) for (let i = 0; i < n; i++) unit[(b * n + i) * n + i] = 1;

  const ne = new NormalEquations(p, batch, { kind, threads });
  const lin = ne.linearize(j, r);
  const jv = ne.jv(v);
  const jtv = ne.jtv(u);
  const okIdentity = ne.factor(lambdaIdentity, 'identity').ok;
  const inverse = ne.solve(unit, n);
  const okDiagonal = ne.factor(lambdaDiagonal, 'diagonal').ok;
  const x = ne.solve(rhs);
  ne.dispose();
  const stepper = new LinearSystem(p, batch, { kind, threads });
  const step = stepper.step(j, r, undefined, lambdaDiagonal, 'diagonal');
  stepper.dispose();

  const failed: string[] = [];
  const expect = (holds: boolean, what: string) => {
    if (!holds) failed.push(`${c.name} (${m}×${n}, nnz ${nnz}), ${kind}, B=${batch}, threads=${threads}: ${what}`);
  };
  for (let b = 0; b < batch; b++) {
    const jb = slice(j, b, nnz);
    const rb = slice(r, b, m);
    const g = multiplyJt(p, jb, rb);
    expect(withinScale(slice(lin.gradient, b, n), g, multiplyJt(p, abs(jb), abs(rb)), PRODUCT_TOLERANCE), `element ${b}: g = Jᵀr`);
    const squared = rb.reduce((s, ri) => s + ri * ri, 0);
    expect(Math.abs(lin.squaredNorm[b]! - squared) <= PRODUCT_TOLERANCE * squared, `element ${b}: ‖r‖²`);
    expect(withinScale(slice(jv, b, m), multiplyJ(p, jb, slice(v, b, n)), multiplyJ(p, abs(jb), abs(slice(v, b, n))), PRODUCT_TOLERANCE), `element ${b}: Jv`);
    const ub = slice(u, b, m);
    expect(withinScale(slice(jtv, b, n), multiplyJt(p, jb, ub), multiplyJt(p, abs(jb), abs(ub)), PRODUCT_TOLERANCE), `element ${b}: Jᵀu`);

    // A itself: (A + λI)⁻¹, column by column.
    expect(okIdentity[b] === 1 && okDiagonal[b] === 1 && step.ok[b] === 1, `element ${b}: factored`);
    const aIdentity = denseA(p, jb, lambdaIdentity[b]!, damping(p, jb, 'identity'));
    const expectedInverse = new Float64Array(n * n);
    for (let i = 0; i < n; i++) expectedInverse.set(denseSolve(aIdentity, slice(unit, b * n + i, n)), i * n);
    expect(relativeError(slice(inverse, b, n * n), expectedInverse) <= SOLVE_TOLERANCE, `element ${b}: (A + λI)⁻¹`);

    // (A + λD) x = rhs, and the step −(A + λD)⁻¹ g with J times it.
    const aDiagonal = denseA(p, jb, lambdaDiagonal[b]!, damping(p, jb, 'diagonal'));
    expect(relativeError(slice(x, b, n), denseSolve(aDiagonal, slice(rhs, b, n))) <= SOLVE_TOLERANCE, `element ${b}: (A + λD)⁻¹ rhs`);
    const newton = denseSolve(aDiagonal, g).map((s) => -s);
    expect(withinScale(slice(step.gradient, b, n), g, multiplyJt(p, abs(jb), abs(rb)), PRODUCT_TOLERANCE), `element ${b}: step's g`);
    expect(Math.abs(step.squaredNorm[b]! - squared) <= PRODUCT_TOLERANCE * squared, `element ${b}: step's ‖r‖²`);
    expect(relativeError(slice(step.step, b, n), newton) <= SOLVE_TOLERANCE, `element ${b}: step −(A + λD)⁻¹g`);
    expect(relativeError(slice(step.jy, b, m), multiplyJ(p, jb, newton)) <= SOLVE_TOLERANCE, `element ${b}: step's J·y`);
  }
  return failed;
}

const cases = Array.from({ length: PATTERNS }, (_, k) => makeCase(k));

describe('the generators', () => {
  test('give each feature to about half of the patterns, as drawn, and touch every column', () => {
    const count = { emptyRows: 0, constantInstances: 0, duplicates: 0, shuffled: 0 };
    for (const c of cases) {
      const drawn = drawnFeatures(c.seed);
      const has = traits(c.pattern, c.d);
      expect(has.columnsTouched).toBe(true);
      if (drawn.emptyRows || drawn.constantInstances) expect(has.emptyRows).toBe(true);
      if (drawn.constantInstances) expect(has.constantInstances).toBe(true);
      if (drawn.duplicates) expect(has.duplicates).toBe(true);
      if (drawn.shuffled && c.pattern.rows.length >= 8) expect(has.shuffled).toBe(true);
      for (const f of Object.keys(count) as (keyof typeof count)[]) if (drawn[f]) count[f]++;
    }
    for (const f of Object.keys(count) as (keyof typeof count)[]) {
      expect(count[f] / cases.length).toBeGreaterThan(0.45);
      expect(count[f] / cases.length).toBeLessThan(0.55);
    }
  });

  test('a fixed structure on request: no feature when every one is turned off', () => {
    const off = { emptyRows: false, constantInstances: false, duplicates: false, shuffled: false };
    const p = blockPattern(5, 3, 4, 2, 5, off);
    expect(drawnFeatures(5)).not.toEqual(off);
    expect(traits(p, 3)).toEqual({ emptyRows: false, constantInstances: false, duplicates: false, shuffled: false, columnsTouched: true });
  });
});

describe('NormalEquations against a dense reference on random patterns', () => {
  test(`${PATTERNS} patterns × kinds ${KINDS.join(', ')} × B ${BATCHES.join(', ')} × threads ${THREADS.join(', ')}`, () => {
    const started = process.hrtime.bigint();
    const failures: string[] = [];
    const share = { emptyRows: 0, constantInstances: 0, duplicates: 0, shuffled: 0 };
    let runs = 0;
    for (const c of cases) {
      const has = traits(c.pattern, c.d);
      for (const f of Object.keys(share) as (keyof typeof share)[]) if (has[f]) share[f]++;
      for (const kind of KINDS) {
        for (const batch of BATCHES) {
          for (const threads of THREADS) {
            failures.push(...checkCase(c, kind, batch, threads));
            runs++;
          }
        }
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const percent = (k: number) => `${((100 * k) / cases.length).toFixed(1)}%`;
    console.log(
      `${cases.length} patterns (n ≤ 12), ${runs} runs in ${seconds.toFixed(1)} s; patterns with empty rows ${percent(share.emptyRows)}, ` +
        `constant-only instances first and last ${percent(share.constantInstances)}, duplicate entries ${percent(share.duplicates)}, ` +
        `entries out of row order ${percent(share.shuffled)}; ${failures.length} failed checks`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
  });
});
