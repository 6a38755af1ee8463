/**
 * The maps between a variable's storage s and the optimiser's tangent
 * (its update frame, x ⊕ δ) that the layer's backward passes need, each as
 * central differences of the retraction, one tangent coordinate of every
 * element at once (an element's storage depends on its own increment only):
 * M = ∂s(x ⊕ δ)/∂δ and the cotangents pulled through a retraction.
 * A storage difference beyond π is an angle's wrap and is unwrapped.
 */
import { solveSymmetricPositive } from '../core/blocks.js';
import type { Program, State } from '../core/program.js';

/** Step of the central differences along the tangent. */
const TANGENT_STEP = 1e-5;

/** a − b for a stored number, an angle's wrap by 2π undone. */
function storageDifference(a: number, b: number): number {
  const diff = a - b;
  return Math.abs(diff) > Math.PI ? diff - 2 * Math.PI * Math.round(diff / (2 * Math.PI)) : diff;
}

/**
 * The cotangent of the optimiser's tangent (B·n, column order) from a
 * storage cotangent ū (by variable, B·count·storage): with `move` 'step',
 * ∂/∂d ūᵀ s(x ⊕ (δ + d)) at d = 0 (with δ = 0: ḡ = Mᵀū, the upstream
 * gradient pulled back to x); with 'point', ∂/∂a ūᵀ s((x ⊕ a) ⊕ δ) at
 * a = 0. `delta` B·n (undefined: zero).
 */
export function retractionCotangent(program: Program, x: State, delta: Float64Array | undefined, u: State, move: 'step' | 'point'): Float64Array {
  const { batch: B, n, columns, variables } = program;
  const out = new Float64Array(B * n);
  const moved = x.map((v) => new Float64Array(v.length));
  const sides = [x.map((v) => new Float64Array(v.length)), x.map((v) => new Float64Array(v.length))];
  const e = new Float64Array(B * n);
  const maxDof = Math.max(...variables.map((v) => v.group.dof));
  for (let c = 0; c < maxDof; c++) {
    [TANGENT_STEP, -TANGENT_STEP].forEach((h, side) => {
      unitIncrements(program, c, h, e);
      if (move === 'point') {
        program.retract(x, e, moved);
        program.retract(moved, delta ?? new Float64Array(B * n), sides[side]!);
      } else {
        if (delta !== undefined) for (let i = 0; i < e.length; i++) e[i]! += delta[i]!;
        program.retract(x, e, sides[side]!);
      }
    });
    variables.forEach((v, vi) => {
      if (c >= v.group.dof) return;
      const st = v.group.storage;
      const cols = columns[vi]!;
      const [plus, minus] = [sides[0]![vi]!, sides[1]![vi]!];
      const up = u[vi]!;
      for (let b = 0; b < B; b++) {
        for (let el = 0; el < v.count; el++) {
          if (cols[el]! < 0) continue;
          let sum = 0;
          for (let k = (b * v.count + el) * st, end = k + st; k < end; k++) sum += up[k]! * storageDifference(plus[k]!, minus[k]!);
          out[b * n + cols[el]! + c] = sum / (2 * TANGENT_STEP);
        }
      }
    });
  }
  return out;
}

/**
 * A storage cotangent ū with Mᵀū = t (t: B·n, column order), M = ∂s(x ⊕ δ)/∂δ
 * per element: ū = M (MᵀM)⁻¹ t, the one in M's range (any other differs by
 * what is normal to the group, which no increment moves along). Constant
 * elements get zero.
 */
export function storageCotangent(program: Program, x: State, t: Float64Array): State {
  const { batch: B, n, columns, variables } = program;
  const out = x.map((v) => new Float64Array(v.length));
  const plus = x.map((v) => new Float64Array(v.length));
  const minus = x.map((v) => new Float64Array(v.length));
  // M per variable: B·count·storage·dof, column c of element (b, el) at ((b·count + el)·storage + k)·dof + c.
  const m = variables.map((v) => new Float64Array(B * v.count * v.group.storage * v.group.dof));
  const e = new Float64Array(B * n);
  const maxDof = Math.max(...variables.map((v) => v.group.dof));
  for (let c = 0; c < maxDof; c++) {
    unitIncrements(program, c, TANGENT_STEP, e);
    program.retract(x, e, plus);
    unitIncrements(program, c, -TANGENT_STEP, e);
    program.retract(x, e, minus);
    variables.forEach((v, vi) => {
      const dof = v.group.dof;
      if (c >= dof) return;
      for (let k = 0; k < plus[vi]!.length; k++) m[vi]![k * dof + c] = storageDifference(plus[vi]![k]!, minus[vi]![k]!) / (2 * TANGENT_STEP);
    });
  }
  variables.forEach((v, vi) => {
    const { storage: st, dof } = v.group;
    const cols = columns[vi]!;
    const gram = new Float64Array(dof * dof);
    const z = new Float64Array(dof);
    for (let b = 0; b < B; b++) {
      for (let el = 0; el < v.count; el++) {
        if (cols[el]! < 0) continue;
        const mb = m[vi]!.subarray((b * v.count + el) * st * dof, (b * v.count + el + 1) * st * dof);
        gram.fill(0);
        for (let k = 0; k < st; k++) for (let p = 0; p < dof; p++) for (let q = 0; q < dof; q++) gram[p * dof + q]! += mb[k * dof + p]! * mb[k * dof + q]!;
        for (let p = 0; p < dof; p++) z[p] = t[b * n + cols[el]! + p]!;
        solveSymmetricPositive(gram, z, dof);
        const target = out[vi]!;
        for (let k = 0; k < st; k++) {
          let sum = 0;
          for (let p = 0; p < dof; p++) sum += mb[k * dof + p]! * z[p]!;
          target[(b * v.count + el) * st + k] = sum;
        }
      }
    }
  });
  return out;
}

/** e = h along tangent coordinate c of every non-constant element (of the variables with more than c coordinates), 0 elsewhere. */
function unitIncrements(program: Program, c: number, h: number, e: Float64Array): void {
  const { batch: B, n, columns, variables } = program;
  e.fill(0);
  variables.forEach((v, vi) => {
    if (c >= v.group.dof) return;
    for (const col of columns[vi]!) if (col >= 0) for (let b = 0; b < B; b++) e[b * n + col + c] = h;
  });
}

/**
 * ∂L/∂raw for a Lie-group input used as normalize(raw), from the storage
 * cotangent ū of the normalised values: ∂/∂raw ūᵀ normalize(raw), by
 * central differences per stored coordinate of every element at once.
 */
export function normalizationCotangent(normalize: (x: Float64Array) => Float64Array, raw: Float64Array, u: Float64Array, storage: number): Float64Array {
  const out = new Float64Array(raw.length);
  const moved = raw.slice();
  for (let c = 0; c < storage; c++) {
    const h = (k: number) => TANGENT_STEP * Math.max(1, Math.abs(raw[k]!));
    for (let k = c; k < raw.length; k += storage) moved[k] = raw[k]! + h(k);
    const plus = normalize(moved);
    for (let k = c; k < raw.length; k += storage) moved[k] = raw[k]! - h(k);
    const minus = normalize(moved);
    for (let k = c; k < raw.length; k += storage) moved[k] = raw[k]!;
    for (let el = 0; el < raw.length / storage; el++) {
      let sum = 0;
      for (let k = el * storage; k < (el + 1) * storage; k++) sum += u[k]! * storageDifference(plus[k]!, minus[k]!);
      out[el * storage + c] = sum / (2 * h(el * storage + c));
    }
  }
  return out;
}
