// Every cost term's analytic Jacobians against central differences on the
// manifold (checkJacobians), for every group, at identity, near it, at π
// rotations and at random points, for several instance counts.
import {
  Between,
  Custom,
  Difference,
  Prior,
  SE2,
  SE3,
  SO2,
  SO3,
  SeededRandom,
  Variable,
  Vector,
  checkCostTerm,
  checkJacobians,
  CostTerm,
  type LieGroup,
} from '../../lib/index.js';
import { multiplyBlocks } from '../../lib/core/blocks.js';

const groups: LieGroup[] = [SO2, SE2, SO3, SE3, Vector(3)];

/** Elements of `group` at identity, 1e-8 from it, at a π rotation, just below π, and random. */
function samples(group: LieGroup, count: number, seed: number): Float64Array[] {
  const random = new SeededRandom(seed);
  const tangent = (scale: number, axis: number) => {
    const t = new Float64Array(count * group.dof);
    for (let k = 0; k < count; k++) {
      for (let c = 0; c < group.dof; c++) t[k * group.dof + c] = scale * (c === axis ? 1 : 0.3 * random.normal());
    }
    return group.exp(t);
  };
  const rotationAxis = group.dof - 1; // the last tangent coordinate is a rotation for SO2/SE2/SO3/SE3
  return [
    group.identity(count),
    tangent(1e-8, rotationAxis),
    tangent(Math.PI, rotationAxis),
    tangent(Math.PI - 1e-8, rotationAxis),
    group.random(count, random),
  ];
}

/** checkJacobians on term.evaluate with the variables as inputs and the auxiliary inputs fixed. */
function check(term: CostTerm, variables: Float64Array[], auxiliary: Float64Array[], tolerance = 1e-6): void {
  const rows = variables[0]!.length / term.variables[0]!.variable.group.storage;
  const result = checkJacobians(
    (inputs, jacobians) => {
      const r = new Float64Array(rows * term.dim);
      term.evaluate(rows, [...inputs, ...auxiliary], r, jacobians);
      return r;
    },
    term.variables.map((use, k) => ({ group: use.variable.group, value: variables[k]! })),
    Vector(term.dim),
    { tolerance },
  );
  if (!result.ok) throw new Error(`${term.name}: ${result.report}`);
  expect(result.maxError).toBeLessThan(tolerance);
}

