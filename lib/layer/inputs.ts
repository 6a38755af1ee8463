/**
 * The differentiable layer's inputs, keyed by name (DESIGN.md §3): every
 * auxiliary input of the objective (measurements and targets, weights W,
 * loss radii as log δ) and every variable (its initial values). An input is
 * given as the numbers it stores; a Lie-group input is used as its group
 * normalises it (a quaternion of any norm ≥ 1e-8 as σ s/‖s‖, σ the sign
 * that keeps w ≥ 0; an SE2 angle wrapped), and its gradient includes that
 * map, so the gradient is with respect to the numbers given.
 */
import { checkFiniteArray, checkTypedArray, rangeError } from '../base/check.js';
import type { Auxiliary } from '../core/auxiliary.js';
import type { CostTerm } from '../core/cost-term.js';
import type { Objective } from '../core/objective.js';
import type { Variable } from '../core/variable.js';

/** Below this norm a quaternion input has no direction. */
export const MIN_QUATERNION_NORM = 1e-8;

/** One named input of the layer. */
export type InputSlot =
  | { kind: 'variable'; name: string; variable: Variable }
  | {
      kind: 'measurement' | 'weight' | 'log-radius';
      name: string;
      aux: Auxiliary;
      term: CostTerm;
    };

/** The objective's inputs by name, in the objective's order (variables, then each term's measurements, weight and loss). */
export function inputSlots(objective: Objective): Map<string, InputSlot> {
  const slots = new Map<string, InputSlot>();
  for (const variable of objective.variables) slots.set(variable.name, { kind: 'variable', name: variable.name, variable });
  for (const term of objective.terms) {
    for (const aux of term.auxiliary) slots.set(aux.name, { kind: 'measurement', name: aux.name, aux, term });
    if (term.weight) slots.set(term.weight.aux.name, { kind: 'weight', name: term.weight.aux.name, aux: term.weight.aux, term });
    if (term.loss) slots.set(term.loss.radius.name, { kind: 'log-radius', name: term.loss.radius.name, aux: term.loss.radius, term });
  }
  return slots;
}

/** What the layer feeds the objective for an input given as `raw`: normalised storage, or δ = exp(log δ) for a loss radius. */
export function objectiveValues(slot: InputSlot, raw: Float64Array): Float64Array {
  if (slot.kind === 'log-radius') return raw.map(Math.exp);
  const group = slot.kind === 'variable' ? slot.variable.group : slot.aux.group;
  return group === undefined ? raw : group.normalize(raw);
}

/** The slot named `name`, or a RangeError listing the names there are. */
export function findSlot(fn: string, arg: string, slots: Map<string, InputSlot>, name: string): InputSlot {
  const slot = slots.get(name);
  if (slot === undefined) {
    const names = [...slots.keys()].map((n) => `'${n}'`).join(', ');
    throw rangeError(fn, arg, `the name of an input of the objective (${names})`, `'${name}'`);
  }
  return slot;
}

/**
 * Checks one input as given (type, length, finite values, quaternions of
 * norm ≥ 1e-8, W's diagonal > 0) and returns a copy of it; throws naming
 * `inputs['<name>']`.
 */
export function checkInput(fn: string, slot: InputSlot, value: unknown): Float64Array {
  const arg = `inputs['${slot.name}']`;
  const { length, note } = inputShape(slot);
  const raw = checkTypedArray(fn, arg, value, Float64Array, length, note).slice();
  checkFiniteArray(raw, fn, arg);
  const group = slot.kind === 'variable' ? slot.variable.group : slot.kind === 'measurement' ? slot.aux.group : undefined;
  if (group !== undefined && (group.name === 'SO3' || group.name === 'SE3')) {
    // SO3 and SE3 store a quaternion in their last four numbers.
    const st = group.storage;
    for (let e = 0; e < raw.length / st; e++) {
      const q = raw.subarray((e + 1) * st - 4, (e + 1) * st);
      const norm = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!);
      if (norm < MIN_QUATERNION_NORM) throw rangeError(fn, arg, `quaternions of norm ≥ ${MIN_QUATERNION_NORM}`, `norm ${norm} at element ${e}`);
    }
  }
  if (slot.kind === 'weight') slot.aux.validate(raw, fn, arg);
  if (slot.kind === 'log-radius') {
    for (let i = 0; i < raw.length; i++) {
      const radius = Math.exp(raw[i]!);
      if (!(radius > 0 && Number.isFinite(radius))) throw rangeError(fn, arg, 'log radii whose exp is a finite number > 0', `${raw[i]} at index ${i}`);
    }
  }
  return raw;
}

/** The numbers an input stores (those it replaces), and their layout for messages: [batch × count × storage] or [batch × instances × k]. */
export function inputShape(slot: InputSlot): { length: number; note: string } {
  if (slot.kind === 'variable') {
    const { batch, count, group } = slot.variable;
    return { length: batch * count * group.storage, note: `batch ${batch} × count ${count} × storage ${group.storage}` };
  }
  const { batch, instances, k } = slot.aux;
  return { length: batch * instances * k, note: `batch ${batch} × instances ${instances} × ${k}` };
}

/** Sets the objective's input to `raw` (as given: normalised or exponentiated here). */
export function setInput(slot: InputSlot, raw: Float64Array): void {
  const values = objectiveValues(slot, raw);
  if (slot.kind === 'variable') slot.variable.setValues(values);
  else slot.aux.setValues(values);
}

/** The objective's current value of an input, as the layer takes it (log δ for a loss radius). */
export function currentInput(slot: InputSlot): Float64Array {
  if (slot.kind === 'variable') return slot.variable.values;
  return slot.kind === 'log-radius' ? slot.aux.values.map(Math.log) : slot.aux.values;
}
