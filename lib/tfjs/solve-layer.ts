/**
 * The TensorFlow.js face of the differentiable solve:
 * one op, built with tf.customGrad, over a {@link DifferentiableSolve}.
 * Tensors cross the boundary as float32 and are solved in float64: the
 * forward reads the input tensors synchronously, solves, and returns x* of
 * every variable packed in one float32 tensor; the gradFunc turns the
 * upstream ∂L/∂x* into ∂L/∂input by the layer's float64 backward and
 * returns one float32 tensor per input, of that input's shape (zeros for an
 * input that is not differentiable).
 */
import * as tf from '@tensorflow/tfjs-core';

import { rangeError, stateError, typeError } from '../base/check.js';
import { DifferentiableSolve, type DifferentiableSolveOptions, type ElementInfo } from '../layer/differentiable-solve.js';
import { findSlot, inputSlots, type InputSlot } from '../layer/inputs.js';
import type { Optimizer } from '../optim/optimizer.js';

/** The backends whose tensors can be read synchronously (tfjs-node's is 'tensorflow'). */
export const SYNC_BACKENDS = ['cpu', 'tensorflow', 'wasm'] as const;

/** How a {@link SolveLayer} is built: the op's ordered inputs, and the options of its {@link DifferentiableSolve}. */
export interface SolveLayerOptions extends DifferentiableSolveOptions {
  /**
   * The names of the inputs the op takes, in the order {@link SolveLayer.apply}
   * takes their tensors: auxiliary inputs (measurements, targets), weights
   * (`<term>.weight`), loss radii as log δ (`<term>.loss`) and variables
   * (their initial values). Inputs not named keep their current values.
   * `differentiable`, when given, must name some of these (default: all).
   */
  inputs: readonly string[];
}

/** Where one variable lies in the packed output: columns [offset, offset + count·storage) of each row. */
export interface PackedVariable {
  /** The variable's name. */
  name: string;
  /** Its first column in a row of the packed tensor. */
  offset: number;
  /** Its elements per batch element. */
  count: number;
  /** Numbers stored per element. */
  storage: number;
}

/**
 * A differentiable nonlinear least-squares solve as one TensorFlow.js op.
 *
 * `apply(tensors)` takes one float32 tensor per input named in
 * `options.inputs`, in that order, each of the input's shape
 * ({@link SolveLayer.inputShape}: `[batch, instances, k]` for an auxiliary
 * input, weight or log radius, `[batch, count, storage]` for a variable's
 * initial values, exactly as the objective declares them). It returns all
 * variables' x* packed in one float32 tensor of shape `[B, total]`: row b
 * holds, for each variable in the objective's order, its count·storage
 * numbers of batch element b ({@link SolveLayer.packing});
 * {@link SolveLayer.unpack} splits it by name into `[B, count, storage]`
 * tensors with tfjs ops, so gradients flow through the split.
 *
 * Gradients come through tf.grads, tf.variableGrads and optimizer.minimize
 * (the tape); the backward is the float64 one of
 * {@link DifferentiableSolve.backward}. The native factor kept for it is
 * released at the next apply or at dispose(), so the gradient of an apply
 * must be taken before the same layer is applied again. Supported backends
 * are those with synchronous reads ({@link SYNC_BACKENDS}).
 *
 * @example
 * ```ts
 * import { LevenbergMarquardt, Objective, Prior, Variable, Vector } from 'ariadne';
 * import { SolveLayer } from 'ariadne/tfjs';
 * import * as tf from '@tensorflow/tfjs';
 * await tf.setBackend('cpu');
 * // x* is the target of a prior, so the gradient of Σ x* with respect to the target is all ones.
 * const x = new Variable('x', Vector(2), new Float64Array(2));
 * const prior = new Prior({ variable: x, target: new Float64Array(2), name: 'prior' });
 * const layer = new SolveLayer(new LevenbergMarquardt(new Objective([prior])), { inputs: ['prior.target'] });
 * const target = tf.tensor3d([[[1, 2]]]);
 * console.log(layer.inputShape('prior.target')); // [1, 1, 2]
 * const [gradient] = tf.grads((t: tf.Tensor) => tf.sum(layer.apply([t])))([target]);
 * console.log(Array.from(gradient!.dataSync())); // [1, 1]
 * layer.dispose();
 * ```
 */
export class SolveLayer {
  /** The input names, in the order apply takes their tensors. */
  readonly inputs: readonly string[];
  /** Where each variable lies in a row of the packed output, in the objective's order. */
  readonly packing: readonly PackedVariable[];
  /** The batch size B: the packed output is `[B, total]`. */
  readonly batch: number;
  /** The numbers per batch element of the packed output (Σ count·storage). */
  readonly total: number;
  readonly #solve: DifferentiableSolve;
  /** The shape of each input's tensor, by name. */
  readonly #shapes: ReadonlyMap<string, readonly number[]>;
  readonly #op: (...tensors: tf.Tensor[]) => tf.Tensor;
  /** Counts forwards, so that a gradFunc can tell whether the kept factor is still its own. */
  #generation = 0;
  #info: ElementInfo[] | undefined;
  #disposed = false;