describe('cost term Jacobians', () => {
  for (const group of groups) {
    // The inputs take every sample value; the residual itself stays off Log's
    // cut at a rotation of exactly π, where it jumps between ±π (differences
    // across it are meaningless), so b and the measurements are near a.
    test(`Between on ${group.name}`, () => {
      const x = new Variable('x', group, group.identity(2));
      const term = new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement: group.identity() });
      const random = new SeededRandom(1);
      for (const a of samples(group, 4, 2)) {
        const b = group.retract(
          a,
          random.normals(4 * group.dof).map((v) => 0.5 * v),
        );
        const z = group.exp(random.normals(4 * group.dof).map((v) => 0.5 * v));
        check(term, [a, b], [z]);
        check(term, [b, a], [z]);
      }
    });

    test(`Prior on ${group.name}`, () => {
      const x = new Variable('x', group, group.identity());
      const term = new Prior({ variable: x, target: group.identity() });
      const random = new SeededRandom(3);
      for (const v of samples(group, 3, 4))
        check(
          term,
          [v],
          [
            group.retract(
              v,
              random.normals(3 * group.dof).map((t) => 0.5 * t),
            ),
          ],
        );
    });
  }

  test('the built-in terms write every residual and Jacobian entry they claim to (writesEveryEntry: no NaN-poisoning needed)', () => {
    const random = new SeededRandom(12);
    for (const group of groups) {
      const x = new Variable('x', group, group.identity(2));
      const terms: CostTerm[] = [
        new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement: group.identity() }),
        new Prior({ variable: { variable: x, indices: [0] }, target: group.identity() }),
      ];
      if (group.name.startsWith('Vector')) terms.push(new Difference({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] } }));
      for (const term of terms) {
        expect(term.writesEveryEntry).toBe(true);
        const rows = 5;
        const inputs = [
          ...term.variables.map(() => group.random(rows, random)),
          ...term.auxiliary.map((a) => (a.group ?? group).random(rows, random).subarray(0, rows * a.k)),
        ];
        const residuals = new Float64Array(rows * term.dim).fill(NaN);
        for (const world of [undefined, term.variables.map(() => true)]) {
          const jacobians = term.variables.map(() => new Float64Array(rows * term.dim * group.dof).fill(NaN));
          term.evaluate(rows, inputs, residuals, jacobians, world);
          expect([residuals, ...jacobians].every((a) => a.every(Number.isFinite))).toBe(true);
        }
      }
    }
  });

  test.each([SE2, SE3])("Between on %s: the fused kernel gives the group verbs' numbers", (group) => {
    const random = new SeededRandom(9);
    const rows = 50;
    const dof = group.dof;
    const x = new Variable('x', group, group.identity(2));
    const term = new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement: group.identity() });
    const inputs = [group.random(rows, random), group.random(rows, random), group.random(rows, random)];
    // The general path: D = Xa⁻¹Xb, E = Z⁻¹D, r = Log(E), J_b = Jr⁻¹(r), J_a = Jr⁻¹(r)·∂D/∂a.
    const dDda = new Float64Array(rows * dof * dof);
    const jrInv = new Float64Array(rows * dof * dof);
    const general = [group.log(group.between(inputs[2]!, group.between(inputs[0]!, inputs[1]!, undefined, dDda)), undefined, jrInv)];
    general.push(new Float64Array(rows * dof * dof), jrInv);
    multiplyBlocks(rows, jrInv, dDda, general[1]!, dof, dof, dof);
    const r = new Float64Array(rows * dof);
    const fused = [r, new Float64Array(rows * dof * dof), new Float64Array(rows * dof * dof)];
    term.evaluate(rows, inputs, r, [fused[1], fused[2]]);
    fused.forEach((values, k) => values.forEach((v, i) => expect(Math.abs(v - general[k]![i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(general[k]![i]!)))));
    // Only J_a or only J_b requested.
    const ja = new Float64Array(rows * dof * dof);
    term.evaluate(rows, inputs, r, [ja, undefined]);
    expect(Array.from(ja)).toEqual(Array.from(fused[1]!));

    // World-frame Jacobians written by the kernel = the body ones converted by the group's world frame.
    expect(term.writesWorldFrame).toBe(true);
    for (const world of [
      [true, false],
      [false, true],
      [true, true],
    ]) {
      const [wa, wb] = [new Float64Array(ja.length), new Float64Array(ja.length)];
      term.evaluate(rows, inputs, r, [wa, wb], world);
      const expected = [fused[1]!.slice(), fused[2]!.slice()];
      const frame = group.worldFrame!;
      const scratch = new Float64Array(frame.scratchLength(rows));
      world.forEach((w, k) => w && frame.bodyToWorld(inputs[k]!, rows, dof, expected[k]!, scratch));
      [wa, wb].forEach((values, k) =>
        values.forEach((v, i) => expect(Math.abs(v - expected[k]![i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(expected[k]![i]!)))),
      );
    }
    // Groups without a kernel take the general path, in the body frame.
    const rotations = new Variable('r', SO3, SO3.identity(2));
    expect(
      new Between({ a: { variable: rotations, indices: [0] }, b: { variable: rotations, indices: [1] }, measurement: SO3.identity() }).writesWorldFrame,
    ).toBe(false);
  });

  test('Difference', () => {
    const x = new Variable('x', Vector(4), new Float64Array(8));
    const term = new Difference({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, target: new Float64Array(4) });
    const random = new SeededRandom(6);
    check(term, [random.normals(12), random.normals(12)], [random.normals(12)]);
  });

  test('Custom: the analytic Jacobians a user gives match central differences', () => {
    // r = R(q)·p − m on SO3 × Vector3: J_q = −R[p]×, J_p = R.
    const random = new SeededRandom(7);
    const q = new Variable('q', SO3, SO3.identity());
    const p = new Variable('p', Vector(3), new Float64Array(3));
    const analytic = new Custom({
      name: 'analytic',
      dim: 3,
      variables: [q, p],
      auxiliary: [{ name: 'm', values: new Float64Array(3), k: 3 }],
      residual: rotatedMinus,
      jacobians: (_rows, [qv, pv], [jq, jp]) => void SO3.act(qv!, pv!, undefined, jq, jp),
    });
    check(analytic, [SO3.random(5, random), random.normals(15)], [random.normals(15)]);
  });

  test('Custom without Jacobians: its central differences equal the closed form J_q = −R(q)[p]×, J_p = R(q)', () => {
    const random = new SeededRandom(8);
    const rows = 6;
    const q = new Variable('q', SO3, SO3.identity());
    const p = new Variable('p', Vector(3), new Float64Array(3));
    const inputs = [SO3.random(rows, random), random.normals(3 * rows).map((v) => 3 * v), random.normals(3 * rows)];
    const want = closedFormJacobians(inputs[0]!, inputs[1]!);
    /** Largest |numeric − closed form| / max(1, |closed form|) of a Custom term with this step. */
    const error = (step: number | undefined) => {
      const numeric = new Custom({ dim: 3, variables: [q, p], auxiliary: [{ name: 'm', values: new Float64Array(3), k: 3 }], residual: rotatedMinus, step });
      const got = [new Float64Array(rows * 9), new Float64Array(rows * 9)];
      numeric.evaluate(rows, inputs, new Float64Array(rows * 3), got);
      let worst = 0;
      got.forEach((j, k) => j.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want[k]![i]!) / Math.max(1, Math.abs(want[k]![i]!))))));
      return worst;
    };
    // Central differences: truncation h²/6·|r‴| plus rounding ε|r|/h, with |p| up to about 10.
    expect(error(undefined)).toBeLessThan(1e-8); // h = 1e-6
    const coarse = error(1e-3);
    expect(coarse).toBeLessThan(1e-6);
    expect(coarse).toBeGreaterThan(1e-8); // the step option is the step used: its h² error shows
  });
});

