/**
 * The part of an objective a solve works on (as Ceres' Program beside its
 * Problem): the structure the Objective built from its cost terms (the
 * variables' columns, each term's rows and Jacobian entries), over all of
 * its batch elements or a range of them, with the evaluation, retraction
 * and norms the optimisers use. Internal: users see the Objective, which
 * delegates to its program.
 *
 * State: one Float64Array per variable, B·count·storage, batch-major.
 */
import type { LieGroup } from '../geometry/lie-group.js';
import type { JacobianPattern } from './pattern.js';
import { auxiliaryValues, type Auxiliary } from './auxiliary.js';
import type { CostTerm } from './cost-term.js';
import { applyLoss } from './robust-loss.js';
import { centralSides, hasWorldFrame, tangentMagnitude } from './tangent.js';
import { variableValues, type Variable } from './variable.js';
import { applyWeight } from './weight.js';

/** The values of an objective's variables: one Float64Array per variable (in `variables` order), B·count·storage each, batch-major. */
export type State = Float64Array[];

/**
 * Where a term's Jacobian entries go in the pattern: instance i's entries
 * start at entryStart[i]; within them, use k's d × dof block (row-major, as
 * the term writes it) starts at useOffset[k][i].
 */
export interface TermLayout {
  term: CostTerm;
  rowStart: number;
  entryStart: Int32Array;
  /** Per use k, per instance: offset of its block within the instance's entries (-1: constant element). */
  useOffset: Int32Array[];
  /** Per use k: index of its variable in `variables`. */
  variableIndex: number[];
  /** Per use k: whether its Jacobian is taken to the world frame (its variable's `tangent`). */
  world: boolean[];
  /** Per instance, 1 where every element it uses is constant (its cost is too); undefined when none is. */
  fixed: Uint8Array | undefined;
  /** Scratch arrays kept between evaluations. */
  buffers: Map<string, Float64Array>;
}

/** Outputs of an evaluation, batch-major. */
export interface Evaluation {
  /** B: ½ Σ ρ(‖W r‖²). */
  cost: Float64Array;
  /**
   * B: the part of `cost` from the instances that use a non-constant element:
   * what the optimisers minimise and compare (as Ceres, which leaves the
   * residual blocks on constant parameters out of the minimiser and adds
   * their cost to the reported one). `cost` = variableCost + the instances on
   * constant elements only, in that order.
   */
  variableCost: Float64Array;
  /** B: 1 where every residual (and Jacobian) was finite. */
  finite: Uint8Array;
  /** B·m corrected residuals r̃ (when asked). */
  residuals?: Float64Array;
  /** B·nnz corrected Jacobian values J̃ in pattern order (when asked). */
  jValues?: Float64Array;
  /** Per term (in `terms` order), B·I instance costs ½ ρ(‖W r‖²) (when asked). */
  instanceCosts?: Float64Array[];
  /** B: for an element that is not finite, where first (the term, instance and residual or Jacobian), once one is. */
  nonFinite?: (string | undefined)[];
}

/** A step's quantities held fixed in uᵀ(A + λE)δ (Program.instanceProducts): the unrolled backward's view of one Gauss-Newton or Levenberg-Marquardt step. */
export interface StepProducts {
  /** B·n: the step δ, column order. */
  delta: Float64Array;
  /** B·n: λ where the damping E follows diag A (Levenberg-Marquardt's D unclamped), 0 elsewhere. */
  damping: Float64Array;
}

/** What an Objective builds once from its cost terms, shared by its program and the program's element ranges. */
export interface ProgramStructure {
  terms: readonly CostTerm[];
  variables: readonly Variable[];
  m: number;
  n: number;
  pattern: JacobianPattern;
  columns: readonly Int32Array[];
  layouts: readonly TermLayout[];
}

export class Program {
  readonly terms: readonly CostTerm[];
  readonly variables: readonly Variable[];
  /** The batch elements this program covers. */
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly pattern: JacobianPattern;
  readonly columns: readonly Int32Array[];
  readonly #structure: ProgramStructure;
  readonly #layouts: readonly TermLayout[];
  /** The inputs' batch element that is this program's element 0. */
  readonly #first: number;

  /** The structure over `batch` elements, the first of which is element `first` of the inputs. */
  constructor(structure: ProgramStructure, first: number, batch: number) {
    this.#structure = structure;
    ({ terms: this.terms, variables: this.variables, m: this.m, n: this.n, pattern: this.pattern, columns: this.columns } = structure);
    this.#layouts = structure.layouts;
    this.#first = first;
    this.batch = batch;
  }

  /** The variable, element and tangent coordinate that unknown `col` is; undefined for a column out of range. */
  columnOwner(col: number): { variable: string; element: number; coordinate: number } | undefined {
    for (let vi = 0; vi < this.variables.length; vi++) {
      const first = this.columns[vi]!;
      const dof = this.variables[vi]!.group.dof;
      for (let e = 0; e < first.length; e++) {
        if (first[e]! >= 0 && col >= first[e]! && col < first[e]! + dof) return { variable: this.variables[vi]!.name, element: e, coordinate: col - first[e]! };
      }
    }
    return undefined;
  }

