/**
 * Jacobians checked by central differences on the manifold, for the Lie
 * groups here and for users' own functions (cost terms, residuals).
 *
 * For a function y = f(x₀, x₁, …) of manifold inputs, the Jacobian with
 * respect to input i is the derivative of y's right tangent with respect to
 * xᵢ's right tangent (manif's J_out_in):
 *
 *   f(…, xᵢ ⊕ δ, …) ≈ f(…) ⊕ J δ,   column j ≈ [local(y, y⁺ⱼ) − local(y, y⁻ⱼ)] / (2h)
 *
 * with y = f(x), y±ⱼ = f(…, xᵢ ⊕ (±h eⱼ), …). Both differences are taken in
 * the tangent space at y; the symmetric form cancels the second-order terms,
 * so the truncation error is O(h²) (about 1e-10 for h = 1e-5 and unit-sized
 * curvature), and rounding adds about ε·|y|/h (1e-11). The default h = 1e-5
 * is near the optimum ε^⅓ for both.
 *
 * Batches: an input holding `count` elements is perturbed in all its
 * elements at once, which is exact when f is element-wise (output element k
 * depends only on element k of each batched input, as for every group verb
 * and every cost term evaluated per instance); an input holding 1 element
 * that broadcasts is perturbed once and differentiates every output. Each
 * check then costs 2·dof evaluations per input, whatever the count.
 */
import { checkOptions, describe, rangeError, typeError } from '../base/check.js';
import type { LieGroup } from '../geometry/lie-group.js';

/**
 * One input of the function under test: a manifold and its value (1 or
 * `count` elements, batch-major).
 *
 * @example
 * ```ts
 * import { SE3, Vector, type ManifoldArgument } from 'ariadne';
 * const pose: ManifoldArgument = { group: SE3, value: SE3.identity() };
 * const point: ManifoldArgument = { group: Vector(3), value: new Float64Array([1, 2, 3]) };
 * console.log(pose.group.name, point.value.length); // SE3 3
 * ```
 */
export interface ManifoldArgument {
  /** The manifold the value lives on (perturbations are taken in its right tangent). */
  readonly group: LieGroup;
  /** 1 or `count` elements of `group.storage` numbers, batch-major. */
  readonly value: Float64Array;
}

/**
 * A function of manifold inputs that writes the Jacobian of its output with
 * respect to input i into `jacobians[i]` when that entry is an array
 * (count·dof_out·dof_in numbers, batch-major, row-major blocks) and leaves
 * it alone when it is undefined. Group verbs fit directly:
 * `([a, b], [Ja, Jb]) => SE3.compose(a, b, undefined, Ja, Jb)`.
 *
 * @example
 * ```ts
 * import { SO3, type JacobianFunction } from 'ariadne';
 * const rotate: JacobianFunction = ([x, p], [Jx, Jp]) => SO3.act(x, p, undefined, Jx, Jp);
 * console.log(rotate([SO3.identity(), new Float64Array([1, 0, 0])], [undefined, undefined])); // [1, 0, 0]
 * ```
 */
export type JacobianFunction = (inputs: Float64Array[], jacobians: (Float64Array | undefined)[]) => Float64Array;

/** Options of {@link checkJacobians}. */
export interface CheckJacobiansOptions {
  /** Finite-difference step h in each tangent coordinate (default 1e-5). */
  step?: number;
  /** Largest accepted error, relative as defined by {@link checkJacobians} (default 1e-6). */
  tolerance?: number;
  /** Indices of the inputs whose Jacobians are checked (default all). */
  wrt?: readonly number[];
}

/** What {@link checkJacobians} found. */
export interface CheckJacobiansResult {
  /** Every checked Jacobian within tolerance, the value unchanged by asking for Jacobians, and no input modified. */
  ok: boolean;
  /** The largest error over the checked Jacobians (NaN when an entry was NaN or never written). */
  maxError: number;
  /** The error of each input's Jacobian, or null for inputs not checked. */
  errors: (number | null)[];
  /** The analytic Jacobians (undefined for inputs not checked). */
  analytic: (Float64Array | undefined)[];
  /** The numeric Jacobians (undefined for inputs not checked). */
  numeric: (Float64Array | undefined)[];
  /** One line per checked input with its worst entry, plus any other problem found. */
  report: string;
}