/** The largest error of each check by name, printed at the end (the numbers quoted in reports). */
const inputErrors = new Map<string, number>();
afterAll(() => {
  if (inputErrors.size > 0) console.log([...inputErrors].map(([name, e]) => `${name}: ${e.toExponential(2)}`).join('\n'));
});

/** checkCostTerm of the term's auxiliary inputs at the given rows (variables, then auxiliary inputs); returns the result. */
function checkInputs(label: string, term: CostTerm, values: Float64Array[], tolerance = 1e-6) {
  const wrt = term.auxiliary.map((_, a) => term.variables.length + a);
  const result = checkCostTerm(term, { values, wrt, tolerance });
  if (!result.ok) throw new Error(`${label}: ${result.report}`);
  inputErrors.set(label, Math.max(inputErrors.get(label) ?? 0, result.maxError));
  return result;
}

/** The analytic input Jacobians of `term` against the base class' central differences (CostTerm.prototype.inputJacobians). */
function againstNumeric(term: CostTerm, values: Float64Array[]): number {
  const rows = values[0]!.length / term.variables[0]!.variable.group.storage;
  const size = (a: number) => rows * term.dim * (term.auxiliary[a]!.group?.dof ?? term.auxiliary[a]!.k);
  const analytic = term.auxiliary.map((_, a) => new Float64Array(size(a)));
  const numeric = term.auxiliary.map((_, a) => new Float64Array(size(a)));
  term.inputJacobians(rows, values, analytic);
  CostTerm.prototype.inputJacobians.call(term, rows, values, numeric);
  let worst = 0;
  analytic.forEach((j, a) => j.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - numeric[a]![i]!) / Math.max(1, Math.abs(numeric[a]![i]!))))));
  return worst;
}

