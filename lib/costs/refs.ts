import type { LieGroup } from '../geometry/lie-group.js';
import { Variable } from '../core/variable.js';
import { rangeError, typeError } from '../base/check.js';

/** The group of an ElementRef's variable (TypeError when it is not a ref; the term re-checks the indices). */
export function groupOf(fn: string, arg: string, ref: unknown): LieGroup {
  if (ref instanceof Variable) return ref.group;
  const variable = (ref as { variable?: unknown } | null)?.variable;
  if (typeof ref === 'object' && ref !== null && variable instanceof Variable) return variable.group;
  throw typeError(fn, arg, 'a Variable or { variable, indices }', ref);
}

/** The common group of refs 'a' and 'b' (RangeError naming 'b' when they differ). */
export function groupOfPair(fn: string, a: unknown, b: unknown): LieGroup {
  const group = groupOf(fn, 'options.a', a);
  const other = groupOf(fn, 'options.b', b);
  if (other !== group) throw rangeError(fn, 'options.b', `elements of ${group.name} (the group of 'a')`, `elements of ${other.name}`);
  return group;
}
