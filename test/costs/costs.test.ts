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
  checkJacobians,
  type CostTerm,
  type LieGroup,
} from '../../lib/index.js';
import { bodyToWorldJacobian, worldScratchLength } from '../../lib/core/tangent.js';

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
  return [group.identity(count), tangent(1e-8, rotationAxis), tangent(Math.PI, rotationAxis), tangent(Math.PI - 1e-8, rotationAxis), group.random(count, random)];
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
        const b = group.retract(a, random.normals(4 * group.dof).map((v) => 0.5 * v));
        const z = group.exp(random.normals(4 * group.dof).map((v) => 0.5 * v));
        check(term, [a, b], [z]);
        check(term, [b, a], [z]);
      }
    });

    test(`Prior on ${group.name}`, () => {
      const x = new Variable('x', group, group.identity());
      const term = new Prior({ variable: x, target: group.identity() });
      const random = new SeededRandom(3);
      for (const v of samples(group, 3, 4)) check(term, [v], [group.retract(v, random.normals(3 * group.dof).map((t) => 0.5 * t))]);
    });
  }

  test.each([SE2, SE3])('Between on %s: the fused kernel gives the general path\'s numbers', (group) => {
    const random = new SeededRandom(9);
    const rows = 50;
    const x = new Variable('x', group, group.identity(2));
    const term = new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement: group.identity() });
    const inputs = [group.random(rows, random), group.random(rows, random), group.random(rows, random)];
    const run = (fused: boolean) => {
      term.fused = fused;
      const r = new Float64Array(rows * group.dof);
      const ja = new Float64Array(rows * group.dof * group.dof);
      const jb = new Float64Array(rows * group.dof * group.dof);
      term.evaluate(rows, inputs, r, [ja, jb]);
      return [r, ja, jb];
    };
    const general = run(false);
    const fused = run(true);
    fused.forEach((values, k) => values.forEach((v, i) => expect(Math.abs(v - general[k]![i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(general[k]![i]!)))));
    // Only J_a or only J_b requested.
    const r = new Float64Array(rows * group.dof);
    const ja = new Float64Array(rows * group.dof * group.dof);
    term.evaluate(rows, inputs, r, [ja, undefined]);
    expect(Array.from(ja)).toEqual(Array.from(fused[1]!));

    // World-frame Jacobians written by the kernel = the body ones converted by lib/core/tangent.ts.
    expect(term.writesWorldFrame).toBe(true);
    for (const world of [[true, false], [false, true], [true, true]]) {
      const [wa, wb] = [new Float64Array(ja.length), new Float64Array(ja.length)];
      term.evaluate(rows, inputs, r, [wa, wb], world);
      const expected = [fused[1]!.slice(), fused[2]!.slice()];
      const scratch = new Float64Array(worldScratchLength(rows));
      world.forEach((w, k) => w && bodyToWorldJacobian(group, inputs[k]!, rows, group.dof, expected[k]!, scratch));
      [wa, wb].forEach((values, k) => values.forEach((v, i) => expect(Math.abs(v - expected[k]![i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(expected[k]![i]!)))));
    }
    term.fused = false;
    expect(term.writesWorldFrame).toBe(false);
    term.fused = true;
  });

  test('Difference', () => {
    const x = new Variable('x', Vector(4), new Float64Array(8));
    const term = new Difference({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, target: new Float64Array(4) });
    const random = new SeededRandom(6);
    check(term, [random.normals(12), random.normals(12)], [random.normals(12)]);
  });

  test('Custom: central differences match the analytic Jacobians a user gives', () => {
    // r = R(q)·p − m on SO3 × Vector3: J_q = −R[p]×, J_p = R.
    const random = new SeededRandom(7);
    const q = new Variable('q', SO3, SO3.identity());
    const p = new Variable('p', Vector(3), new Float64Array(3));
    const residual = (rows: number, [qv, pv, m]: readonly Float64Array[], out: Float64Array) => {
      const rotated = SO3.act(qv!, pv!);
      for (let i = 0; i < rows * 3; i++) out[i] = rotated[i]! - m![i]!;
    };
    const analytic = new Custom({
      name: 'analytic', dim: 3, variables: [q, p], auxiliary: [{ name: 'm', values: new Float64Array(3), k: 3 }], residual,
      jacobians: (_rows, [qv, pv], [jq, jp]) => void SO3.act(qv!, pv!, undefined, jq, jp),
    });
    const numeric = new Custom({ name: 'numeric', dim: 3, variables: [q, p], auxiliary: [{ name: 'm2', values: new Float64Array(3), k: 3 }], residual });
    const inputs = [SO3.random(5, random), random.normals(15)];
    const m = random.normals(15);
    check(analytic, inputs, [m]);
    check(numeric, inputs, [m], 1e-6);
  });
});