  constructor(optimizer: Optimizer, options: SolveLayerOptions) {
    const fn = 'SolveLayer';
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw typeError(fn, 'options', 'an object with inputs', options);
    const { inputs, ...rest } = options;
    this.#solve = new DifferentiableSolve(optimizer, rest); // checks the optimiser and the options passed through
    try {
      if (!Array.isArray(inputs)) throw typeError(fn, 'options.inputs', 'an array of input names', inputs);
      if (inputs.length === 0) throw rangeError(fn, 'options.inputs', 'a non-empty array of input names', 'an empty array');
      const slots = inputSlots(optimizer.objective);
      const order: InputSlot[] = (inputs as unknown[]).map((name, i) => {
        const arg = `options.inputs[${i}]`;
        if (typeof name !== 'string') throw typeError(fn, arg, 'an input name', name);
        if (inputs.indexOf(name) !== i) throw rangeError(fn, arg, 'a name not given before', `'${name}' again`);
        return findSlot(fn, arg, slots, name);
      });
      (rest.differentiable ?? []).forEach((name, i) => {
        if (!inputs.includes(name))
          throw rangeError(fn, `options.differentiable[${i}]`, `one of options.inputs (${inputs.map((n) => `'${n}'`).join(', ')})`, `'${name}'`);
      });
      this.inputs = inputs.slice();
      this.#shapes = new Map(order.map((slot) => [slot.name, shapeOf(slot)]));
    } catch (error) {
      this.#solve.dispose();
      throw error;
    }

    const objective = optimizer.objective;
    let offset = 0;
    this.packing = objective.variables.map((v) => {
      const packed = Object.freeze({ name: v.name, offset, count: v.count, storage: v.group.storage });
      offset += v.count * v.group.storage;
      return packed;
    });
    this.batch = objective.batch;
    this.total = offset;
    this.#op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => this.#forward(args.slice(0, this.inputs.length) as tf.Tensor[]));
  }

  /**
   * The shape the tensor of input `name` must have: `[batch, instances, k]`
   * for an auxiliary input, weight or log radius, `[batch, count, storage]`
   * for a variable's initial values, as the objective declares them.
   */
  inputShape(name: string): number[] {
    const shape = this.#shapes.get(name);
    if (shape === undefined) throw rangeError('SolveLayer.inputShape', 'name', `one of the op's inputs (${this.#names()})`, `'${name}'`);
    return shape.slice();
  }

