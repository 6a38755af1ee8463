// ariadne/tfjs: the differentiable solve as one TensorFlow.js op, on the cpu
// backend of @tensorflow/tfjs. Gradients through tf.grads agree with the
// float64 backward of ariadne/layer at the same (float32) inputs to float32
// accuracy; tf.variableGrads and optimizer.minimize train through it without
// leaking tensors; bad calls name the input; other backends are refused.
import * as tf from '@tensorflow/tfjs';

import { LevenbergMarquardt, type Optimizer, RobustLoss, SeededRandom, manhattanWorld, poseGraphObjective } from '../../lib/index.js';
import { DifferentiableSolve, type DifferentiableSolveOptions } from '../../lib/layer/index.js';
import { SolveLayer } from '../../lib/tfjs/index.js';
import { relativeError } from '../helpers/layer.js';
import { SOLVE, curveObjective } from '../helpers/layer-cases.js';

beforeAll(async () => {
  // tfjs's test mode: the engine checks every kernel (our op's forward too) for leaked tensors, and the Node banner is not printed.
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

interface Problem {
  optimizer: Optimizer;
  /** Every input the op takes, by name, as float64. */
  inputs: Record<string, Float64Array>;
}

/** test/helpers/layer-cases.ts' curve fit per batch element with σ-level noise and a Cauchy loss of radius 1. */
function curveFit(batch = 1, count = 20): Problem {
  const { objective, inputs } = curveObjective(0.05, { loss: RobustLoss.cauchy(1), batch, count });
  return { optimizer: new LevenbergMarquardt(objective, SOLVE), inputs };
}

/** A noisy 12-pose SE2 graph: measurements, full square-root information and the initial poses as inputs. */
function poseGraph(): Problem {
  const pg = poseGraphObjective(manhattanWorld({ poses: 12, seed: 5 }).graph);
  const optimizer = new LevenbergMarquardt(pg.objective, SOLVE);
  const inputs = {
    'edges.measurement': pg.edges.auxiliary[0]!.values,
    'edges.weight': pg.edges.weight!.aux.values,
    poses: pg.objective.variables[0]!.values,
  };
  return { optimizer, inputs };
}

const float32 = (x: Float64Array) => Float64Array.from(Float32Array.from(x));

/**
 * ∂L/∂input of L = Σ c ⊙ x* (c random, float32), through tf.grads of the op
 * and unpack, against DifferentiableSolve.backward on a twin problem at the
 * float32-rounded inputs; the relative errors by input.
 */
function agreement(label: string, build: () => Problem, options: DifferentiableSolveOptions = {}): Record<string, number> {
  const problem = build();
  const names = Object.keys(problem.inputs);
  const layer = new SolveLayer(problem.optimizer, { inputs: names, ...options });
  const reference = new DifferentiableSolve(build().optimizer, options);
  try {
    const random = new SeededRandom(7);
    const c = tf.tensor2d(
      Float32Array.from({ length: layer.batch * layer.total }, () => random.normal()),
      [layer.batch, layer.total],
    );
    const tensors = names.map((n) => tf.tensor(Float32Array.from(problem.inputs[n]!), layer.inputShape(n)));
    const loss = (...xs: tf.Tensor[]) => {
      const x = layer.unpack(layer.apply(xs));
      const u = layer.unpack(c);
      return tf.addN(Object.keys(x).map((name) => tf.sum(tf.mul(x[name]!, u[name]!))));
    };
    const before = tf.memory().numTensors;
    const gradients = tf.grads(loss)(tensors);
    expect(tf.memory().numTensors).toBe(before + names.length); // the gradients only
    gradients.forEach((g, i) => {
      expect(g.shape).toEqual(tensors[i]!.shape);
      expect(g.dtype).toBe('float32');
    });

    const forward = reference.forward(Object.fromEntries(names.map((n) => [n, float32(problem.inputs[n]!)])));
    expect(layer.info).toEqual(forward.info);
    const packed = tf.tidy(() => layer.unpack(layer.apply(tensors)));
    for (const [name, x] of Object.entries(forward.values)) {
      expect(relativeError(Float64Array.from(packed[name]!.dataSync()), x)).toBeLessThan(1e-7);
    }
    const upstream = tf.tidy(() => layer.unpack(c));
    const expected = reference.backward(Object.fromEntries(Object.entries(upstream).map(([name, u]) => [name, Float64Array.from(u.dataSync())])));
    const errors: Record<string, number> = {};
    names.forEach((name, i) => {
      const want = expected[name] ?? new Float64Array(problem.inputs[name]!.length);
      errors[name] = relativeError(Float64Array.from(gradients[i]!.dataSync()), want);
      if (!(name in expected)) expect(gradients[i]!.dataSync().every((v) => v === 0)).toBe(true);
    });
    console.log(`${label}: tf.grads against the float64 backward: ${names.map((n) => `${n} ${errors[n]!.toExponential(2)}`).join(', ')}`);
    tf.dispose([c, ...tensors, ...gradients, ...Object.values(packed), ...Object.values(upstream)]);
    return errors;
  } finally {
    layer.dispose();
    reference.dispose();
  }
}

describe('gradients through tf.grads equal the float64 backward', () => {
  test('a curve fit with a Cauchy loss: samples, weight and log radius', () => {
    for (const error of Object.values(agreement('curve', () => curveFit(), { exactHessian: true }))) expect(error).toBeLessThan(1e-6);
  });

  test('a batch of two curves (samples per element, weight and radius shared)', () => {
    for (const error of Object.values(agreement('two curves', () => curveFit(2)))) expect(error).toBeLessThan(1e-6);
  });

  test("an SE2 pose graph: measurements, square-root information and the poses' values (the fixed vertex's a parameter)", () => {
    const errors = agreement('SE2 graph', poseGraph, { exactHessian: true });
    for (const error of Object.values(errors)) expect(error).toBeLessThan(1e-6);
  });

  test('a mode passed through: unroll, with the initial values as an input', () => {
    const withStart = (): Problem => {
      const problem = curveFit();
      return { ...problem, inputs: { ...problem.inputs, abc: Float64Array.of(1, -0.5, 0) } };
    };
    const errors = agreement('curve, unroll', withStart, { mode: 'unroll' });
    for (const error of Object.values(errors)) expect(error).toBeLessThan(1e-6);
  });

  test("only the inputs named differentiable get gradients; the others' are zeros", () => {
    const errors = agreement('SE2 graph, measurements only', poseGraph, { differentiable: ['edges.measurement'] });
    for (const error of Object.values(errors)) expect(error).toBeLessThan(1e-6);
  });
});

describe('training', () => {
  /** Learn the samples so that the fitted (a, b, c) moves to a target. */
  function setup() {
    const { optimizer, inputs } = curveFit();
    const layer = new SolveLayer(optimizer, { inputs: ['samples'] });
    const samples = tf.variable(tf.tensor3d(Float32Array.from(inputs['samples']!), [1, 20, 2]));
    const target = tf.tensor3d([[[2, -1, 0.8]]]);
    const loss = () => tf.sum(tf.squaredDifference(layer.unpack(layer.apply([samples]))['abc']!, target)) as tf.Scalar;
    return { layer, samples, target, loss };
  }

  test('tf.variableGrads gives the gradient tf.grads gives', () => {
    const { layer, samples, target, loss } = setup();
    const { value, grads } = tf.variableGrads(loss, [samples]);
    const [expected] = tf.grads((s: tf.Tensor) => tf.sum(tf.squaredDifference(layer.unpack(layer.apply([s]))['abc']!, target)))([samples]);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    expect(Array.from(grads[samples.name]!.dataSync())).toEqual(Array.from(expected!.dataSync()));
    tf.dispose([value, grads[samples.name]!, expected!, samples, target]);
    layer.dispose();
  });

  test('optimizer.minimize lowers the loss, and numTensors is the same after step 1 and step 101', () => {
    const { layer, samples, target, loss } = setup();
    const adam = tf.train.adam(0.01);
    const costs: number[] = [];
    let after1 = 0;
    for (let step = 1; step <= 101; step++) {
      const cost = adam.minimize(loss, true, [samples])!;
      costs.push(cost.dataSync()[0]!);
      cost.dispose();
      if (step === 1) after1 = tf.memory().numTensors;
    }
    const after101 = tf.memory().numTensors;
    console.log(
      `minimize: loss ${costs[0]!.toExponential(3)} → ${costs.at(-1)!.toExponential(3)}; numTensors ${after1} after step 1, ${after101} after step 101`,
    );
    expect(after101).toBe(after1);
    expect(costs.at(-1)!).toBeLessThan(0.05 * costs[0]!);
    expect(layer.info[0]!.status).toBe('converged');
    adam.dispose();
    tf.dispose([samples, target]);
    layer.dispose();
  });
});

describe('the packed output', () => {
  test('is [B, total] with the variables in order; unpack gives [B, count, storage] by name', () => {
    const { optimizer } = poseGraph();
    const layer = new SolveLayer(optimizer, { inputs: ['edges.weight'] });
    expect(layer.packing).toEqual([{ name: 'poses', offset: 0, count: 12, storage: 3 }]);
    expect(layer.inputShape('edges.weight')).toEqual([1, optimizer.objective.terms[0]!.instances, 6]);
    expect(() => layer.inputShape('poses')).toThrow(
      new RangeError("SolveLayer.inputShape: 'name' must be one of the op's inputs ('edges.weight'), got 'poses'"),
    );
    const weight = tf.tensor(Float32Array.from(optimizer.objective.terms[0]!.weight!.aux.values), layer.inputShape('edges.weight'));
    const packed = layer.apply([weight]);
    expect(packed.shape).toEqual([1, 36]);
    const { poses } = layer.unpack(packed);
    expect(poses!.shape).toEqual([1, 12, 3]);
    expect(Array.from(poses!.dataSync())).toEqual(Array.from(packed.dataSync()));
    expect(layer.info).toHaveLength(1);
    tf.dispose([weight, packed, poses!]);
    layer.dispose();
  });
});

describe('BAD CALL - errors name the input', () => {
  const fn = 'SolveLayer.apply';

  test('construction: inputs missing, empty, unknown, repeated; differentiable outside inputs; options passed through', () => {
    const make = (options: unknown) => () => new SolveLayer(curveFit().optimizer, options as never);
    expect(make({})).toThrow(new TypeError("SolveLayer: 'options.inputs' must be an array of input names, got undefined"));
    expect(make({ inputs: [] })).toThrow(new RangeError("SolveLayer: 'options.inputs' must be a non-empty array of input names, got an empty array"));
    expect(make({ inputs: ['samples', 'nope'] })).toThrow(
      new RangeError(
        "SolveLayer: 'options.inputs[1]' must be the name of an input of the objective ('abc', 'samples', 'curve.weight', 'curve.loss'), got 'nope'",
      ),
    );
    expect(make({ inputs: ['samples', 'samples'] })).toThrow(
      new RangeError("SolveLayer: 'options.inputs[1]' must be a name not given before, got 'samples' again"),
    );
    expect(make({ inputs: ['samples'], differentiable: ['curve.weight'] })).toThrow(
      new RangeError("SolveLayer: 'options.differentiable[0]' must be one of options.inputs ('samples'), got 'curve.weight'"),
    );
    expect(make({ inputs: ['samples'], exactHessian: 'yes' })).toThrow(
      new TypeError("DifferentiableSolve: 'options.exactHessian' must be a boolean, got a string"),
    );
    expect(() => new SolveLayer(null as never, { inputs: ['samples'] })).toThrow(TypeError);
  });

  test('apply: count, type, dtype, shape, batch, NaN; nothing is left allocated', () => {
    const { optimizer } = curveFit();
    const layer = new SolveLayer(optimizer, { inputs: ['samples', 'curve.weight'] });
    const samples = tf.zeros([1, 20, 2]);
    const weight = tf.ones([1, 1, 1]);
    const before = tf.memory().numTensors;
    const bad = (tensors: unknown[]) => () => layer.apply(tensors as tf.Tensor[]);
    expect(bad([samples])).toThrow(new RangeError(`${fn}: 'tensors' must be an array of 2 tensors ('samples', 'curve.weight'), got 1`));
    expect(bad([samples, Float32Array.of(1)])).toThrow(new TypeError(`${fn}: 'tensors[1]' must be a tf.Tensor (input 'curve.weight'), got Float32Array`));
    const int = tf.ones([1, 1, 1], 'int32');
    expect(bad([samples, int])).toThrow(new TypeError(`${fn}: 'tensors[1]' must be of dtype float32 (input 'curve.weight'), got dtype int32`));
    const flat = tf.zeros([40]);
    expect(bad([flat, weight])).toThrow(new RangeError(`${fn}: 'tensors[0]' must be of shape [1, 20, 2] (input 'samples'), got shape [40]`));
    const batch3 = tf.zeros([3, 20, 2]);
    expect(bad([batch3, weight])).toThrow(new RangeError(`${fn}: 'tensors[0]' must be of batch 1 (input 'samples' has shape [1, 20, 2]), got batch 3`));
    const nan = tf.tensor3d([[[NaN]]]);
    expect(bad([samples, nan])).toThrow(new RangeError(`${fn}: 'tensors[1]' must be finite (input 'curve.weight'), got NaN at index 0`));
    const negative = tf.tensor3d([[[-1]]]);
    expect(bad([samples, negative])).toThrow(/inputs\['curve.weight'\]/); // the float64 layer's own checks
    const disposed = tf.ones([1, 1, 1]);
    disposed.dispose();
    expect(bad([samples, disposed])).toThrow(new RangeError(`${fn}: 'tensors[1]' must be a live tensor (input 'curve.weight'), got a disposed tensor`));
    expect(tf.memory().numTensors).toBe(before + 5);
    expect(() => layer.unpack(tf.zeros([3]))).toThrow(
      new RangeError("SolveLayer.unpack: 'packed' must be of shape [1, 3] (batch × Σ count·storage), got shape [3]"),
    );
    tf.dispose([samples, weight, int, flat, batch3, nan, negative]);
    layer.dispose();
  });

  test('a backend without synchronous reads is refused before anything is read', async () => {
    // A backend standing for webgl/webgpu: the cpu backend's code, its reads refused.
    tf.registerBackend('async-only', () => {
      const backend = tf.findBackendFactory('cpu')!() as tf.KernelBackend;
      backend.readSync = () => {
        throw new Error('async-only: no synchronous reads');
      };
      return backend;
    });
    const layer = new SolveLayer(curveFit().optimizer, { inputs: ['curve.weight'] });
    try {
      await tf.setBackend('async-only');
      const weight = tf.ones([1, 1, 1]);
      expect(() => layer.apply([weight])).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_STATE',
          message: `${fn}: the TensorFlow.js backend 'async-only' has no synchronous reads; use one that has ('cpu', 'tensorflow', 'wasm': tf.setBackend('cpu'), or @tensorflow/tfjs-node)`,
        }),
      );
      weight.dispose();
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('async-only');
      layer.dispose();
    }
  });
});

