/**
 * The objective ½ Σ_terms Σ_instances ρ(‖W r‖²) for B independent batch
 * elements that share one structure. Built once from the cost terms: the
 * variables (in order of first use), the columns of their non-constant
 * elements, the rows of every term instance, and the Jacobian pattern (one
 * dense d × (Σ dof) block per instance, in term order). Evaluation is one
 * vectorised pass per term over all (batch element, instance) rows.
 *
 * State: one Float64Array per variable, B·count·storage, batch-major.
 */
import { MAX_INT32, rangeError, typeError } from '../base/check.js';
import { CostTerm } from './cost-term.js';
import type { JacobianPattern } from './pattern.js';
import { Program, type Evaluation, type State, type TermLayout } from './program.js';
import { hasWorldFrame } from './tangent.js';
import type { Variable } from './variable.js';

export type { Evaluation, State } from './program.js';

/**
 * The sum of cost terms to minimise.
 *
 * @example
 * ```ts
 * import { Objective, Prior, SE2, Variable } from 'ariadne';
 * const x = new Variable('x', SE2, new Float64Array([1, 2, 0.5]));
 * const objective = new Objective([new Prior({ variable: x, target: new Float64Array([0, 0, 0]) })]);
 * console.log(objective.batch, objective.n, objective.costs()[0] > 0); // 1 3 true
 * ```
 */
export class Objective {
  /** The cost terms, in the order given. */
  readonly terms: readonly CostTerm[];
  /** The variables, in order of first use by the terms. */
  readonly variables: readonly Variable[];
  /** The batch size B (1 when every input has batch 1). */
  readonly batch: number;
  /** Residual rows per batch element. */
  readonly m: number;
  /** Unknowns per batch element. */
  readonly n: number;
  /** The Jacobian's sparsity pattern (one dense block per term instance), with the column blocks of the non-constant elements. */
  readonly pattern: JacobianPattern;
  /** Per variable, per element: first column (-1 when constant). */
  readonly columns: readonly Int32Array[];
  readonly #program: Program;