const DEFAULT_STEP = 1e-5;
const DEFAULT_TOLERANCE = 1e-6;

function checkGroup(fn: string, arg: string, value: unknown): LieGroup {
  const g = value as Partial<LieGroup> | null;
  if (
    typeof g !== 'object' ||
    g === null ||
    typeof g.name !== 'string' ||
    typeof g.storage !== 'number' ||
    typeof g.dof !== 'number' ||
    typeof g.local !== 'function' ||
    typeof g.retract !== 'function' ||
    typeof g.validate !== 'function'
  ) {
    throw typeError(fn, arg, 'a LieGroup (SO2, SE2, SO3, SE3 or Vector(n))', value);
  }
  return value as LieGroup;
}

function checkInputs(fn: string, inputs: unknown): ManifoldArgument[] {
  if (!Array.isArray(inputs)) throw typeError(fn, 'inputs', 'an Array of { group, value }', inputs);
  if (inputs.length === 0) throw rangeError(fn, 'inputs', 'non-empty', 'an empty Array');
  return inputs.map((input: unknown, i) => {
    const o = checkOptions(fn, `inputs[${i}]`, input, ['group', 'value']);
    const group = checkGroup(fn, `inputs[${i}].group`, o.group);
    group.validate(o.value as Float64Array, fn, `inputs[${i}].value`);
    return { group, value: o.value as Float64Array };
  });
}

function checkStep(fn: string, arg: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw typeError(fn, arg, 'a positive number', value);
  if (!(value > 0) || !Number.isFinite(value)) throw rangeError(fn, arg, 'a positive finite number', `${value}`);
  return value;
}

/** The element count of what f returned, which must be a Float64Array of whole output elements. */
function outputCount(fn: string, value: unknown, output: LieGroup): number {
  const requirement = `a Float64Array of whole ${output.name} elements (${output.storage} numbers each)`;
  if (Object.prototype.toString.call(value) !== '[object Float64Array]') {
    throw new TypeError(`${fn}: 'f' must return ${requirement}, got ${describe(value)}`);
  }
  const n = (value as Float64Array).length / output.storage;
  if (!Number.isInteger(n)) throw new RangeError(`${fn}: 'f' must return ${requirement}, got length ${(value as Float64Array).length}`);
  return n;
}

/**
 * The numeric Jacobian of f with respect to input `which`, by central
 * differences on the manifold (see the module comment): count·dof_out·dof_in
 * numbers, batch-major, row-major blocks, where count is the number of
 * output elements.
 *
 * @param f the function (it is called 1 + 2·dof_in times; it must not keep or modify its inputs)
 * @param inputs the point of evaluation
 * @param output the manifold of f's output (its `local` measures differences)
 * @param which the input to differentiate
 * @param step h (default 1e-5)
 *
 * @example
 * ```ts
 * import { SO3, numericJacobian } from 'ariadne';
 * const x = SO3.exp(new Float64Array([0.1, 0.2, 0.3]));
 * const J = numericJacobian(([q]) => SO3.inverse(q), [{ group: SO3, value: x }], SO3, 0);
 * const R = SO3.toMatrix(x);
 * console.log(J.every((v, i) => Math.abs(v + R[i]) < 1e-8)); // true — J = −R(x), the 3×3 Jacobian of the inverse
 * ```
 */
export function numericJacobian(
  f: (inputs: Float64Array[]) => Float64Array,
  inputs: readonly ManifoldArgument[],
  output: LieGroup,
  which: number,
  step = DEFAULT_STEP,
): Float64Array {
  const fn = 'numericJacobian';
  if (typeof f !== 'function') throw typeError(fn, 'f', 'a function', f);
  const args = checkInputs(fn, inputs);
  const out = checkGroup(fn, 'output', output);
  if (typeof which !== 'number') throw typeError(fn, 'which', 'an integer', which);
  if (!Number.isInteger(which) || which < 0 || which >= args.length) throw rangeError(fn, 'which', `an integer in [0, ${args.length - 1}]`, `${which}`);
  const h = checkStep(fn, 'step', step, DEFAULT_STEP);
  return differentiate(fn, f, args, out, which, h, undefined);
}