describe('dispose', () => {
  test('releases the float64 layer once; apply, info and a pending gradient then throw', () => {
    const spy = jest.spyOn(DifferentiableSolve.prototype, 'dispose');
    const layer = new SolveLayer(curveFit().optimizer, { inputs: ['curve.weight'] });
    const weight = tf.ones([1, 1, 1]);
    expect(() => layer.info).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE', message: 'SolveLayer.info: no apply has completed' }));
    const gradient = (after: (l: SolveLayer) => void) => () =>
      tf.grads((w: tf.Tensor) => {
        const x = layer.apply([w]);
        after(layer);
        return tf.sum(x);
      })([weight]);
    expect(gradient((l) => l.apply([weight]).dispose())).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE', message: expect.stringContaining('applied again before the gradient of an earlier apply') }),
    );
    expect(gradient((l) => l.dispose())).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_STATE',
        message: 'SolveLayer (gradient): the layer was disposed before the gradient of its apply was taken',
      }),
    );
    expect(spy).toHaveBeenCalledTimes(1);
    layer.dispose(); // again: nothing
    expect(spy).toHaveBeenCalledTimes(1);
    expect(() => layer.apply([weight])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE', message: 'SolveLayer.apply: the layer is disposed' }));
    expect(() => layer.info).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE', message: 'SolveLayer.info: the layer is disposed' }));
    weight.dispose();
    spy.mockRestore();
  });
});