  constructor(terms: readonly CostTerm[]) {
    const fn = 'Objective';
    if (!Array.isArray(terms)) throw typeError(fn, 'terms', 'an array of cost terms', terms);
    if (terms.length === 0) throw rangeError(fn, 'terms', 'a non-empty array of cost terms', 'an empty array');
    terms.forEach((t, i) => {
      if (!(t instanceof CostTerm)) throw typeError(fn, `terms[${i}]`, 'a CostTerm', t);
    });
    this.terms = terms.slice();

    // Variables in order of first use; unique names across variables and auxiliary inputs.
    const variables: Variable[] = [];
    const names = new Map<string, string>();
    const claim = (name: string, what: string) => {
      const previous = names.get(name);
      if (previous !== undefined) throw rangeError(fn, 'terms', `inputs with unique names ('${name}' names ${previous} and ${what})`, 'a duplicate');
      names.set(name, what);
    };
    const termNames = new Set<string>();
    for (const t of this.terms) {
      if (termNames.has(t.name)) throw rangeError(fn, 'terms', `terms with unique names`, `two terms named '${t.name}'`);
      termNames.add(t.name);
      for (const use of t.variables) {
        if (!variables.includes(use.variable)) {
          variables.push(use.variable);
          claim(use.variable.name, `a variable`);
        }
      }
      for (const a of t.auxiliary) claim(a.name, `an input of term '${t.name}'`);
      if (t.weight) claim(t.weight.aux.name, `the weight of term '${t.name}'`);
      if (t.loss) claim(t.loss.radius.name, `the loss of term '${t.name}'`);
    }
    this.variables = variables;

    // One batch size B; every input has batch 1 or B.
    let batch = 1;
    const batches: [string, number][] = [];
    for (const v of variables) batches.push([`variable '${v.name}'`, v.batch]);
    for (const t of this.terms) {
      for (const a of t.auxiliary) batches.push([`'${a.name}'`, a.batch]);
      if (t.weight) batches.push([`'${t.weight.aux.name}'`, t.weight.aux.batch]);
      if (t.loss) batches.push([`'${t.loss.radius.name}'`, t.loss.radius.batch]);
    }
    for (const [, b] of batches) if (b !== 1) batch = Math.max(batch, b);
    for (const [what, b] of batches) {
      if (b !== 1 && b !== batch) throw rangeError(fn, 'terms', `inputs of batch 1 or ${batch}`, `${what} of batch ${b}`);
    }
    this.batch = batch;

    // Columns of the non-constant elements; each must be used by some term.
    const used = variables.map((v) => new Uint8Array(v.count));
    for (const t of this.terms) {
      for (const use of t.variables) {
        const flags = used[variables.indexOf(use.variable)]!;
        for (const e of use.indices) flags[e] = 1;
      }
    }
    let n = 0;
    const colBlocks: number[] = [];
    this.columns = variables.map((v, vi) => {
      const cols = new Int32Array(v.count).fill(-1);
      for (let e = 0; e < v.count; e++) {
        if (v.isConstant(e)) continue;
        if (!used[vi]![e]) {
          throw rangeError(
            fn,
            'terms',
            `cost terms that use every non-constant element (or that element made constant)`,
            `element ${e} of variable '${v.name}' used by no term`,
          );
        }
        cols[e] = n;
        n += v.group.dof;
        colBlocks.push(v.group.dof);
      }
      return cols;
    });
    if (n === 0) throw rangeError(fn, 'terms', 'terms over at least one non-constant element', 'only constant elements');
    this.n = n;

    // Rows and the Jacobian pattern.
    let m = 0;
    let nnz = 0;
    const layouts = this.terms.map((term): TermLayout => {
      const I = term.instances;
      const d = term.dim;
      const variableIndex = term.variables.map((u) => variables.indexOf(u.variable));
      // Instance i's entries: the d × dof block of each of its non-constant uses, in use order.
      const lengths = new Int32Array(I);
      const useOffset = term.variables.map((use, k) => placeUse(use.indices, this.columns[variableIndex[k]!]!, d * use.variable.group.dof, lengths));
      const entryStart = new Int32Array(I);
      for (let i = 0; i < I; i++) {
        entryStart[i] = nnz;
        nnz += lengths[i]!;
      }
      if (nnz > MAX_INT32) throw rangeError(fn, 'terms', `at most ${MAX_INT32} Jacobian entries per batch element`, 'more');
      const world = term.variables.map((u) => u.variable.tangent === 'world' && hasWorldFrame(u.variable.group));
      const fixed = fixedInstances(I, useOffset);
      const layout = { term, rowStart: m, entryStart, useOffset, variableIndex, world, fixed, buffers: new Map() };
      m += I * d;
      return layout;
    });
    this.m = m;
    const rows = new Int32Array(nnz);
    const cols = new Int32Array(nnz);
    for (const { term, rowStart, entryStart, useOffset, variableIndex } of layouts) {
      term.variables.forEach((use, k) => {
        const columns = this.columns[variableIndex[k]!]!;
        writeUse(use.indices, columns, term.dim, use.variable.group.dof, rowStart, entryStart, useOffset[k]!, rows, cols);
      });
    }
    this.pattern = { m, n, rows, cols, colBlocks: Int32Array.from(colBlocks) };
    const structure = { terms: this.terms, variables, m, n, pattern: this.pattern, columns: this.columns, layouts };
    this.#program = new Program(structure, 0, batch);
  }

  /** Entries of the Jacobian pattern per batch element. */
  get nnz(): number {
    return this.pattern.rows.length;
  }

  /**
   * @internal
   * What a solve works on: this objective's structure over all its batch
   * elements (the optimisers take ranges of it).
   */
  get program(): Program {
    return this.#program;
  }

