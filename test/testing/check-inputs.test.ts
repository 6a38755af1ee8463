/**
 * The checkers on inputs: checkObjective's `inputs` option (the cost's
 * gradient with respect to measurements, targets, weights and loss radii,
 * per instance) and checkCostTerm's bad calls.
 */
import {
  Between,
  Custom,
  Difference,
  Objective,
  Prior,
  RobustLoss,
  SE2,
  SE3,
  SeededRandom,
  Variable,
  Vector,
  Weight,
  checkCostTerm,
  checkObjective,
  type LossKind,
} from '../../lib/index.js';

/** An upper triangle with a diagonal in [2, 3) for `count` instances of dimension d. */
function triangles(random: SeededRandom, count: number, d: number): Float64Array {
  const w: number[] = [];
  for (let e = 0; e < count; e++) for (let r = 0; r < d; r++) for (let c = r; c < d; c++) w.push(r === c ? 2 + random.uniform() : 0.3 * random.normal());
  return Float64Array.from(w);
}

/**
 * A batch of two problems with residuals far from zero: an SE2 graph (full
 * square-root information, per instance, of batch 2), an SE3 prior (scale),
 * a vector difference (diagonal), each with a loss of the given kinds.
 */
function problem(losses: [LossKind, LossKind, LossKind]) {
  const random = new SeededRandom(31);
  const poses = new Variable(
    'poses',
    SE2,
    SE2.random(2 * 4, random).map((v) => 0.5 * v),
    { batch: 2, constant: [0] },
  );
  const pose3 = new Variable('pose3', SE3, SE3.random(1, random));
  const points = new Variable('points', Vector(2), random.normals(6));
  const from = [0, 1, 2, 0];
  const to = [1, 2, 3, 2];
  const terms = [
    new Between({
      a: { variable: poses, indices: from },
      b: { variable: poses, indices: to },
      measurement: SE2.random(4, random),
      weight: Weight.sqrtInformation(triangles(random, 2 * 4, 3), 3, { batch: 2 }),
      loss: new RobustLoss(losses[0], Float64Array.of(0.8, 1.5, 3, 0.5)),
    }),
    new Prior({
      variable: pose3,
      target: SE3.random(2, random),
      targetBatch: 2,
      weight: Weight.scale(Float64Array.of(1.7)),
      loss: new RobustLoss(losses[1], 6),
    }),
    new Difference({
      a: { variable: points, indices: [0, 1] },
      b: { variable: points, indices: [1, 2] },
      target: random.normals(4),
      weight: Weight.diagonal(Float64Array.of(0.5, 2, 1.5, 3), 2),
      loss: new RobustLoss(losses[2], Float64Array.of(0.7, 1.1)),
    }),
  ];
  return new Objective(terms);
}