/** The numeric Jacobian; `y0` is f at the inputs when the caller already has it. */
function differentiate(
  fn: string,
  f: (inputs: Float64Array[]) => Float64Array,
  args: ManifoldArgument[],
  output: LieGroup,
  which: number,
  h: number,
  y0: Float64Array | undefined,
): Float64Array {
  const values = args.map((a) => a.value);
  const y = y0 ?? f(values.slice());
  const count = outputCount(fn, y, output);
  const { group, value } = args[which]!;
  const n = value.length / group.storage;
  if (n !== count && n !== 1) {
    const requirement = count === 1 ? '1 element (as many as f returns)' : `1 or ${count} elements (as many as f returns)`;
    throw new RangeError(`${fn}: 'inputs[${which}].value' must hold ${requirement}, got ${n} elements`);
  }
  const rows = output.dof;
  const cols = group.dof;
  const J = new Float64Array(count * rows * cols);
  const delta = new Float64Array(n * cols);
  for (let j = 0; j < cols; j++) {
    let plus: Float64Array | undefined;
    for (const sign of [1, -1]) {
      delta.fill(0);
      for (let k = 0; k < n; k++) delta[k * cols + j] = sign * h;
      const perturbed = values.slice();
      perturbed[which] = group.retract(value, delta);
      const yj = f(perturbed);
      if (outputCount(fn, yj, output) !== count) {
        throw new RangeError(`${fn}: f returned ${yj.length / output.storage} elements at a perturbed point and ${count} at the point itself`);
      }
      const d = output.local(y, yj);
      if (sign === 1) {
        plus = d;
      } else {
        for (let k = 0; k < count; k++) {
          for (let r = 0; r < rows; r++) J[k * rows * cols + r * cols + j] = (plus![k * rows + r]! - d[k * rows + r]!) / (2 * h);
        }
      }
    }
  }
  return J;
}

/**
 * Checks every analytic Jacobian of f against central differences on the
 * manifold (see the module comment and {@link numericJacobian}).
 *
 * f is called once without Jacobians (all entries undefined) and once with
 * an array for every checked input; those arrays are filled with NaN first,
 * so one f forgets to write is reported, not silently zero. The error of an
 * entry is |analytic − numeric| / max(1, |numeric|): absolute for entries up
 * to 1, relative above. The result is ok when every checked Jacobian's
 * largest error is within `tolerance`, asking for Jacobians did not change
 * f's value (beyond tolerance) and f left its inputs unmodified.
 *
 * @example
 * ```ts
 * import { SE3, checkJacobians } from 'ariadne';
 * const a = SE3.exp(new Float64Array([1, 2, 3, 0.1, 0.2, 0.3]));
 * const b = SE3.exp(new Float64Array([-1, 0, 1, 0.3, -0.2, 0.1]));
 * const result = checkJacobians(
 *   ([x, y], [Jx, Jy]) => SE3.between(x, y, undefined, Jx, Jy),
 *   [{ group: SE3, value: a }, { group: SE3, value: b }],
 *   SE3,
 * );
 * console.log(result.ok, result.maxError < 1e-8); // true true
 * if (!result.ok) throw new Error(result.report);
 * ```
 */
export function checkJacobians(
  f: JacobianFunction,
  inputs: readonly ManifoldArgument[],
  output: LieGroup,
  options: CheckJacobiansOptions = {},
): CheckJacobiansResult {
  const fn = 'checkJacobians';
  if (typeof f !== 'function') throw typeError(fn, 'f', 'a function', f);
  const args = checkInputs(fn, inputs);
  const out = checkGroup(fn, 'output', output);
  const o = checkOptions(fn, 'options', options, ['step', 'tolerance', 'wrt']);
  return compareJacobians(fn, f, args, out, checkedOptions(fn, o, args.length));
}

