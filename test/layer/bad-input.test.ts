// Bad calls of ariadne/layer: each is an error naming the input or the cause,
// never a crash or a NaN; nothing given is modified.
import { LevenbergMarquardt, Objective, Prior, RobustLoss, SE3, Variable, Vector, Weight } from '../../lib/index.js';
import { DifferentiableSolve } from '../../lib/layer/index.js';

function layer(): DifferentiableSolve {
  const x = new Variable('x', Vector(2), Float64Array.of(0, 0));
  const pose = new Variable('pose', SE3, Float64Array.of(0, 0, 0, 0, 0, 0, 1));
  const prior = new Prior({
    name: 'prior',
    variable: x,
    target: Float64Array.of(1, 2),
    weight: Weight.diagonal(Float64Array.of(1, 2), 2),
    loss: RobustLoss.cauchy(1),
  });
  const posePrior = new Prior({ name: 'posePrior', variable: pose, target: Float64Array.of(1, 0, 0, 0, 0, 0, 1) });
  return new DifferentiableSolve(new LevenbergMarquardt(new Objective([prior, posePrior])));
}

const fn = 'DifferentiableSolve.forward';

describe('BAD CALL - the layer names the input or the cause', () => {
  test('forward: unknown name, wrong type, wrong length, NaN, negative weight, zero-norm quaternion', () => {
    const l = layer();
    expect(() => l.forward({ nope: Float64Array.of(1) })).toThrow(
      new RangeError(
        `${fn}: 'inputs' must be the name of an input of the objective ('x', 'pose', 'prior.target', 'prior.weight', 'prior.loss', 'posePrior.target'), got 'nope'`,
      ),
    );
    expect(() => l.forward({ 'prior.target': [1, 2] as never })).toThrow(new TypeError(`${fn}: 'inputs['prior.target']' must be a Float64Array, got an Array`));
    expect(() => l.forward({ 'prior.target': Float64Array.of(1) })).toThrow(RangeError);
    expect(() => l.forward({ 'prior.target': Float64Array.of(1) })).toThrow(
      /'inputs\['prior.target'\]' must be of length 2 \(batch 1 × instances 1 × 2\), got length 1/,
    );
    expect(() => l.forward({ 'prior.target': Float64Array.of(1, NaN) })).toThrow(
      new RangeError(`${fn}: 'inputs['prior.target']' must be finite, got NaN at index 1`),
    );
    expect(() => l.forward({ 'prior.weight': Float64Array.of(1, -2) })).toThrow(
      /'inputs\['prior.weight'\]' must be a weight with a non-negative diagonal \(0 masks\), got -2 at index 1/,
    );
    expect(() => l.forward({ 'posePrior.target': Float64Array.of(1, 0, 0, 0, 0, 0, 1e-9) })).toThrow(
      new RangeError(`${fn}: 'inputs['posePrior.target']' must be quaternions of norm ≥ 1e-8, got norm 1e-9 at element 0`),
    );
    expect(() => l.forward(null as never)).toThrow(TypeError);
    l.dispose();
  });

  test('what a user passed is not modified; a non-unit quaternion is used normalised', () => {
    const l = layer();
    const target = Float64Array.of(1, 0, 0, 0, 0, 0, 2);
    const result = l.forward({ 'posePrior.target': target });
    expect(Array.from(target)).toEqual([1, 0, 0, 0, 0, 0, 2]);
    expect(result.values['pose']![6]).toBeCloseTo(1, 12);
    l.dispose();
  });

  test('backward: before forward, unknown variable, wrong length, after dispose; options', () => {
    const l = layer();
    expect(() => l.backward({})).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE', message: 'DifferentiableSolve.backward: call forward before backward' }),
    );
    l.forward({ 'prior.target': Float64Array.of(1, 2) });
    expect(() => l.backward({ y: Float64Array.of(1) })).toThrow(
      new RangeError(`DifferentiableSolve.backward: 'upstream' must be the name of a variable ('x', 'pose'), got 'y'`),
    );
    expect(() => l.backward({ x: Float64Array.of(1) })).toThrow(
      new RangeError(`DifferentiableSolve.backward: 'upstream['x']' must be of length 2 (batch 1 × count 1 × storage 2), got length 1`),
    );
    const g = l.backward({ x: Float64Array.of(1, 0) });
    expect(Object.keys(g)).toEqual(['prior.target']);
    // ∂x*/∂target = I for a prior alone.
    expect(g['prior.target']![0]).toBeCloseTo(1, 6);
    expect(g['prior.target']![1]).toBeCloseTo(0, 6);
    l.dispose();
    expect(() => l.forward({})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE', message: `${fn}: the layer is disposed` }));
    expect(() => l.backward({})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    const other = layer();
    const optimizer = other.optimizer;
    expect(() => new DifferentiableSolve({} as never)).toThrow(TypeError);
    expect(() => new DifferentiableSolve(optimizer, { mode: 'unrolled' as never })).toThrow(
      new RangeError(`DifferentiableSolve: 'options.mode' must be 'implicit', 'unroll', truncated(k) or dlm(ε), got 'unrolled'`),
    );
    expect(() => new DifferentiableSolve(optimizer, { exactHessian: 1 as never })).toThrow(
      new TypeError(`DifferentiableSolve: 'options.exactHessian' must be a boolean, got a number (1)`),
    );
    expect(() => new DifferentiableSolve(optimizer, { differentiable: ['nope'] })).toThrow(/'options.differentiable\[0\]' must be the name of an input/);
    other.dispose();
    expect(() => other.factorizationCount).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE', message: 'DifferentiableSolve.factorizationCount: the layer is disposed' }),
    );
  });

  test('a log radius whose exp is not a finite positive number is refused before anything is set', () => {
    const l = layer();
    l.forward({ 'prior.target': Float64Array.of(1, 2) });
    expect(() => l.forward({ 'prior.target': Float64Array.of(5, 5), 'prior.loss': Float64Array.of(1000) })).toThrow(
      new RangeError(`${fn}: 'inputs['prior.loss']' must be log radii whose exp is a finite number > 0, got 1000 at index 0`),
    );
    expect(() => l.forward({ 'prior.loss': Float64Array.of(-800) })).toThrow(/got -800 at index 0/);
    // Nothing was set: the objective still has the first forward's target.
    expect(Array.from(l.objective.terms[0]!.auxiliary[0]!.values)).toEqual([1, 2]);
    l.dispose();
  });

  test('backward leaves every input as it was, bit for bit, and steps within a small weight', () => {
    const l = layer();
    const term = l.objective.terms[0]!;
    const radius = term.loss!.radius;
    radius.setValues(Float64Array.of(0.3));
    l.forward({ 'prior.weight': Float64Array.of(1e-6, 2) });
    const before = [term.auxiliary[0]!.values, term.weight!.aux.values, radius.values];
    const g = new DifferentiableSolve(l.optimizer, { differentiable: ['prior.target', 'prior.weight', 'prior.loss', 'posePrior.target'] });
    g.forward({ 'prior.weight': Float64Array.of(1e-6, 2) });
    const gradients = g.backward({ x: Float64Array.of(1, 1) });
    for (const value of Object.values(gradients)) expect(value.every(Number.isFinite)).toBe(true);
    expect([term.auxiliary[0]!.values, term.weight!.aux.values, radius.values]).toEqual(before);
    expect(radius.values[0]).toBe(0.3);
    g.dispose();
    l.dispose();
  });
});
