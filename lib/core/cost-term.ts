/**
 * A cost term: one object for all its instances (all the edges of a graph).
 * Instance i reads element indices[k][i] of each of its variables and row i
 * of each auxiliary input, and has a residual of dimension d. The objective
 * gathers the inputs of every (batch element, instance) pair into rows and
 * calls `evaluate` once, vectorised; the term returns the raw residual r and
 * ∂r/∂(right tangent of each variable). Weighting and the robust loss are
 * applied by the objective: the cost is ½ Σ ρ(‖W r‖²).
 */
import type { LieGroup } from '../geometry/lie-group.js';
import { Vector } from '../geometry/vector.js';
import { Auxiliary } from './auxiliary.js';
import { MAX_INT32, checkFiniteArray, checkInteger, describe, rangeError, typeError } from '../base/check.js';
import { RobustLoss, type LossKind } from './robust-loss.js';
import { centralSides } from './tangent.js';
import { Variable } from './variable.js';
import { Weight, type BoundWeight } from './weight.js';

/** A variable's elements used by a term: a count-1 Variable (its element 0) or explicit indices per instance. */
export type ElementRef =
  | Variable
  | {
      /** The variable whose elements the term reads. */
      variable: Variable;
      /** Element index per instance (length I), or one index shared by every instance (length 1). */
      indices: ArrayLike<number>;
    };

/** A variable as a term uses it: the variable and the element each instance reads. */
export interface VariableUse {
  /** The variable. */
  variable: Variable;
  /** Element per instance (length I), or one element for every instance (length 1). */
  indices: Int32Array;
}

/** An auxiliary input to declare: values shaped [1|B] × [1|I] × k. */
export interface AuxiliarySpec {
  /** How error messages name the argument (e.g. 'options.measurement'). */
  arg: string;
  /** The input's unique name within an objective. */
  name: string;
  /** The values, batch-major (copied; manifold values are normalised). */
  values: Float64Array;
  /** Numbers per instance. */
  k: number;
  /** 1 (shared by every batch element, the default) or B. */
  batch?: number;
  /** The manifold the values live on (validated and normalised by it). */
  group?: LieGroup;
}

/** Options every cost term takes. */
export interface TermOptions {
  /** Unique within the objective (default: the term's kind). */
  name?: string;
  /** W in ½ ρ(‖W r‖²) (default: none, W = I). */
  weight?: Weight;
  /** ρ in ½ ρ(‖W r‖²) (default: none, ρ(s) = s). */
  loss?: RobustLoss;
}

/** What a subclass passes to the CostTerm constructor. */
export interface CostTermSpec {
  /** The term's name, unique within an objective. */
  name: string;
  /** Residual dimension d. */
  dim: number;
  /** The variables' element references, in the order `evaluate` receives them. */
  variables: readonly {
    /** How error messages name the argument (e.g. 'options.a'). */
    arg: string;
    /** An ElementRef (checked). */
    ref: unknown;
  }[];
  /** The auxiliary inputs, in the order `evaluate` receives them after the variables. */
  auxiliary: readonly AuxiliarySpec[];
  /** A Weight (checked). */
  weight?: unknown;
  /** A RobustLoss (checked). */
  loss?: unknown;
}

/**
 * The base of every cost term: one object describes all its instances, and
 * `evaluate` computes their raw residuals and Jacobians over batched rows.
 * Subclasses call the protected constructor with a spec of their variables and
 * auxiliary inputs (the built-in terms show how).
 */
export abstract class CostTerm {
  /** Unique within the objective; auxiliary inputs are named `<name>.<input>` by default. */
  readonly name: string;
  /** Residual dimension d. */
  readonly dim: number;
  /** Instance count I. */
  readonly instances: number;
  /** The variables the term reads, in the order `evaluate` receives them. */
  readonly variables: readonly VariableUse[];
  /** Measurements and targets, in the order `evaluate` receives them after the variables. */
  readonly auxiliary: readonly Auxiliary[];
  /** The weight W bound to this term's residual dimension, if any. */
  readonly weight: BoundWeight | undefined;
  /** The robust loss, if any. */
  readonly loss:
    | {
        /** Which ρ. */
        kind: LossKind;
        /** The radius δ, an auxiliary input shaped [1|B] × [1|I] × 1. */
        radius: Auxiliary;
      }
    | undefined;

