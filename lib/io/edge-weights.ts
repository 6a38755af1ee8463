/**
 * The square-root information of a pose graph's edges, factored once per
 * graph: the reader factors it to count the matrices that are not positive
 * definite (G2oGraph.nonPositiveDefinite), and poseGraphObjective takes the
 * same factor for the edges' weight instead of factoring again (the weight's
 * auxiliary input copies it, so it is never written).
 *
 * The factor is kept with the information array it came from (a WeakMap: it
 * goes when the array does) and with a copy of that array's numbers; it is
 * used only while the array still holds the same bits, so a graph whose
 * information is changed in place, or a graph built by hand, is factored
 * afresh, exactly as before.
 */
import { sqrtInformation } from '../core/information.js';

/** One factored information array. */
interface Factored {
  readonly d: number;
  /** The numbers it was factored from. */
  readonly information: Float64Array;
  /** R per edge, RᵀR = Ω (sqrtInformation's packing). */
  readonly sqrt: Float64Array;
  /** How many matrices were not positive definite. */
  readonly nonPositiveDefinite: number;
}

const factored = new WeakMap<object, Factored>();

/**
 * sqrtInformation(information, d) (same checks, same errors), computed once
 * while `information` is unchanged. The result is shared: not to be written.
 */
export function edgeSqrtInformation(information: Float64Array, d: number): { readonly sqrt: Float64Array; readonly nonPositiveDefinite: number } {
  // get(anything that is not an array it holds) is undefined; an empty array
  // (perhaps detached since) always goes to sqrtInformation's checks.
  const known = factored.get(information);
  if (known !== undefined && known.d === d && known.information.length > 0 && sameBits(known.information, information)) return known;
  const { sqrt, nonPositiveDefinite } = sqrtInformation(information, d);
  const entry: Factored = { d, information: information.slice(), sqrt, nonPositiveDefinite };
  factored.set(information, entry);
  return entry;
}

/** Whether two arrays hold the same numbers bit for bit (−0 and 0, NaN payloads told apart). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Int32Array(a.buffer, a.byteOffset, 2 * a.length);
  const y = new Int32Array(b.buffer, b.byteOffset, 2 * b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