describe('checkObjective with inputs', () => {
  test.each([
    ['cauchy', 'welsch', 'geman-mcclure'],
    ['huber', 'tukey', 'cauchy'],
  ] as [LossKind, LossKind, LossKind][])('every measurement, target, weight and loss radius (%s, %s, %s)', (...losses) => {
    const objective = problem(losses);
    const before = objective.terms.flatMap((t) => [...t.auxiliary.map((a) => a.values), t.weight!.aux.values, t.loss!.radius.values]);
    const result = checkObjective(objective, { inputs: true });
    if (!result.ok) throw new Error(result.report);
    expect(Object.keys(result.inputErrors)).toEqual([
      'between.measurement',
      'between.weight',
      'between.loss',
      'prior.target',
      'prior.weight',
      'prior.loss',
      'difference.target',
      'difference.weight',
      'difference.loss',
    ]);
    expect(Math.max(...Object.values(result.inputErrors))).toBeLessThan(1e-7);
    expect(result.report).toMatch(
      /^checkObjective: ok .*, input gradient error \S+ \(9 inputs\); worst: .*; worst input: '[a-z.]+' of element \d, instance \d, coordinate \d: analytic/,
    );
    // The inputs are put back bit for bit.
    const after = objective.terms.flatMap((t) => [...t.auxiliary.map((a) => a.values), t.weight!.aux.values, t.loss!.radius.values]);
    after.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(before[i]!)));
  });

  test('without the option, inputs are not checked', () => {
    const result = checkObjective(problem(['cauchy', 'cauchy', 'cauchy']));
    expect(result.inputErrors).toEqual({});
    expect(result.report).not.toMatch(/input/);
  });

  test("EXPECTED FAILURE - a Custom term's wrong input Jacobian is caught, naming the input", () => {
    const x = new Variable('x', Vector(2), Float64Array.of(1, 2));
    const term = new Custom({
      name: 'offset',
      dim: 2,
      variables: [x],
      auxiliary: [{ name: 'offset.t', values: Float64Array.of(0.5, -0.5), k: 2 }],
      residual: (rows, [xv, t], out) => {
        for (let i = 0; i < 2 * rows; i++) out[i] = xv![i]! * xv![i]! - t![i]!;
      },
      // ∂r/∂t is −I; this writes −2I.
      inputJacobians: (rows, _inputs, [jt]) => {
        for (let row = 0; row < rows; row++) jt!.set([-2, 0, 0, -2], 4 * row);
      },
    });
    const result = checkObjective(new Objective([term]), { inputs: true });
    expect(result.ok).toBe(false);
    expect(result.jacobianError).toBeLessThan(1e-6);
    expect(result.inputErrors['offset.t']).toBeGreaterThan(0.1);
    expect(result.report).toMatch(
      /^checkObjective: FAILED .*; worst input: 'offset\.t' of element 0, instance 0, coordinate 1: analytic -9, numeric -4\.5\d*$/,
    );
  });

  test('BAD CALL - inputs that is not a boolean', () => {
    expect(() => checkObjective(problem(['cauchy', 'cauchy', 'cauchy']), { inputs: 1 as never })).toThrow(
      /^checkObjective: 'options\.inputs' must be a boolean, got a number \(1\)$/,
    );
  });
});

describe('checkCostTerm', () => {
  const x = new Variable('x', SE2, SE2.identity(2));
  const term = new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement: SE2.identity() });

  test('wrt limits the check, and the result has checkJacobians shape', () => {
    const result = checkCostTerm(term, { wrt: [2] });
    expect(result.ok).toBe(true);
    expect(result.errors.slice(0, 2)).toEqual([null, null]);
    expect(result.analytic[2]).toHaveLength(9);
  });

  test('BAD CALL - a term that is not a CostTerm, unknown options, bad values', () => {
    expect(() => checkCostTerm({} as never)).toThrow(/^checkCostTerm: 'term' must be a CostTerm, got an object$/);
    expect(() => checkCostTerm(term, { tol: 1 } as never)).toThrow(
      /^checkCostTerm: 'options' must be an object with keys among 'step', 'tolerance', 'wrt', 'values', got 'tol'$/,
    );
    expect(() => checkCostTerm(term, { values: [SE2.identity()] })).toThrow(
      /^checkCostTerm: 'options\.values' must be an Array of 3 Float64Arrays \(the variables' rows, then the auxiliary inputs'\), got 1$/,
    );
    expect(() => checkCostTerm(term, { values: [SE2.identity(2), SE2.identity(2), SE2.identity(1)] })).toThrow(
      /^checkCostTerm: 'options\.values\[2\]' must be of length 6 \(2 rows of 3 numbers\), got length 3$/,
    );
    expect(() => checkCostTerm(term, { values: [new Float64Array(4), SE2.identity(), SE2.identity()] })).toThrow(
      /^checkCostTerm: 'options\.values\[0\]' must be whole SE2 elements, at least one, got length 4$/,
    );
    expect(() => checkCostTerm(term, { values: [SE2.identity(), Float64Array.of(0, NaN, 0), SE2.identity()] })).toThrow(RangeError);
    expect(() => checkCostTerm(term, { wrt: [3] })).toThrow(/^checkCostTerm: 'options\.wrt\[0\]' must be an integer in \[0, 2\], got 3$/);
  });
});
