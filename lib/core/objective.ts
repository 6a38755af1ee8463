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
import type { JacobianPattern } from '../native/binding.js';
import { MAX_INT32, allFinite, rangeError, typeError } from './check.js';
import { CostTerm } from './cost-term.js';
import { applyLoss } from './robust-loss.js';
import { bodyToWorldJacobian, hasWorldFrame, retractWorld, worldScratchLength } from './tangent.js';
import { Variable, variableValues } from './variable.js';
import { applyWeight } from './weight.js';

export type State = Float64Array[];

/**
 * Where a term's Jacobian entries go in the pattern: instance i's entries
 * start at entryStart[i]; within them, use k's d × dof block (row-major, as
 * the term writes it) starts at useOffset[k][i].
 */
interface TermLayout {
  term: CostTerm;
  rowStart: number;
  entryStart: Int32Array;
  /** Per use k, per instance: offset of its block within the instance's entries (-1: constant element). */
  useOffset: Int32Array[];
  /** Per use k: index of its variable in `variables`. */
  variableIndex: number[];
  /** Scratch arrays kept between evaluations. */
  buffers: Map<string, Float64Array>;
}

/** Outputs of an evaluation, batch-major. */
export interface Evaluation {
  /** B: ½ Σ ρ(‖W r‖²). */
  cost: Float64Array;
  /** B: 1 where every residual (and Jacobian) was finite. */
  finite: Uint8Array;
  /** B·m corrected residuals r̃ (when asked). */
  residuals?: Float64Array;
  /** B·nnz corrected Jacobian values J̃ in pattern order (when asked). */
  jValues?: Float64Array;
}

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
  readonly terms: readonly CostTerm[];
  readonly variables: readonly Variable[];
  readonly batch: number;
  /** Residual rows per batch element. */
  readonly m: number;
  /** Unknowns per batch element. */
  readonly n: number;
  readonly pattern: JacobianPattern;
  /** Per variable, per element: first column (-1 when constant). */
  readonly columns: readonly Int32Array[];
  readonly #layouts: TermLayout[];

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
          throw rangeError(fn, 'terms', `cost terms that use every non-constant element (or that element made constant)`, `element ${e} of variable '${v.name}' used by no term`);
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
    this.#layouts = this.terms.map((term) => {
      const I = term.instances;
      const d = term.dim;
      const variableIndex = term.variables.map((u) => variables.indexOf(u.variable));
      const entryStart = new Int32Array(I);
      const useOffset = term.variables.map(() => new Int32Array(I));
      for (let i = 0; i < I; i++) {
        let length = 0;
        term.variables.forEach((use, k) => {
          const e = use.indices.length === 1 ? use.indices[0]! : use.indices[i]!;
          const col = this.columns[variableIndex[k]!]![e]!;
          useOffset[k]![i] = col < 0 ? -1 : length;
          if (col >= 0) length += d * use.variable.group.dof;
        });
        entryStart[i] = nnz;
        nnz += length;
        if (nnz > MAX_INT32) throw rangeError(fn, 'terms', `at most ${MAX_INT32} Jacobian entries per batch element`, 'more');
      }
      const layout: TermLayout = { term, rowStart: m, entryStart, useOffset, variableIndex, buffers: new Map() };
      m += I * d;
      return layout;
    });
    this.m = m;
    const rows = new Int32Array(nnz);
    const cols = new Int32Array(nnz);
    for (const layout of this.#layouts) {
      const { term, rowStart, entryStart, useOffset, variableIndex } = layout;
      const d = term.dim;
      for (let i = 0; i < term.instances; i++) {
        term.variables.forEach((use, k) => {
          if (useOffset[k]![i]! < 0) return;
          const e = use.indices.length === 1 ? use.indices[0]! : use.indices[i]!;
          const col = this.columns[variableIndex[k]!]![e]!;
          let p = entryStart[i]! + useOffset[k]![i]!;
          for (let a = 0; a < d; a++) {
            for (let c = 0; c < use.variable.group.dof; c++, p++) {
              rows[p] = rowStart + i * d + a;
              cols[p] = col + c;
            }
          }
        });
      }
    }
    this.pattern = { m, n, rows, cols, colBlocks: Int32Array.from(colBlocks) };
  }

  /** Entries of the Jacobian pattern per batch element. */
  get nnz(): number {
    return this.pattern.rows.length;
  }

  /** The variables' current values, each expanded to the batch (B·count·storage). */
  initialState(): State {
    return this.variables.map((v) => {
      const values = variableValues(v);
      if (v.batch === this.batch) return values.slice();
      const out = new Float64Array(this.batch * values.length);
      for (let b = 0; b < this.batch; b++) out.set(values, b * values.length);
      return out;
    });
  }

  /** The cost per batch element at the variables' current values. */
  costs(): Float64Array {
    return this.evaluate(this.initialState(), { residuals: false, jacobians: false }).cost;
  }

  /**
   * Costs, and optionally corrected residuals and Jacobian values, at
   * `state` for the batch elements `active` selects (all when omitted;
   * outputs of the others are left as they are in `into`, or zero).
   */
  evaluate(state: State, options: { residuals: boolean; jacobians: boolean; active?: Uint8Array }, into?: Evaluation): Evaluation {
    const B = this.batch;
    const out: Evaluation = into ?? { cost: new Float64Array(B), finite: new Uint8Array(B) };
    if (options.residuals && out.residuals === undefined) out.residuals = new Float64Array(B * this.m);
    if (options.jacobians && out.jValues === undefined) out.jValues = new Float64Array(B * this.nnz);
    const actives: number[] = [];
    for (let b = 0; b < B; b++) if (options.active === undefined || options.active[b]) actives.push(b);
    for (const b of actives) {
      out.cost[b] = 0;
      out.finite[b] = 1;
    }
    if (actives.length === 0) return out;
    const nnz = this.nnz;
    for (const layout of this.#layouts) this.#evaluateTerm(layout, state, actives, options.jacobians, out, nnz);
    return out;
  }

  #evaluateTerm(layout: TermLayout, state: State, actives: number[], withJacobians: boolean, out: Evaluation, nnz: number): void {
    const { term, rowStart, entryStart, useOffset, variableIndex } = layout;
    const I = term.instances;
    const d = term.dim;
    const nA = actives.length;
    const rows = nA * I;
    const all = nA === this.batch;
    const scratch = (key: string, length: number): Float64Array => {
      let b = layout.buffers.get(key);
      if (b === undefined || b.length !== length) {
        b = new Float64Array(length);
        layout.buffers.set(key, b);
      }
      return b;
    };

    // Gather the inputs: variables, then auxiliary inputs, as rows.
    const inputs: Float64Array[] = term.variables.map((use, k) => {
      const v = use.variable;
      const st = v.group.storage;
      const x = state[variableIndex[k]!]!;
      const g = scratch(`input${k}`, rows * st);
      for (let a = 0; a < nA; a++) {
        const base = actives[a]! * v.count;
        for (let i = 0; i < I; i++) {
          const e = use.indices.length === 1 ? use.indices[0]! : use.indices[i]!;
          const src = (base + e) * st;
          const dst = (a * I + i) * st;
          for (let c = 0; c < st; c++) g[dst + c] = x[src + c]!;
        }
      }
      return g;
    });
    const rowsOf = (aux: { name: string; batch: number; k: number; tiled(B: number, I: number): Float64Array }): Float64Array => {
      const full = aux.tiled(this.batch, I);
      if (all) return full;
      if (aux.batch === 1) return full.subarray(0, rows * aux.k);
      const g = scratch(`aux ${aux.name}`, rows * aux.k);
      actives.forEach((b, a) => g.set(full.subarray(b * I * aux.k, (b + 1) * I * aux.k), a * I * aux.k));
      return g;
    };
    for (const aux of term.auxiliary) inputs.push(rowsOf(aux));

    const residuals = scratch('residuals', rows * d);
    const jacobians = term.variables.map((use, k) => (withJacobians ? scratch(`jacobian${k}`, rows * d * use.variable.group.dof) : undefined));
    term.evaluate(rows, inputs, residuals, jacobians);

    // Rows with a non-finite residual or Jacobian make their batch element non-finite.
    for (let a = 0; a < nA; a++) {
      const b = actives[a]!;
      if (!out.finite[b]) continue;
      if (!allFinite(residuals, a * I * d, (a + 1) * I * d)) out.finite[b] = 0;
      term.variables.forEach((use, k) => {
        const j = jacobians[k];
        const size = I * d * use.variable.group.dof;
        if (j !== undefined && !allFinite(j, a * size, (a + 1) * size)) out.finite[b] = 0;
      });
    }

    // Body-frame Jacobians to the variable's update frame.
    term.variables.forEach((use, k) => {
      const j = jacobians[k];
      if (j === undefined || use.variable.tangent !== 'world' || !hasWorldFrame(use.variable.group)) return;
      bodyToWorldJacobian(use.variable.group, inputs[k]!, rows, d, j, scratch(`world${k}`, worldScratchLength(rows)));
    });

    const blocks = jacobians.flatMap((j, k) => (j === undefined ? [] : [{ values: j, cols: term.variables[k]!.variable.group.dof }]));
    if (term.weight) applyWeight(term.weight.kind, d, rowsOf(term.weight.aux), rows, residuals, blocks);
    const rho = scratch('rho', rows);
    if (term.loss) {
      applyLoss(term.loss.kind, d, rowsOf(term.loss.radius), rows, residuals, blocks, rho);
    } else {
      for (let row = 0; row < rows; row++) {
        let s = 0;
        for (let c = row * d; c < (row + 1) * d; c++) s += residuals[c]! * residuals[c]!;
        rho[row] = s;
      }
    }

    for (let a = 0; a < nA; a++) {
      const b = actives[a]!;
      let sum = 0;
      for (let i = 0; i < I; i++) sum += rho[a * I + i]!;
      out.cost[b]! += 0.5 * sum;
      if (out.residuals) out.residuals.set(residuals.subarray(a * I * d, (a + 1) * I * d), b * this.m + rowStart);
      if (out.jValues && withJacobians) {
        const jv = out.jValues;
        const base = b * nnz;
        for (let k = 0; k < term.variables.length; k++) {
          const size = d * term.variables[k]!.variable.group.dof;
          const j = jacobians[k]!;
          const offsets = useOffset[k]!;
          for (let i = 0; i < I; i++) {
            const offset = offsets[i]!;
            if (offset < 0) continue;
            const src = (a * I + i) * size;
            const dst = base + entryStart[i]! + offset;
            for (let c = 0; c < size; c++) jv[dst + c] = j[src + c]!;
          }
        }
      }
    }
  }

  /**
   * out = state ⊕ δ for the batch elements `active` selects: δ holds B·n
   * tangent increments in column order; constant elements and inactive
   * batch elements are copied unchanged.
   */
  retract(state: State, delta: Float64Array, out: State, active?: Uint8Array): void {
    const B = this.batch;
    this.variables.forEach((v, vi) => {
      const { storage: st, dof } = v.group;
      const x = state[vi]!;
      const y = out[vi]!;
      const cols = this.columns[vi]!;
      const per = v.count * st;
      const tangent = new Float64Array(v.count * dof);
      for (let b = 0; b < B; b++) {
        const xb = x.subarray(b * per, (b + 1) * per);
        const yb = y.subarray(b * per, (b + 1) * per);
        if (active !== undefined && !active[b]) {
          yb.set(xb);
          continue;
        }
        for (let e = 0; e < v.count; e++) {
          const col = cols[e]!;
          for (let c = 0; c < dof; c++) tangent[e * dof + c] = col < 0 ? 0 : delta[b * this.n + col + c]!;
        }
        if (v.tangent === 'world') retractWorld(v.group, xb, tangent, yb);
        else v.group.retract(xb, tangent, yb);
        for (let e = 0; e < v.count; e++) {
          if (cols[e]! < 0) yb.set(xb.subarray(e * st, (e + 1) * st), e * st);
        }
      }
    });
  }

  /** ‖x‖₂ of batch element b over the storage of its non-constant elements (Ceres' parameter norm). */
  stateNorm(state: State, b: number): number {
    let sum = 0;
    this.variables.forEach((v, vi) => {
      const st = v.group.storage;
      const x = state[vi]!;
      const cols = this.columns[vi]!;
      for (let e = 0; e < v.count; e++) {
        if (cols[e]! < 0) continue;
        const base = (b * v.count + e) * st;
        for (let c = 0; c < st; c++) sum += x[base + c]! * x[base + c]!;
      }
    });
    return Math.sqrt(sum);
  }
}