  /**
   * Checks the spec and resolves its references; throws TypeError or
   * RangeError naming `fn` and the spec's `arg` of the culprit.
   *
   * @param fn the caller's name in error messages (the subclass' name)
   * @param spec the term's `name` and residual dimension `dim`; its
   *   `variables` as `{ arg, ref }` with `ref` an {@link ElementRef}; its
   *   `auxiliary` inputs as `{ arg, name, values, k, batch?, group? }`, in the
   *   order `evaluate` receives them; and the `weight` and `loss` options as
   *   given (checked here)
   */
  protected constructor(fn: string, spec: CostTermSpec) {
    this.name = spec.name;
    this.dim = checkInteger(fn, 'dim', spec.dim, 1, 1024);
    const uses = spec.variables.map(({ arg, ref }) => resolveRef(fn, arg, ref));
    this.auxiliary = spec.auxiliary.map(
      (a) => new Auxiliary(fn, a.arg, a.name, a.values, a.k, a.batch, a.group, (v, f, g) => (a.group ? a.group.validate(v, f, g) : checkFiniteArray(v, f, g))),
    );

    let instances = 1;
    const counts: [string, number][] = [
      ...uses.map((u, k) => [spec.variables[k]!.arg, u.indices.length] as [string, number]),
      ...this.auxiliary.map((a, k) => [spec.auxiliary[k]!.arg, a.instances] as [string, number]),
    ];
    for (const [, c] of counts) if (c !== 1) instances = Math.max(instances, c);
    for (const [arg, c] of counts) {
      if (c !== 1 && c !== instances) {
        throw rangeError(fn, arg, `1 or ${instances} instances (the term's instance count)`, `${c}`);
      }
    }
    this.instances = instances;
    this.variables = uses;

    if (spec.weight !== undefined) {
      if (!(spec.weight instanceof Weight)) throw typeError(fn, 'options.weight', 'a Weight', spec.weight);
      this.weight = spec.weight.bind(fn, this.name, this.dim);
      checkInstances(fn, 'options.weight', this.weight.aux.instances, instances);
    }
    if (spec.loss !== undefined) {
      if (!(spec.loss instanceof RobustLoss)) throw typeError(fn, 'options.loss', 'a RobustLoss', spec.loss);
      this.loss = { kind: spec.loss.kind, radius: spec.loss.bind(fn, this.name) };
      checkInstances(fn, 'options.loss', this.loss.radius.instances, instances);
    }
  }

  readonly #buffers = new Map<string, Float64Array>();

  /**
   * A scratch array of `length` numbers kept between evaluations (contents
   * undefined), so that evaluating allocates nothing once warm.
   */
  protected buffer(key: string, length: number): Float64Array {
    let b = this.#buffers.get(key);
    if (b === undefined || b.length !== length) {
      b = new Float64Array(length);
      this.#buffers.set(key, b);
    }
    return b;
  }

  /**
   * Residuals and Jacobians for `rows` rows (row = batch element × instance).
   * `inputs`: the variables' values (rows × storage each), then the
   * auxiliary inputs (rows × k each), read-only. Writes `residuals` (rows × d) and, for
   * each variable k whose array is given, `jacobians[k]` (rows × d × dof_k,
   * row-major per row) with respect to its right tangent, or, where
   * `world[k]` is set and the term {@link writesWorldFrame}, to its
   * world-frame update (its variable's `tangent` option).
   */
  abstract evaluate(
    rows: number,
    inputs: readonly Float64Array[],
    residuals: Float64Array,
    jacobians: readonly (Float64Array | undefined)[],
    world?: readonly boolean[],
  ): void;

  /**
   * Whether `evaluate` honours its `world` flags; otherwise it always gives
   * right-tangent Jacobians and the objective converts them.
   */
  get writesWorldFrame(): boolean {
    return false;
  }

  /**
   * Whether `evaluate` is known to write every residual and every entry of
   * each Jacobian it is given (the built-in terms). Otherwise the objective
   * fills them with NaN first, so that an entry left unwritten is reported
   * (naming the term) instead of read as whatever the scratch array held.
   */
  get writesEveryEntry(): boolean {
    return false;
  }