  /** Entries of the Jacobian pattern per batch element. */
  get nnz(): number {
    return this.pattern.rows.length;
  }

  /**
   * The same program over its batch elements [begin, end) (for the
   * optimisers' pipelined batches): it shares the structure and scratch
   * space and reads those elements' inputs; element b of the range is
   * element begin + b here.
   */
  elementRange(begin: number, end: number): Program {
    return new Program(this.#structure, this.#first + begin, end - begin);
  }

  /** The variables' current values, each expanded to the batch (B·count·storage). */
  initialState(): State {
    return this.variables.map((v) => {
      const values = variableValues(v);
      const per = values.length / v.batch;
      if (v.batch !== 1) return values.slice(this.#first * per, (this.#first + this.batch) * per);
      const out = new Float64Array(this.batch * values.length);
      for (let b = 0; b < this.batch; b++) out.set(values, b * values.length);
      return out;
    });
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
    const B = this.batch;
    const out: Evaluation = into ?? { cost: new Float64Array(B), variableCost: new Float64Array(B), finite: new Uint8Array(B) };
    if (options.residuals && out.residuals === undefined) out.residuals = new Float64Array(B * this.m);
    if (options.jacobians && out.jValues === undefined) out.jValues = new Float64Array(B * this.nnz);
    if (options.instanceCosts && out.instanceCosts === undefined) out.instanceCosts = this.terms.map((t) => new Float64Array(B * t.instances));
    const actives: number[] = [];
    for (let b = 0; b < B; b++) if (options.active === undefined || options.active[b]) actives.push(b);
    // The instances on constant elements only add into `cost` first (their
    // sum), then `cost` = variableCost + that sum.
    for (const b of actives) {
      out.cost[b] = 0;
      out.variableCost[b] = 0;
      out.finite[b] = 1;
      if (out.nonFinite) out.nonFinite[b] = undefined;
    }
    if (actives.length === 0) return out;
    const nnz = this.nnz;
    for (const layout of this.#layouts) this.#evaluateTerm(layout, state, actives, options.jacobians, out, nnz, options.columnScale);
    for (const b of actives) out.cost[b] = out.variableCost[b]! + out.cost[b]!;
    return out;
  }

  #evaluateTerm(
    layout: TermLayout,
    state: State,
    actives: number[],
    withJacobians: boolean,
    out: Evaluation,
    nnz: number,
    columnScale: Float64Array | undefined,
  ): void {
    const { term, rowStart, entryStart, useOffset, variableIndex } = layout;
    const I = term.instances;
    const d = term.dim;
    const uses = term.variables;
    // Rows (batch element × instance, row = a·I + i) go through the passes
    // below in chunks of at most CHUNK_ROWS (bounded scratch, in cache): whole
    // elements per chunk when an element has fewer rows, else pieces of one
    // element (so that inputs shared by the batch are read in place).
    const elementsPerChunk = Math.floor(CHUNK_ROWS / I);
    const chunk = elementsPerChunk === 0 ? CHUNK_ROWS : Math.min(elementsPerChunk, actives.length) * I;
    const scratch = (key: string, length: number): Float64Array => {
      let b = layout.buffers.get(key);
      if (b === undefined || b.length < length) {
        // Scratch arrays grow to the largest chunk seen (views of an objective share them).
        b = new Float64Array(length);
        layout.buffers.set(key, b);
      }
      return b.subarray(0, length);
    };
    const inputBuffers = [
      ...uses.map((u, k) => scratch(`input${k}`, chunk * u.variable.group.storage)),
      ...term.auxiliary.map((aux, k) => scratch(`aux${k}`, chunk * aux.k)),
    ];
    const residualBuffer = scratch('residuals', chunk * d);
    const jacobianBuffers = uses.map((u, k) => (withJacobians ? scratch(`jacobian${k}`, chunk * d * u.variable.group.dof) : undefined));
    const weightBuffer = term.weight ? scratch('weight', chunk * term.weight.aux.k) : undefined;
    const radiusBuffer = term.loss ? scratch('radius', chunk) : undefined;
    const squared = scratch('squared', chunk);
    const rho = term.loss ? scratch('rho', chunk) : squared;
    const instanceCosts = out.instanceCosts?.[this.terms.indexOf(term)];

    const total = actives.length * I;
    for (let start = 0; start < total;) {
      const rows = elementsPerChunk === 0 ? Math.min(CHUNK_ROWS, I - (start % I)) : Math.min(chunk, total - start);
      const inputs = inputBuffers.map((buffer, k) => {
        const width = buffer.length / chunk;
        const view = buffer.subarray(0, rows * width);
        if (k >= uses.length) return auxiliaryRows(term.auxiliary[k - uses.length]!, this.#first, actives, I, start, rows, view);
        gatherRows(state[variableIndex[k]!]!, uses[k]!.indices, uses[k]!.variable.count, actives, I, start, rows, view, width);
        return view;
      });
      const residuals = residualBuffer.subarray(0, rows * d);
      const jacobians = jacobianBuffers.map((j, k) => j?.subarray(0, rows * d * uses[k]!.variable.group.dof));
      const weight = term.weight
        ? auxiliaryRows(term.weight.aux, this.#first, actives, I, start, rows, weightBuffer!.subarray(0, rows * term.weight.aux.k))
        : undefined;
      // NaN-poisoned (a user's term): an entry the term does not write is caught as non-finite (and named below).
      if (!term.writesEveryEntry) {
        residuals.fill(NaN);
        for (const j of jacobians) j?.fill(NaN);
      }
      const blocks = weightedRows(layout, inputs, rows, residuals, jacobians, weight, (k, length) => scratch(`world${k}`, length));
      // s = ‖W r‖² per row decides finiteness (a loss may map a non-finite s to a constant ρ).
      squaredNorms(residuals, rows, d, squared);
      if (term.loss) {
        const radius = auxiliaryRows(term.loss.radius, this.#first, actives, I, start, rows, radiusBuffer!.subarray(0, rows));
        applyLoss(term.loss.kind, d, radius, rows, residuals, blocks, rho);
      }
      addRows(rho, squared, residuals, d, actives, I, start, rows, out, this.m, rowStart, layout.fixed, instanceCosts);
      if (out.jValues && withJacobians) {
        const scale = columnScale;
        uses.forEach((use, k) => {
          scatterRows(
            jacobians[k]!,
            d,
            use.variable.group.dof,
            entryStart,
            useOffset[k]!,
            actives,
            I,
            start,
            rows,
            out.jValues!,
            out.finite,
            nnz,
            scale,
            this.n,
            this.pattern.cols,
          );
        });
      }
      if (!out.finite.every((f) => f === 1)) this.#describeNonFinite(layout, actives, start, rows, residuals, jacobians, out);
      start += rows;
    }
  }

  /**
   * Each term's Jacobians (as it writes them, body frame, before W and the
   * loss) against finite differences along each variable's right tangent,
   * per instance and use of a non-constant element, for the elements
   * `active` selects: per element the first whose error exceeds `tolerance`,
   * in words, else null. The error of a block is ‖J − D‖max / ‖D‖max
   * (‖D‖ at least 1e-8) for the best of four differences D: central with an
   * absolute step 1e-6 and with a relative one 1e-6·max(|x_c|, 1) (a
   * Vector's parameter of any size), and, within 100·tolerance, forward and
   * backward with the absolute step (a residual across Log's ±π cut, where
   * one side jumps). A wrong Jacobian is off from all four.
   */
  compareJacobians(state: State, active: Uint8Array, tolerance: number): (string | null)[] {
    const B = this.batch;
    const found = new Array<string | null>(B).fill(null);
    for (const layout of this.#layouts) {
      const { term } = layout;
      const d = term.dim;
      const I = term.instances;
      const rows = B * I;
      const inputs = this.#allRows(layout, state);
      const analytic = term.variables.map((u) => new Float64Array(rows * d * u.variable.group.dof));
      const base = new Float64Array(rows * d);
      term.evaluate(rows, inputs, base, analytic);
      const none = term.variables.map(() => undefined);
      term.variables.forEach((use, k) => {
        const { group } = use.variable;
        const dof = group.dof;
        const size = d * dof;
        // error[row]: the best of the differences' errors so far, per row (instance).
        const errors = [new Float64Array(rows), new Float64Array(rows)];
        const differences = Array.from({ length: 4 }, () => new Float64Array(rows * size));
        for (let c = 0; c < dof; c++) {
          for (const relative of [false, true]) {
            const steps = Float64Array.from({ length: rows }, (_, row) => 1e-6 * (relative ? Math.max(tangentMagnitude(group, inputs[k]!, row, c), 1) : 1));
            const moved = inputs.slice();
            const { plus, minus, width } = centralSides(group, inputs[k]!, rows, d, c, steps, (values, out) => {
              moved[k] = values;
              term.evaluate(rows, moved, out, none);
            });
            for (let row = 0; row < rows; row++) {
              for (let a = 0; a < d; a++) {
                const at = (row * d + a) * dof + c;
                const r = row * d + a;
                const h = width[row]! / 2;
                if (relative) differences[1]![at] = (plus[r]! - minus[r]!) / (2 * h);
                else {
                  differences[0]![at] = (plus[r]! - minus[r]!) / (2 * h);
                  differences[2]![at] = (plus[r]! - base[r]!) / h;
                  differences[3]![at] = (base[r]! - minus[r]!) / h;
                }
              }
            }
          }
        }
        const error = (D: Float64Array, row: number): number => {
          let difference = 0;
          let scale = 1e-8;
          for (let e = row * size; e < (row + 1) * size; e++) {
            difference = Math.max(difference, Math.abs(analytic[k]![e]! - D[e]!));
            scale = Math.max(scale, Math.abs(D[e]!));
          }
          return difference / scale;
        };
        for (let row = 0; row < rows; row++) {
          const b = Math.floor(row / I);
          const i = row - b * I;
          if (!active[b] || found[b] !== null || this.#useColumn(layout, k, i) < 0) continue;
          errors[0]![row] = Math.min(error(differences[0]!, row), error(differences[1]!, row));
          errors[1]![row] = Math.min(error(differences[2]!, row), error(differences[3]!, row));
          if (errors[0]![row]! <= tolerance || errors[1]![row]! <= 100 * tolerance) continue;
          found[b] =
            `the Jacobian of term '${term.name}' with respect to '${use.variable.name}' (element ${use.indices[use.indices.length === 1 ? 0 : i]}) at instance ${i} ` +
            `is off from central differences by ${errors[0]![row]!.toPrecision(3)} relative (tolerance ${tolerance})`;
        }
      });
    }
    return found;
  }

  /**
   * For each element of this chunk that is not finite and not yet
   * described: the first instance of `layout`'s term whose residual or
   * Jacobian (of a non-constant element) is not finite, in words, into
   * out.nonFinite.
   */
  #describeNonFinite(
    layout: TermLayout,
    actives: readonly number[],
    start: number,
    rows: number,
    residuals: Float64Array,
    jacobians: readonly (Float64Array | undefined)[],
    out: Evaluation,
  ): void {
    const { term } = layout;
    const I = term.instances;
    const d = term.dim;
    out.nonFinite ??= new Array<string | undefined>(this.batch).fill(undefined);
    for (let row = 0; row < rows; row++) {
      const b = actives[Math.floor((start + row) / I)]!;
      const i = (start + row) % I;
      if (out.finite[b] || out.nonFinite[b] !== undefined) continue;
      const bad = (x: Float64Array, begin: number, end: number) => {
        for (let e = begin; e < end; e++) if (!Number.isFinite(x[e]!)) return x[e]!;
        return undefined;
      };
      const where = `term '${term.name}', instance ${i}`;
      const r = bad(residuals, row * d, (row + 1) * d);
      if (r !== undefined) {
        out.nonFinite[b] = `${where}: its residual is ${r}${Number.isNaN(r) ? ' (NaN: not written, or computed from NaN)' : ''}`;
        continue;
      }
      term.variables.forEach((use, k) => {
        const j = jacobians[k];
        if (j === undefined || out.nonFinite![b] !== undefined || this.#useColumn(layout, k, i) < 0) return;
        const size = d * use.variable.group.dof;
        const v = bad(j, row * size, (row + 1) * size);
        if (v !== undefined)
          out.nonFinite![b] =
            `${where}: its Jacobian with respect to '${use.variable.name}' holds ${v}${Number.isNaN(v) ? ' (NaN: an entry the term did not write, or computed from NaN)' : ''}`;
      });
    }
  }

  /**
   * Per batch element and instance of `term`, at `state`, B·I values into
   * `into`: the slope of the instance's cost along u (B·n, column order),
   * φᵢ = (J̃ᵢᵀr̃ᵢ)·u, and with a `step` also the instance's part of uᵀ(A + λE)δ:
   * φᵢ += (J̃ᵢu)ᵀ(J̃ᵢδ) + Σⱼ damping_j u_j δ_j ‖J̃ᵢ e_j‖² (j over its columns).
   * Only `term` is evaluated. These are what the differentiable layer
   * differentiates with respect to a term's inputs: ⟨∇ₓf, w⟩ in the implicit
   * backward, uᵀ(g + (A + λE)δ) in the unrolled one. An instance with a
   * non-finite residual or Jacobian gets NaN.
   */
  instanceProducts(state: State, term: CostTerm, u: Float64Array, into: Float64Array, step?: StepProducts): Float64Array {
    const layout = this.#layouts[this.terms.indexOf(term)]!;
    const rows = this.batch * term.instances;
    return this.#rowProducts(layout, this.#rowGradients(layout, this.#allRows(layout, state), rows), u, step, into);
  }

  /**
   * out += ∂/∂a Σᵢ φᵢ(state ⊕ a) at a = 0 (B·n, column order), φᵢ as in
   * instanceProducts over every term: per term, use and tangent coordinate,
   * a central difference (HESSIAN_STEP's stencil) with that coordinate of
   * the use moved in every instance at once (each instance's inputs are its
   * own copies, so the change of φᵢ is its partial derivative).
   */
  productTangentGradient(state: State, u: Float64Array, step: StepProducts | undefined, out: Float64Array): void {
    const n = this.n;
    for (const layout of this.#layouts) {
      const { term } = layout;
      const I = term.instances;
      const rows = this.batch * I;
      const inputs = this.#allRows(layout, state);
      const sides = STENCIL.map(() => new Float64Array(rows));
      term.variables.forEach((use, k) => {
        for (let c = 0; c < use.variable.group.dof; c++) {
          STENCIL.forEach((t, side) => this.#rowProducts(layout, this.#movedRowGradients(layout, inputs, k, c, t * HESSIAN_STEP), u, step, sides[side]!));
          const [p1, m1, p2, m2] = sides;
          for (let row = 0; row < rows; row++) {
            const b = Math.floor(row / I);
            const col = this.#useColumn(layout, k, row - b * I);
            if (col >= 0) out[b * n + col + c]! += stencil(p1![row]!, m1![row]!, p2![row]!, m2![row]!, HESSIAN_STEP);
          }
        }
      });
    }
  }

  /**
   * E = H − J̃ᵀJ̃ at `state`, H = ∇²ₓ f the exact Hessian, added into `extra`
   * (B × the slots of A's upper triangle by columns, `upper`): what turns the
   * Gauss-Newton matrix into H (the differentiable layer's exactHessian).
   * Each instance couples its own variables only: its block of H is the
   * derivative of its gradient J̃ᵢᵀr̃ᵢ (robust losses included) along each
   * tangent coordinate of each variable it uses, by central differences of
   * the analytic Jacobians (HESSIAN_STEP's stencil, about 1e-11 relative), made
   * symmetric; J̃ᵢᵀJ̃ᵢ is subtracted exactly.
   */
  secondOrderTerm(state: State, upper: { colStart: Int32Array; rowIndex: Int32Array }, extra: Float64Array): void {
    const slots = upper.rowIndex.length;
    const slotOf = (i: number, j: number): number => {
      let lo = upper.colStart[j]!;
      let hi = upper.colStart[j + 1]! - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (upper.rowIndex[mid]! < i) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    for (const layout of this.#layouts) {
      const { term } = layout;
      const uses = term.variables;
      const d = term.dim;
      const I = term.instances;
      const rows = this.batch * I;
      // An instance's coordinates p = first[k] + c: coordinate c of use k, D in all.
      const dofs = uses.map((u) => u.variable.group.dof);
      const D = dofs.reduce((x, y) => x + y, 0);
      const first = dofs.map((_, k) => dofs.slice(0, k).reduce((x, y) => x + y, 0));
      const inputs = this.#allRows(layout, state);
      const atSolution = this.#rowGradients(layout, inputs, rows);
      // hessian[row·D² + p·D + q] = ∂g_p/∂x_q.
      const hessian = new Float64Array(rows * D * D);
      uses.forEach((_, k) => {
        for (let c = 0; c < dofs[k]!; c++) {
          const sides = STENCIL.map((t) => this.#movedRowGradients(layout, inputs, k, c, t * HESSIAN_STEP).gradients);
          const q = first[k]! + c;
          uses.forEach((_, kk) => {
            const [p1, m1, p2, m2] = sides.map((side) => side[kk]!);
            for (let row = 0; row < rows; row++) {
              for (let cc = 0; cc < dofs[kk]!; cc++) {
                const at = row * dofs[kk]! + cc;
                hessian[row * D * D + (first[kk]! + cc) * D + q] = stencil(p1![at]!, m1![at]!, p2![at]!, m2![at]!, HESSIAN_STEP);
              }
            }
          });
        }
      });
      // Scatter ½(H + Hᵀ) − J̃ᵀJ̃ of each instance into the upper triangle's slots.
      const columnOf = new Int32Array(D);
      const jRow = new Float64Array(d * D); // the instance's J̃, d × D
      for (let row = 0; row < rows; row++) {
        const b = Math.floor(row / I);
        uses.forEach((_, k) => {
          const col = this.#useColumn(layout, k, row - b * I);
          const j = atSolution.jacobians[k]!;
          for (let c = 0; c < dofs[k]!; c++) {
            columnOf[first[k]! + c] = col < 0 ? -1 : col + c;
            for (let a = 0; a < d; a++) jRow[a * D + first[k]! + c] = j[(row * d + a) * dofs[k]! + c]!;
          }
        });
        const h = hessian.subarray(row * D * D, (row + 1) * D * D);
        for (let p = 0; p < D; p++) {
          const cp = columnOf[p]!;
          if (cp < 0) continue;
          for (let q = 0; q < D; q++) {
            const cq = columnOf[q]!;
            if (cq < 0 || cp > cq) continue;
            let gaussNewton = 0;
            for (let a = 0; a < d; a++) gaussNewton += jRow[a * D + p]! * jRow[a * D + q]!;
            extra[b * slots + slotOf(cp, cq)]! += 0.5 * (h[p * D + q]! + h[q * D + p]!) - gaussNewton;
          }
        }
      }
    }
  }

  /** #rowGradients with use k of every row moved by h along its tangent coordinate c (in its update frame). */
  #movedRowGradients(layout: TermLayout, inputs: readonly Float64Array[], k: number, c: number, h: number): RowGradients {
    const use = layout.term.variables[k]!;
    const dof = use.variable.group.dof;
    const rows = this.batch * layout.term.instances;
    const delta = new Float64Array(rows * dof);
    for (let row = 0; row < rows; row++) delta[row * dof + c] = h;
    const moved = inputs.slice();
    moved[k] = new Float64Array(inputs[k]!.length);
    retractIn(use.variable.group, layout.world[k]!, inputs[k]!, delta, moved[k]);
    return this.#rowGradients(layout, moved, rows);
  }

  /** φ per row of `layout`'s term from its row gradients (instanceProducts), into `into`. */
  #rowProducts(layout: TermLayout, { jacobians, gradients }: RowGradients, u: Float64Array, step: StepProducts | undefined, into: Float64Array): Float64Array {
    const { term } = layout;
    const n = this.n;
    const d = term.dim;
    const I = term.instances;
    const rows = this.batch * I;
    const ju = new Float64Array(d);
    const jd = new Float64Array(d);
    for (let row = 0; row < rows; row++) {
      const b = Math.floor(row / I);
      let phi = 0;
      ju.fill(0);
      jd.fill(0);
      term.variables.forEach((use, k) => {
        const col = this.#useColumn(layout, k, row - b * I);
        if (col < 0) return;
        const dof = use.variable.group.dof;
        const g = gradients[k]!;
        const j = jacobians[k]!;
        for (let c = 0; c < dof; c++) {
          const at = b * n + col + c;
          const uc = u[at]!;
          phi += g[row * dof + c]! * uc;
          if (step === undefined) continue;
          const dc = step.delta[at]!;
          let square = 0;
          for (let a = 0; a < d; a++) {
            const v = j[(row * d + a) * dof + c]!;
            ju[a]! += v * uc;
            jd[a]! += v * dc;
            square += v * v;
          }
          phi += step.damping[at]! * uc * dc * square;
        }
      });
      for (let a = 0; a < d; a++) phi += ju[a]! * jd[a]!;
      into[row] = phi;
    }
    return into;
  }

  /** The first column of use k's element in instance i, or −1 for a constant element. */
  #useColumn(layout: TermLayout, k: number, i: number): number {
    const { indices } = layout.term.variables[k]!;
    return this.columns[layout.variableIndex[k]!]![indices.length === 1 ? indices[0]! : indices[i]!]!;
  }

  /** The inputs of every row (batch element × instance, row = b·I + i) of `layout`'s term, gathered. */
  #allRows(layout: TermLayout, state: State): Float64Array[] {
    const { term, variableIndex } = layout;
    const I = term.instances;
    const rows = this.batch * I;
    const actives = Array.from({ length: this.batch }, (_, b) => b);
    return [
      ...term.variables.map((u, k) => {
        const st = u.variable.group.storage;
        const g = new Float64Array(rows * st);
        gatherRows(state[variableIndex[k]!]!, u.indices, u.variable.count, actives, I, 0, rows, g, st);
        return g;
      }),
      ...term.auxiliary.map((aux) => auxiliaryRows(aux, this.#first, actives, I, 0, rows, new Float64Array(rows * aux.k))),
    ];
  }

  /** Per row of all rows: the corrected residuals r̃, Jacobians J̃ per use (d × dof) and gradients J̃ᵀr̃ per use, of `layout`'s term over gathered inputs. */
  #rowGradients(layout: TermLayout, inputs: readonly Float64Array[], rows: number): RowGradients {
    const { term } = layout;
    const d = term.dim;
    const uses = term.variables;
    const I = term.instances;
    const actives = Array.from({ length: this.batch }, (_, b) => b);
    const residuals = new Float64Array(rows * d);
    const jacobians = uses.map((u) => new Float64Array(rows * d * u.variable.group.dof));
    const weight = term.weight ? auxiliaryRows(term.weight.aux, this.#first, actives, I, 0, rows, new Float64Array(rows * term.weight.aux.k)) : undefined;
    const blocks = weightedRows(layout, inputs, rows, residuals, jacobians, weight, (_, length) => new Float64Array(length));
    if (term.loss) {
      const radius = auxiliaryRows(term.loss.radius, this.#first, actives, I, 0, rows, new Float64Array(rows));
      applyLoss(term.loss.kind, d, radius, rows, residuals, blocks, new Float64Array(rows));
    }
    const gradients = jacobians.map((j, k) => {
      const dof = uses[k]!.variable.group.dof;
      const g = new Float64Array(rows * dof);
      for (let row = 0; row < rows; row++) {
        for (let a = 0; a < d; a++) {
          const r = residuals[row * d + a]!;
          for (let c = 0; c < dof; c++) g[row * dof + c]! += j[(row * d + a) * dof + c]! * r;
        }
      }
      return g;
    });
    return { jacobians, gradients };
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
        retractIn(v.group, v.tangent === 'world' && hasWorldFrame(v.group), xb, tangent, yb);
        for (let e = 0; e < v.count; e++) {
          if (cols[e]! < 0) yb.set(xb.subarray(e * st, (e + 1) * st), e * st);
          else if (v.bounds) clampToBox(yb, e * st, v.bounds);
        }
      }
    });
  }

  /** Whether some variable has box bounds (the optimisers then judge projected steps). */
  get bounded(): boolean {
    return this.variables.some((v) => v.bounds !== undefined);
  }

  /**
   * Per batch element and column (B·n): −1 where a bounded coordinate sits
   * on its lower bound, +1 on its upper bound, 0 elsewhere.
   */
  boundsAt(state: State): Int8Array {
    const { batch: B, n } = this;
    const out = new Int8Array(B * n);
    this.variables.forEach((v, vi) => {
      if (!v.bounds) return;
      const st = v.group.storage;
      const cols = this.columns[vi]!;
      for (let b = 0; b < B; b++) {
        for (let e = 0; e < v.count; e++) {
          if (cols[e]! < 0) continue;
          for (let c = 0; c < st; c++) {
            const x = state[vi]![(b * v.count + e) * st + c]!;
            out[b * n + cols[e]! + c] = x <= v.bounds.lower[c]! ? -1 : x >= v.bounds.upper[c]! ? 1 : 0;
          }
        }
      }
    });
    return out;
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

/** Rows per chunk of an evaluation. */
const CHUNK_ROWS = 4096;

/**
 * Tangent step of the derivatives of analytic gradients (secondOrderTerm,
 * productTangentGradient): the five-point central difference STENCIL
 * (truncation O(h⁴), rounding ε/h), about 1e-11 relative at h = 5e-5.
 */
const HESSIAN_STEP = 5e-5;

/** The multiples of the step the stencil evaluates at: +h, −h, +2h, −2h. */
const STENCIL = [1, -1, 2, -2] as const;

/** f′(0) ≈ (8(f(h) − f(−h)) − (f(2h) − f(−2h))) / 12h. */
function stencil(p1: number, m1: number, p2: number, m2: number, h: number): number {
  return (8 * (p1 - m1) - (p2 - m2)) / (12 * h);
}

/** A term's corrected Jacobians and gradients per row. */
interface RowGradients {
  jacobians: Float64Array[];
  gradients: Float64Array[];
}

/** A Vector element's coordinates at `o` clamped to the box. */
function clampToBox(x: Float64Array, o: number, { lower, upper }: { lower: Float64Array; upper: Float64Array }): void {
  for (let c = 0; c < lower.length; c++) x[o + c] = Math.min(Math.max(x[o + c]!, lower[c]!), upper[c]!);
}

/** out = x ⊕ δ in the update frame: the group's world frame when `world` (lib/core/tangent.ts), else its right tangent. */
function retractIn(group: LieGroup, world: boolean, x: Float64Array, delta: Float64Array, out: Float64Array): void {
  if (world) group.worldFrame!.retract(x, delta, out);
  else group.retract(x, delta, out);
}

/**
 * The term's raw residuals and Jacobians for `rows` gathered rows, the
 * Jacobians taken to each use's update frame (`jacobians[k]` undefined: not
 * wanted), then W applied (r ← W r, J ← W J, `weight`: W's rows); returns
 * the Jacobian blocks for the loss. `scratch(k, length)` gives use k's
 * world-frame scratch.
 */
function weightedRows(
  layout: TermLayout,
  inputs: readonly Float64Array[],
  rows: number,
  residuals: Float64Array,
  jacobians: readonly (Float64Array | undefined)[],
  weight: Float64Array | undefined,
  scratch: (k: number, length: number) => Float64Array,
): { values: Float64Array; cols: number }[] {
  const { term, world } = layout;
  const d = term.dim;
  const uses = term.variables;
  if (term.writesWorldFrame) {
    term.evaluate(rows, inputs, residuals, jacobians, world);
  } else {
    term.evaluate(rows, inputs, residuals, jacobians);
    // Body-frame Jacobians to the variable's update frame.
    uses.forEach((use, k) => {
      const j = jacobians[k];
      if (j === undefined || !world[k]) return;
      const frame = use.variable.group.worldFrame!;
      frame.bodyToWorld(inputs[k]!, rows, d, j, scratch(k, frame.scratchLength(rows)));
    });
  }
  const blocks = jacobians.flatMap((j, k) => (j === undefined ? [] : [{ values: j, cols: uses[k]!.variable.group.dof }]));
  if (term.weight) applyWeight(term.weight.kind, d, weight!, rows, residuals, blocks);
  return blocks;
}

/**
 * Rows [start, start + rows) of the flattened (active element a, instance i)
 * order, row = a·I + i, from x: element indices[i] (indices[0] for all when
 * it has one entry) of batch element actives[a], `st` numbers each.
 */
function gatherRows(
  x: Float64Array,
  indices: Int32Array,
  count: number,
  actives: readonly number[],
  I: number,
  start: number,
  rows: number,
  g: Float64Array,
  st: number,
): void {
  const shared = indices.length === 1;
  let a = Math.floor(start / I);
  let i = start - a * I;
  let base = actives[a]! * count;
  for (let row = 0; row < rows; row++) {
    const src = (base + (shared ? indices[0]! : indices[i]!)) * st;
    for (let c = 0; c < st; c++) g[row * st + c] = x[src + c]!;
    if (++i === I && row + 1 < rows) {
      i = 0;
      base = actives[++a]! * count;
    }
  }
}

/**
 * Rows [start, start + rows) of an auxiliary input ([1|B] × [1|I] × k), as
 * gatherRows (element actives[a] of the program is element first +
 * actives[a] of the inputs): read in place when they lie there in order
 * (one value per instance, and rows of one element or, for a per-element
 * input, of consecutive elements), else gathered into g.
 */
function auxiliaryRows(
  aux: Auxiliary,
  firstElement: number,
  actives: readonly number[],
  I: number,
  start: number,
  rows: number,
  g: Float64Array,
): Float64Array {
  const { k, values } = auxiliaryValues(aux);
  let a = Math.floor(start / I);
  let i = start - a * I;
  if (aux.instances === I) {
    const last = Math.floor((start + rows - 1) / I);
    if (aux.batch === 1 && last === a) return values.subarray(i * k, (i + rows) * k);
    if (aux.batch !== 1 && actives[last]! - actives[a]! === last - a) {
      const first = (firstElement + actives[a]!) * I + i;
      return values.subarray(first * k, (first + rows) * k);
    }
  }
  for (let row = 0; row < rows; row++) {
    const element = aux.batch === 1 ? 0 : firstElement + actives[a]!;
    const src = (element * aux.instances + (aux.instances === 1 ? 0 : i)) * k;
    for (let c = 0; c < k; c++) g[row * k + c] = values[src + c]!;
    if (++i === I) {
      i = 0;
      a++;
    }
  }
  return g;
}

/** out[row] = ‖r_row‖² for rows of d residuals. */
function squaredNorms(r: Float64Array, rows: number, d: number, out: Float64Array): void {
  for (let row = 0; row < rows; row++) {
    let s = 0;
    for (let c = row * d; c < (row + 1) * d; c++) s += r[c]! * r[c]!;
    out[row] = s;
  }
}

/**
 * Per row: ½ρ into its element's cost (variableCost, or `cost` for an
 * instance on constant elements only; evaluate sums them) and its
 * instance's, its residuals to their place, and a non-finite s marks the
 * element non-finite.
 */
function addRows(
  rho: Float64Array,
  squared: Float64Array,
  residuals: Float64Array,
  d: number,
  actives: readonly number[],
  I: number,
  start: number,
  rows: number,
  out: Evaluation,
  m: number,
  rowStart: number,
  fixed: Uint8Array | undefined,
  instanceCosts: Float64Array | undefined,
): void {
  let a = Math.floor(start / I);
  let i = start - a * I;
  for (let row = 0; row < rows; row++) {
    const b = actives[a]!;
    if (fixed !== undefined && fixed[i]) out.cost[b]! += 0.5 * rho[row]!;
    else out.variableCost[b]! += 0.5 * rho[row]!;
    if (instanceCosts) instanceCosts[b * I + i] = 0.5 * rho[row]!;
    if (!Number.isFinite(squared[row]!)) out.finite[b] = 0;
    if (out.residuals) {
      const dst = b * m + rowStart + i * d;
      for (let c = 0; c < d; c++) out.residuals[dst + c] = residuals[row * d + c]!;
    }
    if (++i === I) {
      i = 0;
      a++;
    }
  }
}

/**
 * Per row: one variable use's d × dof block to its place in the pattern
 * (times the column scale when given: its columns are col₀ … col₀ + dof − 1,
 * so dof scale factors serve the block); a NaN or ±Inf value marks the
 * element non-finite (v − v is NaN exactly then).
 */
function scatterRows(
  j: Float64Array,
  d: number,
  dof: number,
  entryStart: Int32Array,
  offsets: Int32Array,
  actives: readonly number[],
  I: number,
  start: number,
  rows: number,
  jv: Float64Array,
  finite: Uint8Array,
  nnz: number,
  scale: Float64Array | undefined,
  n: number,
  cols: Int32Array,
): void {
  const size = d * dof;
  let a = Math.floor(start / I);
  let i = start - a * I;
  for (let row = 0; row < rows; row++) {
    const offset = offsets[i]!;
    if (offset >= 0) {
      const b = actives[a]!;
      const entry = entryStart[i]! + offset;
      const dst = b * nnz + entry;
      const src = row * size;
      let check = 0;
      if (scale === undefined) {
        for (let c = 0; c < size; c++) {
          const v = j[src + c]!;
          check += v - v;
          jv[dst + c] = v;
        }
      } else {
        const s0 = b * n + cols[entry]!;
        for (let p = 0; p < size; p += dof) {
          for (let c = 0; c < dof; c++) {
            const v = j[src + p + c]!;
            check += v - v;
            jv[dst + p + c] = v * scale[s0 + c]!;
          }
        }
      }
      if (check !== 0) finite[b] = 0;
    }
    if (++i === I) {
      i = 0;
      a++;
    }
  }
}