/** The step, tolerance and input indices of `o` (checked; defaults filled in), for `n` inputs. */
export function checkedOptions(fn: string, o: Record<string, unknown>, n: number): { h: number; tolerance: number; wrt: number[] } {
  const h = checkStep(fn, 'options.step', o.step, DEFAULT_STEP);
  const tolerance = checkStep(fn, 'options.tolerance', o.tolerance, DEFAULT_TOLERANCE);
  if (o.wrt === undefined) return { h, tolerance, wrt: Array.from({ length: n }, (_, i) => i) };
  if (!Array.isArray(o.wrt)) throw typeError(fn, 'options.wrt', 'an Array of input indices', o.wrt);
  const wrt = o.wrt.map((i: unknown, p) => {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= n) {
      throw rangeError(fn, `options.wrt[${p}]`, `an integer in [0, ${n - 1}]`, `${String(i)}`);
    }
    return i;
  });
  return { h, tolerance, wrt };
}

/**
 * checkJacobians on checked arguments, its messages naming `fn`; `labels`
 * (one per input) name the inputs in the report after their index.
 */
export function compareJacobians(
  fn: string,
  f: JacobianFunction,
  args: ManifoldArgument[],
  out: LieGroup,
  { h, tolerance, wrt }: { h: number; tolerance: number; wrt: number[] },
  labels?: readonly string[],
): CheckJacobiansResult {
  const originals = args.map((a) => a.value.slice());
  const none = args.map(() => undefined);
  const plain = (values: Float64Array[]): Float64Array => f(values, none.slice());
  const y = plain(args.map((a) => a.value));
  const count = outputCount(fn, y, out);

  const analytic: (Float64Array | undefined)[] = args.map((a, i) => (wrt.includes(i) ? new Float64Array(count * out.dof * a.group.dof).fill(NaN) : undefined));
  const yWithJacobians = f(
    args.map((a) => a.value),
    analytic.slice(),
  );
  const problems: string[] = [];
  const yCount = outputCount(fn, yWithJacobians, out);
  if (yCount !== count) {
    problems.push(`f returned ${yCount} elements when asked for Jacobians and ${count} without`);
  } else {
    let valueError = 0;
    const d = out.local(y, yWithJacobians);
    for (const v of d) valueError = Number.isNaN(v) || Math.abs(v) > valueError ? Math.abs(v) : valueError;
    if (!(valueError <= tolerance)) problems.push(`f's value changed when asked for Jacobians (by ${valueError.toExponential(2)})`);
  }

  const numeric: (Float64Array | undefined)[] = args.map(() => undefined);
  const errors: (number | null)[] = args.map(() => null);
  const lines: string[] = [];
  let maxError = 0;
  for (const i of wrt) {
    const Jn = differentiate(fn, plain, args, out, i, h, y);
    numeric[i] = Jn;
    const Ja = analytic[i]!;
    const rows = out.dof;
    const cols = args[i]!.group.dof;
    let worst = 0;
    let at = 0;
    for (let e = 0; e < Jn.length; e++) {
      const err = Math.abs(Ja[e]! - Jn[e]!) / Math.max(1, Math.abs(Jn[e]!));
      if (Number.isNaN(err) || err > worst) {
        worst = Number.isNaN(err) ? NaN : err;
        at = e;
        if (Number.isNaN(err)) break;
      }
    }
    errors[i] = worst;
    maxError = Number.isNaN(worst) || Number.isNaN(maxError) ? NaN : Math.max(maxError, worst);
    const k = Math.floor(at / (rows * cols));
    const r = Math.floor((at % (rows * cols)) / cols);
    const c = at % cols;
    const where = `element ${k}, row ${r}, column ${c}: analytic ${Ja[at]}, numeric ${Jn[at]}`;
    const verdict = worst <= tolerance ? 'ok' : Number.isNaN(Ja[at]!) ? 'FAILED (NaN: not written?)' : 'FAILED';
    const label = labels ? ` ${labels[i]}` : '';
    lines.push(`input ${i}${label} (${args[i]!.group.name}): max error ${worst.toExponential(2)} at ${where} ${verdict}`);
  }
  args.forEach((a, i) => {
    const before = originals[i]!;
    if (a.value.length !== before.length || a.value.some((v, j) => !Object.is(v, before[j]))) problems.push(`f modified input ${i}`);
  });
  const ok = maxError <= tolerance && problems.length === 0;
  const report = [`${fn}: ${ok ? 'ok' : 'FAILED'} (tolerance ${tolerance}, step ${h}, ${count} element${count === 1 ? '' : 's'})`, ...lines, ...problems].join(
    '\n',
  );
  return { ok, maxError, errors, analytic, numeric, report };
}