  /**
   * ∂r/∂(auxiliary input a) of the raw residual r (before W and ρ) for `rows`
   * rows, `inputs` as {@link evaluate} takes them (read-only). Writes
   * `jacobians[a]` for each auxiliary input a whose array is given: rows × d ×
   * t_a, row-major per row, where for an input on a Lie group (its `group`:
   * Between's measurement, Prior's target) t_a = group.dof and the derivative
   * is along its right tangent at its value, Z ⊕ δ = Z·Exp(δ); for a plain
   * input t_a = k, its stored numbers.
   *
   * The base class takes central differences of `evaluate`, every row at
   * once (rows are independent): ±h along each tangent coordinate with
   * `group.retract` (h = ∛ε), or ±h on each stored number with
   * h = ∛ε·max(1, |v|), divided by the step as rounded on a plain or Vector
   * input (tangent.ts' centralSides). The built-in terms override it analytically; check an
   * override with {@link checkCostTerm}.
   */
  inputJacobians(rows: number, inputs: readonly Float64Array[], jacobians: readonly (Float64Array | undefined)[]): void {
    const d = this.dim;
    const nv = this.variables.length;
    const none = this.variables.map(() => undefined);
    this.auxiliary.forEach((aux, a) => {
      const J = jacobians[a];
      if (J === undefined) return;
      const z = inputs[nv + a]!;
      // A plain input's numbers move as a Vector's coordinates.
      const group = aux.group ?? Vector(aux.k);
      const t = group.dof;
      const shifted = inputs.slice();
      const evaluate = (moved: Float64Array, out: Float64Array) => {
        shifted[nv + a] = moved;
        this.evaluate(rows, shifted, out, none);
      };
      const steps = new Float64Array(rows);
      for (let c = 0; c < t; c++) {
        for (let row = 0; row < rows; row++) steps[row] = aux.group ? CBRT_EPSILON : CBRT_EPSILON * Math.max(1, Math.abs(z[row * t + c]!));
        const { plus, minus, width } = centralSides(group, z, rows, d, c, steps, evaluate);
        for (let row = 0; row < rows; row++) {
          for (let i = 0; i < d; i++) J[(row * d + i) * t + c] = (plus[row * d + i]! - minus[row * d + i]!) / width[row]!;
        }
      }
    });
  }
}

/** ∛ε: the central-difference step that balances truncation (h²) against rounding (ε/h). */
const CBRT_EPSILON = Math.cbrt(Number.EPSILON);

function checkInstances(fn: string, arg: string, count: number, instances: number): void {
  if (count !== 1 && count !== instances) throw rangeError(fn, arg, `1 or ${instances} instances (the term's instance count)`, `${count}`);
}

/** Resolves an ElementRef, checking the indices against the variable's element count. */
export function resolveRef(fn: string, arg: string, ref: unknown): VariableUse {
  if (ref instanceof Variable) {
    if (ref.count !== 1) {
      throw rangeError(fn, arg, `a Variable of one element or { variable, indices }`, `Variable '${ref.name}' of ${ref.count} elements`);
    }
    return { variable: ref, indices: new Int32Array(1) };
  }
  if (typeof ref !== 'object' || ref === null || !((ref as { variable?: unknown }).variable instanceof Variable)) {
    throw typeError(fn, arg, 'a Variable or { variable, indices }', ref);
  }
  const { variable, indices } = ref as { variable: Variable; indices: unknown };
  if (typeof indices !== 'object' || indices === null || typeof (indices as ArrayLike<number>).length !== 'number') {
    throw typeError(fn, `${arg}.indices`, 'an array of element indices', indices);
  }
  const list = indices as ArrayLike<number>;
  if (list.length === 0 || list.length > MAX_INT32) throw rangeError(fn, `${arg}.indices`, 'non-empty', 'length 0');
  const out = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    if (typeof e !== 'number' || !Number.isInteger(e) || e < 0 || e >= variable.count) {
      throw rangeError(
        fn,
        `${arg}.indices[${i}]`,
        `an element index of '${variable.name}' in [0, ${variable.count})`,
        typeof e === 'number' ? `${e}` : describe(e),
      );
    }
    out[i] = e;
  }
  return { variable, indices: out };
}
