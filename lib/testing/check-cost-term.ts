/**
 * A cost term's analytic Jacobians checked by central differences, with
 * respect to its variables (`evaluate`) and to its auxiliary inputs
 * (`inputJacobians`: measurements, targets), through checkJacobians: the
 * term's residual is the function, its variables' rows and then its
 * auxiliary inputs' rows are the inputs (an input on a Lie group is moved
 * along its right tangent, a plain one by its stored numbers), and the
 * output is a vector of d numbers per row.
 */
import { checkOptions, checkTypedArray, rangeError, typeError } from '../base/check.js';
import type { LieGroup } from '../geometry/lie-group.js';
import { CostTerm } from '../core/cost-term.js';
import { Vector } from '../geometry/vector.js';
import { checkedOptions, compareJacobians, type CheckJacobiansResult, type ManifoldArgument } from './check-jacobians.js';
import { termRows } from './term-rows.js';

/** Options of {@link checkCostTerm}. */
export interface CheckCostTermOptions {
  /** Finite-difference step h in each tangent coordinate or stored number (default 1e-5). */
  step?: number;
  /** Largest accepted error, relative as {@link checkJacobians} defines it (default 1e-6). */
  tolerance?: number;
  /** Indices of the inputs to check, variables first, then auxiliary inputs (default all). */
  wrt?: readonly number[];
  /**
   * The rows to check at, as `evaluate` takes them: the variables' values
   * (rows × storage each), then the auxiliary inputs' (rows × k each).
   * Default: the term's own, every instance of every batch element (B·I rows).
   */
  values?: readonly Float64Array[];
}

/**
 * Checks a term's Jacobians with respect to its variables and its auxiliary
 * inputs against central differences (see {@link checkJacobians}, whose
 * result and report it gives, each input named after its index). Input i is
 * variable i for i below the number of variables, then the auxiliary inputs
 * in the term's order.
 *
 * @param term the cost term
 * @param options `step`, `tolerance` and `wrt` as for checkJacobians, and the `values` to check at
 *
 * @example
 * ```ts
 * import { Between, SE3, SeededRandom, Variable, checkCostTerm } from 'ariadne';
 * const random = new SeededRandom(1);
 * const x = new Variable('x', SE3, SE3.random(2, random));
 * const edge = new Between({ a: { variable: x, indices: [0] }, b: { variable: x, indices: [1] }, measurement: SE3.random(1, random) });
 * const result = checkCostTerm(edge);
 * console.log(result.ok, result.errors.length); // true 3 — J_a, J_b and J_Z
 * ```
 */
export function checkCostTerm(term: CostTerm, options: CheckCostTermOptions = {}): CheckJacobiansResult {
  const fn = 'checkCostTerm';
  if (!(term instanceof CostTerm)) throw typeError(fn, 'term', 'a CostTerm', term);
  const o = checkOptions(fn, 'options', options, ['step', 'tolerance', 'wrt', 'values']);
  const groups = [...term.variables.map((u) => u.variable.group), ...term.auxiliary.map((a) => a.group ?? Vector(a.k))];
  const labels = [...term.variables.map((u) => `'${u.variable.name}'`), ...term.auxiliary.map((a) => `'${a.name}'`)];
  const values = o.values === undefined ? ownRows(term) : checkValues(fn, o.values, groups);
  const nv = term.variables.length;
  const rows = values[0]!.length / groups[0]!.storage;
  const args: ManifoldArgument[] = groups.map((group, i) => ({ group, value: values[i]! }));
  return compareJacobians(
    fn,
    (inputs, jacobians) => {
      const r = new Float64Array(rows * term.dim);
      term.evaluate(rows, inputs, r, jacobians.slice(0, nv));
      const inputJacobians = jacobians.slice(nv);
      if (inputJacobians.some((j) => j !== undefined)) term.inputJacobians(rows, inputs, inputJacobians);
      return r;
    },
    args,
    Vector(term.dim),
    checkedOptions(fn, o, groups.length),
    labels,
  );
}

/** The term's rows at its variables' and inputs' values, over the largest batch among them. */
function ownRows(term: CostTerm): Float64Array[] {
  const batch = Math.max(...term.variables.map((u) => u.variable.batch), ...term.auxiliary.map((a) => a.batch));
  return termRows(
    term,
    batch,
    term.variables.map((u) => u.variable.values),
  );
}

/** `values`: one Float64Array per input, of whole elements of its group, the same row count each. */
function checkValues(fn: string, values: unknown, groups: readonly LieGroup[]): Float64Array[] {
  const requirement = `an Array of ${groups.length} Float64Arrays (the variables' rows, then the auxiliary inputs')`;
  if (!Array.isArray(values)) throw typeError(fn, 'options.values', requirement, values);
  if (values.length !== groups.length) throw rangeError(fn, 'options.values', requirement, `${values.length}`);
  let rows = 0;
  return values.map((v: unknown, i) => {
    const arg = `options.values[${i}]`;
    const group = groups[i]!;
    const array = checkTypedArray(fn, arg, v, Float64Array);
    if (i === 0) {
      rows = array.length / group.storage;
      if (!(Number.isInteger(rows) && rows > 0)) throw rangeError(fn, arg, `whole ${group.name} elements, at least one`, `length ${array.length}`);
    }
    checkTypedArray(fn, arg, array, Float64Array, rows * group.storage, `${rows} rows of ${group.storage} numbers`);
    group.validate(array, fn, arg);
    return array;
  });
}