  /** Per batch element, how the last apply's solve ended and whether its gradient means anything. */
  get info(): ElementInfo[] {
    this.#checkLive('SolveLayer.info');
    if (this.#info === undefined) throw stateError('SolveLayer.info: no apply has completed');
    return this.#info.map((e) => ({ ...e }));
  }

  /**
   * Solves with the inputs' values from `tensors` (one float32 tensor per
   * name of `inputs`, in that order, each of its {@link SolveLayer.inputShape}
   * shape, finite) and returns x* of every variable packed in one float32
   * tensor of shape `[B, total]` (see {@link SolveLayer.packing}).
   */
  apply(tensors: readonly tf.Tensor[]): tf.Tensor2D {
    const fn = 'SolveLayer.apply';
    this.#checkLive(fn);
    if (!Array.isArray(tensors)) throw typeError(fn, 'tensors', `an array of ${this.inputs.length} tensors (${this.#names()})`, tensors);
    if (tensors.length !== this.inputs.length)
      throw rangeError(fn, 'tensors', `an array of ${this.inputs.length} tensors (${this.#names()})`, `${tensors.length}`);
    tensors.forEach((t, i) => this.#checkTensor(fn, i, t));
    checkBackend(fn);
    return this.#op(...tensors) as tf.Tensor2D;
  }

  /**
   * Splits a packed output (`[B, total]`, from {@link SolveLayer.apply} or
   * any tensor of that shape) into one `[B, count, storage]` tensor per
   * variable, by name, with tfjs ops (differentiable).
   */
  unpack(packed: tf.Tensor): Record<string, tf.Tensor3D> {
    const fn = 'SolveLayer.unpack';
    if (!(packed instanceof tf.Tensor)) throw typeError(fn, 'packed', 'a tf.Tensor', packed);
    if (!sameShape(packed.shape, [this.batch, this.total]))
      throw rangeError(fn, 'packed', `of shape [${this.batch}, ${this.total}] (batch × Σ count·storage)`, `shape [${packed.shape.join(', ')}]`);
    return tf.tidy(() => {
      const out: Record<string, tf.Tensor3D> = {};
      for (const { name, offset, count, storage } of this.packing) {
        out[name] = tf.reshape(tf.slice(packed, [0, offset], [this.batch, count * storage]), [this.batch, count, storage]);
      }
      return out;
    });
  }

  /** Releases the native handle and the factor kept for a backward; apply, info and a pending gradient then throw. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#generation++;
    this.#solve.dispose();
  }

  /** The op's forward: reads the inputs (float32 → float64, finite), solves, packs x* as float32. */
  #forward(tensors: tf.Tensor[]): { value: tf.Tensor2D; gradFunc: (dy: tf.Tensor2D) => tf.Tensor[] } {
    const values: Record<string, Float64Array> = {};
    tensors.forEach((t, i) => {
      const name = this.inputs[i]!;
      const x = Float64Array.from(t.dataSync() as Float32Array);
      const bad = x.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw rangeError('SolveLayer.apply', `tensors[${i}]`, `finite (input '${name}')`, `${x[bad]} at index ${bad}`);
      values[name] = x;
    });
    const generation = ++this.#generation;
    this.#info = undefined;
    const forward = this.#solve.forward(values);
    this.#info = forward.info;

    const { batch: B, total } = this;
    const packed = new Float32Array(B * total);
    for (const { name, offset, count, storage } of this.packing) {
      const x = forward.values[name]!;
      const size = count * storage;
      for (let b = 0; b < B; b++) packed.set(x.subarray(b * size, (b + 1) * size), b * total + offset);
    }
    const gradFunc = (dy: tf.Tensor2D): tf.Tensor[] => {
      const fn = 'SolveLayer (gradient)';
      if (this.#disposed) throw stateError(`${fn}: the layer was disposed before the gradient of its apply was taken`);
      if (generation !== this.#generation)
        throw stateError(
          `${fn}: the layer was applied again before the gradient of an earlier apply was taken; use one SolveLayer per apply inside a gradient`,
        );
      // ∂L/∂x* by variable (float64), unpacked from the rows of dy.
      const upstream = this.#upstream(dy.dataSync() as Float32Array);
      const gradients = this.#solve.backward(upstream);
      return tensors.map((t, i) => {
        const g = gradients[this.inputs[i]!]; // absent where not differentiable
        return g === undefined ? tf.zeros(t.shape, 'float32') : tf.tensor(Float32Array.from(g), t.shape, 'float32');
      });
    };
    return { value: tf.tensor2d(packed, [B, total], 'float32'), gradFunc };
  }

  /** The rows of the packed upstream gradient split by variable: B·count·storage numbers each. */
  #upstream(dy: Float32Array): Record<string, Float64Array> {
    const { batch: B, total } = this;
    const upstream: Record<string, Float64Array> = {};
    for (const { name, offset, count, storage } of this.packing) {
      const size = count * storage;
      const u = new Float64Array(B * size);
      for (let b = 0; b < B; b++) u.set(dy.subarray(b * total + offset, b * total + offset + size), b * size);
      upstream[name] = u;
    }
    return upstream;
  }

  /** Tensor `i` is a live float32 tensor of its input's shape; errors name the input. */
  #checkTensor(fn: string, i: number, t: unknown): void {
    const name = this.inputs[i]!;
    const arg = `tensors[${i}]`;
    const shape = this.#shapes.get(name)!;
    const wanted = `[${shape.join(', ')}]`;
    if (!(t instanceof tf.Tensor)) throw typeError(fn, arg, `a tf.Tensor (input '${name}')`, t);
    if (t.isDisposed) throw rangeError(fn, arg, `a live tensor (input '${name}')`, 'a disposed tensor');
    if (t.dtype !== 'float32') throw new TypeError(`${fn}: '${arg}' must be of dtype float32 (input '${name}'), got dtype ${t.dtype}`);
    if (!sameShape(t.shape, shape)) {
      const batchOnly = t.rank === 3 && sameShape(t.shape.slice(1), shape.slice(1));
      throw batchOnly
        ? rangeError(fn, arg, `of batch ${shape[0]} (input '${name}' has shape ${wanted})`, `batch ${t.shape[0]}`)
        : rangeError(fn, arg, `of shape ${wanted} (input '${name}')`, `shape [${t.shape.join(', ')}]`);
    }
  }

  #names(): string {
    return this.inputs.map((n) => `'${n}'`).join(', ');
  }

  #checkLive(fn: string): void {
    if (this.#disposed) throw stateError(`${fn}: the layer is disposed`);
  }
}

/** An input's shape: [batch, count, storage] for a variable's initial values, [batch, instances, k] otherwise. */
function shapeOf(slot: InputSlot): number[] {
  if (slot.kind === 'variable') return [slot.variable.batch, slot.variable.count, slot.variable.group.storage];
  return [slot.aux.batch, slot.aux.instances, slot.aux.k];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The current backend must read synchronously (the solve runs between a read and a write on the CPU). */
function checkBackend(fn: string): void {
  tf.backend(); // initialises the engine's backend when nothing has yet
  const name = tf.getBackend();
  if (!(SYNC_BACKENDS as readonly string[]).includes(name))
    throw stateError(
      `${fn}: the TensorFlow.js backend '${name}' has no synchronous reads; ` +
        `use one that has (${SYNC_BACKENDS.map((b) => `'${b}'`).join(', ')}: tf.setBackend('cpu'), or @tensorflow/tfjs-node)`,
    );
}