describe('cost term Jacobians with respect to their inputs', () => {
  for (const group of groups) {
    // Z (or T) takes every sample value, π rotations included; the variables
    // are placed so that the residual stays well inside Log's range.
    test(`Between on ${group.name}: ∂r/∂Z along Z's right tangent`, () => {
      const x = new Variable('x', group, group.identity(2));
      const term = new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement: group.identity() });
      const random = new SeededRandom(11);
      for (const z of samples(group, 4, 12)) {
        const a = group.random(4, random);
        const b = group.retract(
          group.compose(a, z),
          random.normals(4 * group.dof).map((v) => 0.5 * v),
        );
        checkInputs(`Between ${group.name}`, term, [a, b, z]);
        expect(againstNumeric(term, [a, b, z])).toBeLessThan(1e-7);
      }
    });

    test(`Prior on ${group.name}: ∂r/∂T along T's right tangent`, () => {
      const x = new Variable('x', group, group.identity());
      const term = new Prior({ variable: x, target: group.identity() });
      const random = new SeededRandom(13);
      for (const target of samples(group, 3, 14)) {
        const v = group.retract(
          target,
          random.normals(3 * group.dof).map((t) => 0.5 * t),
        );
        checkInputs(`Prior ${group.name}`, term, [v, target]);
        expect(againstNumeric(term, [v, target])).toBeLessThan(1e-7);
      }
    });
  }

  test('Between on SE3: a measurement given as a quaternion with w < 0 is the same rotation, and its tangent is the same', () => {
    const random = new SeededRandom(15);
    const z = SE3.random(1, random);
    const flipped = z.map((v, i) => (i >= 3 ? -v : v));
    const x = new Variable('x', SE3, SE3.random(2, random));
    const edge = (measurement: Float64Array) => new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement });
    const [one, other] = [checkCostTerm(edge(z)), checkCostTerm(edge(flipped))];
    expect(one.ok && other.ok).toBe(true);
    expect(Array.from(other.analytic[2]!)).toEqual(Array.from(one.analytic[2]!));
  });

  test('Difference: ∂r/∂t = −I', () => {
    const x = new Variable('x', Vector(4), new Float64Array(8));
    const term = new Difference({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, target: new Float64Array(4) });
    const random = new SeededRandom(16);
    const values = [random.normals(12), random.normals(12), random.normals(12).map((v) => 100 * v)];
    const result = checkInputs('Difference Vector4', term, values);
    for (let row = 0; row < 3; row++) for (let c = 0; c < 16; c++) expect(result.analytic[2]![row * 16 + c]).toBe(c % 5 === 0 ? -1 : 0);
    expect(againstNumeric(term, values)).toBeLessThan(1e-9);
  });

  test("the default checkCostTerm: every variable and input at the term's own values, batched", () => {
    const random = new SeededRandom(17);
    const x = new Variable('x', SE2, SE2.random(2 * 3, random), { batch: 2 });
    const term = new Between({
      a: { variable: x, indices: [0, 1] },
      b: { variable: x, indices: [1, 2] },
      measurement: SE2.random(2 * 2, random),
      measurementBatch: 2,
    });
    const result = checkCostTerm(term);
    expect(result.ok).toBe(true);
    expect(result.report).toMatch(
      /^checkCostTerm: ok \(tolerance 0\.000001, step 0\.00001, 4 elements\)\ninput 0 'x' \(SE2\): .*\ninput 1 'x' \(SE2\): .*\ninput 2 'between\.measurement' \(SE2\): max error .* ok$/,
    );
  });
});