  /** The variables' current values, each expanded to the batch (B·count·storage). */
  initialState(): State {
    return this.#program.initialState();
  }

  /** The cost per batch element at the variables' current values. */
  costs(): Float64Array {
    return this.evaluate(this.initialState(), { residuals: false, jacobians: false }).cost;
  }

  /**
   * Each instance's share of the cost at the variables' current values: per
   * term (in `terms` order), B·I values ½ ρ(‖W r‖²), batch-major. Summed over
   * instances and terms they give `costs()`.
   */
  instanceCosts(): Float64Array[] {
    return this.evaluate(this.initialState(), { residuals: false, jacobians: false, instanceCosts: true }).instanceCosts!;
  }

  /**
   * Costs, and optionally corrected residuals and Jacobian values, at
   * `state` for the batch elements `active` selects (all when omitted;
   * outputs of the others are left as they are in `into`, or zero).
   * `columnScale` (B·n) scales the Jacobian's columns as they are written,
   * J̃·S (the optimisers' Jacobi scaling).
   */
  evaluate(
    state: State,
    options: { residuals: boolean; jacobians: boolean; active?: Uint8Array; instanceCosts?: boolean; columnScale?: Float64Array },
    into?: Evaluation,
  ): Evaluation {
    return this.#program.evaluate(state, options, into);
  }

  /**
   * out = state ⊕ δ for the batch elements `active` selects: δ holds B·n
   * tangent increments in column order; constant elements and inactive
   * batch elements are copied unchanged.
   */
  retract(state: State, delta: Float64Array, out: State, active?: Uint8Array): void {
    this.#program.retract(state, delta, out, active);
  }

  /** ‖x‖₂ of batch element b over the storage of its non-constant elements (Ceres' parameter norm). */
  stateNorm(state: State, b: number): number {
    return this.#program.stateNorm(state, b);
  }
}

/**
 * Where one variable use's d × dof blocks go: per instance, the offset of
 * its block among the instance's entries (−1 for a constant element),
 * with `lengths` (entries per instance so far) grown by `size` = d·dof.
 */
function placeUse(indices: Int32Array, columns: Int32Array, size: number, lengths: Int32Array): Int32Array {
  const offsets = new Int32Array(lengths.length);
  const shared = indices.length === 1;
  for (let i = 0; i < lengths.length; i++) {
    const col = columns[shared ? indices[0]! : indices[i]!]!;
    offsets[i] = col < 0 ? -1 : lengths[i]!;
    if (col >= 0) lengths[i]! += size;
  }
  return offsets;
}

/** The pattern's (row, column) of one variable use's blocks, row-major per instance. */
function writeUse(
  indices: Int32Array,
  columns: Int32Array,
  d: number,
  dof: number,
  rowStart: number,
  entryStart: Int32Array,
  offsets: Int32Array,
  rows: Int32Array,
  cols: Int32Array,
): void {
  const shared = indices.length === 1;
  for (let i = 0; i < offsets.length; i++) {
    if (offsets[i]! < 0) continue;
    const col = columns[shared ? indices[0]! : indices[i]!]!;
    let p = entryStart[i]! + offsets[i]!;
    for (let a = 0; a < d; a++) {
      for (let c = 0; c < dof; c++, p++) {
        rows[p] = rowStart + i * d + a;
        cols[p] = col + c;
      }
    }
  }
}

/** Per instance, 1 where every use is of a constant element (useOffset −1); undefined when no instance is so. */
function fixedInstances(instances: number, useOffset: readonly Int32Array[]): Uint8Array | undefined {
  const fixed = new Uint8Array(instances);
  let any = false;
  for (let i = 0; i < instances; i++) {
    fixed[i] = useOffset.every((offsets) => offsets[i] === -1) ? 1 : 0;
    any ||= fixed[i] === 1;
  }
  return any ? fixed : undefined;
}
