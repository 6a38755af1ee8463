/**
 * A term's inputs gathered into rows (row = b·I + i for batch element b and
 * instance i), as CostTerm.evaluate receives them, for the checkers.
 */
import { auxiliaryValues, type Auxiliary } from '../core/auxiliary.js';
import type { CostTerm } from '../core/cost-term.js';

/**
 * The B·I rows of `term`: each variable use's element from `values` (one
 * array per use, [1|B]·count·storage: a variable's values or an objective's
 * state), then each auxiliary input's row.
 */
export function termRows(term: CostTerm, batch: number, values: readonly Float64Array[]): Float64Array[] {
  const I = term.instances;
  const variables = term.variables.map(({ variable, indices }, k) => {
    const st = variable.group.storage;
    const x = values[k]!;
    const shared = x.length === variable.count * st; // batch 1
    const g = new Float64Array(batch * I * st);
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < I; i++) {
        const src = ((shared ? 0 : b) * variable.count + indices[indices.length === 1 ? 0 : i]!) * st;
        g.set(x.subarray(src, src + st), (b * I + i) * st);
      }
    }
    return g;
  });
  return [...variables, ...term.auxiliary.map((aux) => auxiliaryRows(aux, batch, I))];
}

/** The B·I rows of an auxiliary input of a term with I instances (k numbers each). */
export function auxiliaryRows(aux: Auxiliary, batch: number, I: number): Float64Array {
  const { k, values } = auxiliaryValues(aux);
  const g = new Float64Array(batch * I * k);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < I; i++) {
      const src = entryOf(aux, b, i) * k;
      g.set(values.subarray(src, src + k), (b * I + i) * k);
    }
  }
  return g;
}

/** The entry of `aux` that batch element b's instance i reads. */
export function entryOf(aux: Auxiliary, b: number, i: number): number {
  return (aux.batch === 1 ? 0 : b) * aux.instances + (aux.instances === 1 ? 0 : i);
}