describe('Custom: Jacobians with respect to its inputs', () => {
  const random = new SeededRandom(18);
  const rows = 5;
  const q = new Variable('q', SO3, SO3.identity());
  const p = new Variable('p', Vector(3), new Float64Array(3));
  const values = [SO3.random(rows, random), random.normals(3 * rows), random.normals(3 * rows)];
  const custom = (inputJacobians?: (rows: number, inputs: readonly Float64Array[], out: readonly (Float64Array | undefined)[]) => void) =>
    new Custom({ dim: 3, variables: [q, p], auxiliary: [{ name: 'm', values: new Float64Array(3), k: 3 }], residual: rotatedMinus, inputJacobians });
  /** ∂(R p − m)/∂m = −I, written with sign s. */
  const identity =
    (s: number) =>
    (n: number, _inputs: readonly Float64Array[], [jm]: readonly (Float64Array | undefined)[]) => {
      jm!.fill(0);
      for (let row = 0; row < n; row++) for (let c = 0; c < 3; c++) jm![row * 9 + c * 4] = s;
    };

  test('its callback is used and checked', () => {
    const calls: number[] = [];
    const term = custom((n, inputs, out) => {
      calls.push(n);
      identity(-1)(n, inputs, out);
    });
    checkInputs('Custom with callback', term, values);
    expect(calls).toEqual([rows]);
  });

  test('without it, central differences: −I for a plain input, −R(z)[p]× for an SO3 input', () => {
    checkInputs('Custom numeric (plain)', custom(), values);
    const got = new Float64Array(rows * 9);
    custom().inputJacobians(rows, values, [got]);
    got.forEach((v, i) => expect(Math.abs(v - ((i % 9) % 4 === 0 ? -1 : 0))).toBeLessThan(1e-9));
    // r = R(z)·p with z an auxiliary input on SO3: ∂r/∂(z's right tangent) = −R(z)[p]×.
    const rotated = new Custom({
      dim: 3,
      variables: [p],
      auxiliary: [{ name: 'z', values: SO3.identity(), k: 4, group: SO3 }],
      residual: (n, [pv, z], out) => void SO3.act(z!, pv!, out),
    });
    const jz = new Float64Array(rows * 9);
    rotated.inputJacobians(rows, [values[1]!, values[0]!], [jz]);
    const [want] = closedFormJacobians(values[0]!, values[1]!);
    jz.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-9 * Math.max(1, Math.abs(want[i]!))));
    checkInputs('Custom numeric (SO3)', rotated, [values[1]!, values[0]!]);
  });

  test('EXPECTED FAILURE - a wrong callback (+I for −I) is caught by checkCostTerm', () => {
    const result = checkCostTerm(custom(identity(1)), { values, wrt: [2] });
    expect(result.ok).toBe(false);
    expect(result.errors[2]).toBeCloseTo(2, 6);
    expect(result.report).toMatch(/^checkCostTerm: FAILED/);
    expect(result.report).toMatch(/input 2 'm' \(Vector3\): max error 2\.00e\+0 at element \d, row \d, column \d: analytic 1, numeric -1[.0-9]* FAILED$/);
  });

  test('BAD CALL - inputJacobians that is not a function', () => {
    expect(() => new Custom({ dim: 3, variables: [q, p], residual: rotatedMinus, inputJacobians: 3 as never })).toThrow(
      /^Custom: 'options\.inputJacobians' must be a function \(rows, inputs, out\) => void, got a number \(3\)$/,
    );
  });
});

/** r = R(q)·p − m per row (SO3 × Vector3 with an auxiliary m). */
function rotatedMinus(rows: number, [qv, pv, m]: readonly Float64Array[], out: Float64Array): void {
  const rotated = SO3.act(qv!, pv!);
  for (let i = 0; i < rows * 3; i++) out[i] = rotated[i]! - m![i]!;
}

/**
 * ∂(R(q)p)/∂ at the right tangent of q and w.r.t. p, written out: R(q Exp(δ))p
 * ≈ R(p + δ × p) = Rp − R[p]×δ, so J_q = −R[p]×, J_p = R; R of the Hamilton
 * quaternion (x, y, z, w).
 */
function closedFormJacobians(q: Float64Array, p: Float64Array): [Float64Array, Float64Array] {
  const rows = p.length / 3;
  const jq = new Float64Array(rows * 9);
  const jp = new Float64Array(rows * 9);
  for (let i = 0; i < rows; i++) {
    const [x, y, z, w] = q.subarray(4 * i, 4 * i + 4);
    const R = [
      [1 - 2 * (y! * y! + z! * z!), 2 * (x! * y! - z! * w!), 2 * (x! * z! + y! * w!)],
      [2 * (x! * y! + z! * w!), 1 - 2 * (x! * x! + z! * z!), 2 * (y! * z! - x! * w!)],
      [2 * (x! * z! - y! * w!), 2 * (y! * z! + x! * w!), 1 - 2 * (x! * x! + y! * y!)],
    ];
    const [p1, p2, p3] = p.subarray(3 * i, 3 * i + 3);
    const cross = [
      [0, -p3!, p2!],
      [p3!, 0, -p1!],
      [-p2!, p1!, 0],
    ];
    for (let a = 0; a < 3; a++) {
      for (let c = 0; c < 3; c++) {
        jp[9 * i + 3 * a + c] = R[a]![c]!;
        jq[9 * i + 3 * a + c] = -(R[a]![0]! * cross[0]![c]! + R[a]![1]! * cross[1]![c]! + R[a]![2]! * cross[2]![c]!);
      }
    }
  }
  return [jq, jp];
}
