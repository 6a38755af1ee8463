import { Between, Custom, Objective, Prior, RobustLoss, SE2, SE3, SeededRandom, Variable, Vector, Weight } from '../../lib/index.js';

const poses = (count: number, batch = 1) => new Variable('poses', SE2, new Float64Array(3 * count * batch), { batch });
const z = (count: number) => new Float64Array(3 * count);

describe('Objective', () => {
  test('columns skip constant elements; the pattern has one dense block per instance', () => {
    const x = new Variable('x', SE2, new Float64Array(9), { constant: [0] });
    const edges = new Between({ a: { variable: x, indices: [0, 1] }, b: { variable: x, indices: [1, 2] }, measurement: z(2) });
    const objective = new Objective([edges]);
    expect(objective.n).toBe(6);
    expect(objective.m).toBe(6);
    expect(Array.from(objective.columns[0]!)).toEqual([-1, 0, 3]);
    // Edge 0 touches only element 1 (element 0 is constant): 3 rows × 3 columns; edge 1: 3 × 6.
    expect(objective.nnz).toBe(9 + 18);
    expect(Array.from(objective.pattern.colBlocks!)).toEqual([3, 3]);
    expect(Array.from(objective.pattern.rows.subarray(0, 9))).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    // Within an instance, each element's d × dof block in turn (row-major): edge 1's first block is element 1's.
    expect(Array.from(objective.pattern.rows.subarray(9, 18))).toEqual([3, 3, 3, 4, 4, 4, 5, 5, 5]);
    expect(Array.from(objective.pattern.cols.subarray(9, 18))).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(Array.from(objective.pattern.cols.subarray(18, 21))).toEqual([3, 4, 5]);
  });

  test('costs are ½ Σ ‖W r‖² per batch element; batch-1 variables are copied into the batch', () => {
    const x = new Variable('x', Vector(2), Float64Array.of(1, 2));
    const target = Float64Array.of(0, 0, 1, 1, 2, 2);
    const prior = new Prior({ variable: x, target, targetBatch: 3, weight: Weight.scale(Float64Array.of(2)) });
    const objective = new Objective([prior]);
    expect(objective.batch).toBe(3);
    expect(Array.from(objective.costs())).toEqual([0.5 * 4 * 5, 0.5 * 4 * 1, 0.5 * 4 * 1]);
  });

  test('the cost of instances on constant elements only is in cost, not in variableCost', () => {
    // Element 0 constant: the first prior's instance 0 touches it only.
    const x = new Variable('x', Vector(2), Float64Array.of(1, 2, 3, 4), { constant: [0] });
    const priors = new Prior({ variable: { variable: x, indices: [0, 1] }, target: Float64Array.of(0, 0, 0, 0) }); // ½·5 (fixed) + ½·25
    const objective = new Objective([priors, new Prior({ name: 'again', variable: { variable: x, indices: [1] }, target: Float64Array.of(3, 3) })]); // + ½·1
    const e = objective.evaluate(objective.initialState(), { residuals: false, jacobians: false });
    expect(Array.from(e.variableCost)).toEqual([0.5 * 25 + 0.5 * 1]);
    expect(Array.from(e.cost)).toEqual([0.5 * 25 + 0.5 * 1 + 0.5 * 5]);
    expect(Array.from(objective.costs())).toEqual([0.5 * 25 + 0.5 * 1 + 0.5 * 5]);
  });

  test('a batch evaluates, across its row chunks, to what each element gives alone; active subsets and column scales', () => {
    // 100 elements × 700 edges of a 2D chain with loop closures: 70 000 rows in chunks of whole elements.
    const B = 100;
    const count = 400;
    const random = new SeededRandom(5);
    const values = SE2.random(B * count, random);
    const from = Int32Array.from({ length: 700 }, (_, i) => i % (count - 1));
    const to = Int32Array.from(from, (a, i) => (i < count - 1 ? a + 1 : (a * 7 + 3) % count));
    const measurements = SE2.random(B * 700, random);
    const weights = Float64Array.from({ length: 700 * 6 }, (_, k) => ([0, 3, 5].includes(k % 6) ? 2 + (k % 5) : 0.1));
    const build = (b?: number) => {
      const x = new Variable('x', SE2, b === undefined ? values : values.subarray(b * 3 * count, (b + 1) * 3 * count), {
        batch: b === undefined ? B : 1,
        constant: [0],
        tangent: 'world',
      });
      const z = b === undefined ? measurements : measurements.subarray(b * 2100, (b + 1) * 2100);
      const edges = new Between({
        a: { variable: x, indices: from },
        b: { variable: x, indices: to },
        measurement: z,
        measurementBatch: b === undefined ? B : 1,
        weight: Weight.sqrtInformation(weights, 3),
        loss: RobustLoss.huber(1.5),
      });
      return new Objective([edges]);
    };
    const batch = build();
    const state = batch.initialState();
    const all = batch.evaluate(state, { residuals: true, jacobians: true });
    const { m, nnz, n } = batch;
    for (const b of [0, 93, 99]) {
      const alone = build(b);
      const one = alone.evaluate(alone.initialState(), { residuals: true, jacobians: true });
      expect(all.cost[b]).toBe(one.cost[0]);
      expect(all.residuals!.subarray(b * m, (b + 1) * m)).toEqual(one.residuals);
      expect(all.jValues!.subarray(b * nnz, (b + 1) * nnz)).toEqual(one.jValues);
    }
    // Only element 1, with column scales: the others are left as they were.
    const scale = Float64Array.from({ length: B * n }, (_, k) => 1 + (k % 7) / 10);
    const into = {
      cost: new Float64Array(B).fill(-1),
      variableCost: new Float64Array(B).fill(-1),
      finite: new Uint8Array(B).fill(7),
      residuals: new Float64Array(B * m),
      jValues: new Float64Array(B * nnz),
    };
    const active = new Uint8Array(B);
    active[1] = 1;
    batch.evaluate(state, { residuals: true, jacobians: true, active, columnScale: scale }, into);
    expect(Array.from(into.cost.subarray(0, 3))).toEqual([-1, all.cost[1], -1]);
    expect(Array.from(into.variableCost.subarray(0, 3))).toEqual([-1, all.variableCost[1], -1]);
    expect(Array.from(into.finite.subarray(0, 3))).toEqual([7, 1, 7]);
    expect(into.residuals.subarray(m, 2 * m)).toEqual(all.residuals!.subarray(m, 2 * m));
    expect(into.jValues.subarray(0, nnz).every((v) => v === 0)).toBe(true);
    const cols = batch.pattern.cols;
    expect(into.jValues.subarray(nnz, 2 * nnz)).toEqual(all.jValues!.subarray(nnz, 2 * nnz).map((v, k) => v * scale[n + cols[k]!]!));
  });

  test("an element range of the program is a view: it evaluates to those elements of the whole batch, whatever the inputs' shapes", () => {
    // 4 elements × 5000 edges: each element in two chunks. Measurements per
    // element, one weight per edge for all elements, a loss radius per element
    // (one for all its edges), and a prior whose target is one for everything.
    const B = 4;
    const count = 3000;
    const edges = 5000;
    const random = new SeededRandom(9);
    const x = new Variable('x', SE2, SE2.random(B * count, random), { batch: B, constant: [0] });
    const from = Int32Array.from({ length: edges }, (_, i) => i % (count - 1));
    const to = Int32Array.from(from, (a, i) => (i < count - 1 ? a + 1 : (a * 7 + 3) % count));
    const weights = Float64Array.from({ length: edges * 6 }, (_, k) => ([0, 3, 5].includes(k % 6) ? 1 + (k % 5) : 0.2));
    const between = new Between({
      a: { variable: x, indices: from },
      b: { variable: x, indices: to },
      measurement: SE2.random(B * edges, random),
      measurementBatch: B,
      weight: Weight.sqrtInformation(weights, 3),
      loss: RobustLoss.cauchy(Float64Array.of(0.5, 1, 2, 4), { batch: B }),
    });
    const prior = new Prior({ variable: { variable: x, indices: [5] }, target: Float64Array.of(1, 2, 0.3) });
    const whole = new Objective([between, prior]);
    const all = whole.evaluate(whole.initialState(), { residuals: true, jacobians: true, instanceCosts: true });
    const { m, nnz } = whole;
    for (const [begin, end] of [
      [0, 1],
      [1, 4],
      [2, 3],
    ] as const) {
      const view = whole.program.elementRange(begin, end);
      expect(view.batch).toBe(end - begin);
      expect(view.pattern).toBe(whole.pattern);
      const state = view.initialState();
      expect(state[0]).toEqual(whole.initialState()[0]!.subarray(begin * count * 3, end * count * 3));
      const part = view.evaluate(state, { residuals: true, jacobians: true, instanceCosts: true });
      expect(part.cost).toEqual(all.cost.subarray(begin, end));
      expect(part.residuals).toEqual(all.residuals!.subarray(begin * m, end * m));
      expect(part.jValues).toEqual(all.jValues!.subarray(begin * nnz, end * nnz));
      expect(part.instanceCosts![0]).toEqual(all.instanceCosts![0]!.subarray(begin * edges, end * edges));
      // A view of a view, and an active subset of a view.
      const inner = view.elementRange(end - begin - 1, end - begin);
      expect(inner.evaluate(inner.initialState(), { residuals: false, jacobians: false }).cost[0]).toBe(all.cost[end - 1]);
      const active = new Uint8Array(end - begin);
      active[active.length - 1] = 1;
      const into = {
        cost: new Float64Array(end - begin),
        variableCost: new Float64Array(end - begin),
        finite: new Uint8Array(end - begin),
        jValues: new Float64Array((end - begin) * nnz),
      };
      view.evaluate(state, { residuals: false, jacobians: true, active }, into);
      expect(into.jValues.subarray((end - begin - 1) * nnz)).toEqual(all.jValues!.subarray((end - 1) * nnz, end * nnz));
    }
  });

  test('a non-finite residual or Jacobian marks only its batch element', () => {
    const x = new Variable('x', Vector(1), Float64Array.of(1, 2, 3), { batch: 3 });
    const term = new Custom({
      dim: 1,
      variables: [x],
      residual: (rows, [v], out) => {
        for (let i = 0; i < rows; i++) out[i] = v![i] === 2 ? NaN : v![i]!;
      },
      jacobians: (rows, [v], [j]) => {
        for (let i = 0; i < rows; i++) j![i] = v![i] === 3 ? Infinity : 1;
      },
    });
    const objective = new Objective([term]);
    const e = objective.evaluate(objective.initialState(), { residuals: true, jacobians: true });
    expect(Array.from(e.finite)).toEqual([1, 0, 0]);
    expect(Array.from(objective.evaluate(objective.initialState(), { residuals: true, jacobians: false }).finite)).toEqual([1, 0, 1]);
  });

  test('BAD CALL - mismatched batch sizes', () => {
    const x = poses(2, 3);
    expect(
      () => new Objective([new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement: z(2), measurementBatch: 2 })]),
    ).toThrow(new RangeError("Objective: 'terms' must be inputs of batch 1 or 3, got 'between.measurement' of batch 2"));
  });

  test('BAD CALL - an index out of range', () => {
    const x = poses(2);
    expect(() => new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [2] }, measurement: z(1) })).toThrow(
      new RangeError("Between: 'options.b.indices[0]' must be an element index of 'poses' in [0, 2), got 2"),
    );
  });

  test('BAD CALL - instance counts that disagree', () => {
    const x = poses(3);
    expect(() => new Between({ a: { variable: x, indices: [0, 1] }, b: { variable: x, indices: [1, 2] }, measurement: z(3) })).toThrow(
      new RangeError("Between: 'options.a' must be 1 or 3 instances (the term's instance count), got 2"),
    );
  });

  test('BAD CALL - a weight of the wrong shape or with a non-positive diagonal', () => {
    const x = poses(2);
    const edge = (weight: Weight) => new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement: z(1), weight });
    expect(() => edge(Weight.diagonal(Float64Array.of(1, 1), 2))).toThrow(
      /^Between: 'options.weight' must be a weight for residuals of dimension 3, got one of dimension 2$/,
    );
    expect(() => edge(Weight.sqrtInformation(Float64Array.of(1, 0, 0, -2, 0, 1), 3))).toThrow(/must be a weight with a positive diagonal, got -2 at index 3/);
    expect(() => edge(Weight.scale(Float64Array.of(1, 1, 1)))).toThrow(
      /^Between: 'options.weight' must be 1 or 1 instances \(the term's instance count\), got 3$/,
    );
  });

  test('BAD CALL - a non-unit quaternion and NaN initial values', () => {
    expect(() => new Variable('p', SE3, Float64Array.of(0, 0, 0, 0, 0, 0, 2))).toThrow(RangeError);
    expect(() => new Variable('p', SE3, Float64Array.of(0, 0, 0, 0, 0, 0, 2))).toThrow(/^Variable: 'values' must hold unit quaternions/);
    expect(() => new Variable('p', SE2, Float64Array.of(0, NaN, 0))).toThrow(/^Variable: 'values' must be finite, got NaN at batch element 0, index 1$/);
  });

  test('BAD CALL - a variable element no cost touches', () => {
    const x = poses(3);
    expect(() => new Objective([new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement: z(1) })])).toThrow(
      new RangeError(
        "Objective: 'terms' must be cost terms that use every non-constant element (or that element made constant), got element 2 of variable 'poses' used by no term",
      ),
    );
  });

  test('BAD CALL - duplicate names, no terms, not a term', () => {
    const x = poses(2);
    const y = new Variable('poses', SE2, new Float64Array(3));
    const a = new Prior({ variable: y, target: z(1) });
    const b = new Prior({ variable: { variable: x, indices: [0, 1] }, target: z(1), name: 'other' });
    expect(() => new Objective([a, b])).toThrow(
      /^Objective: 'terms' must be inputs with unique names \('poses' names a variable and a variable\), got a duplicate$/,
    );
    expect(() => new Objective([])).toThrow(new RangeError("Objective: 'terms' must be a non-empty array of cost terms, got an empty array"));
    expect(() => new Objective([{}] as never)).toThrow(new TypeError("Objective: 'terms[0]' must be a CostTerm, got an object"));
  });
});
