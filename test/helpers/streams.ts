/**
 * What the test generators (problems.ts, graphs.ts) draw from a problem's
 * seeded stream: the first numbers decide which structural features the
 * problem gets.
 */
import type { SeededRandom } from '../../lib/base/random.js';

/** One flag per name, each true with probability 1/2 (one uniform each, in order), then `override`. */
export function drawFlags<K extends string>(random: SeededRandom, names: readonly K[], override: Partial<Record<K, boolean>> = {}): Record<K, boolean> {
  const drawn = Object.fromEntries(names.map((name) => [name, random.uniform() < 0.5])) as Record<K, boolean>;
  return { ...drawn, ...override };
}

/** Puts `items` in a uniformly random order (Fisher-Yates), in place. */
export function shuffle<T>(items: T[], random: SeededRandom): void {
  for (let k = items.length - 1; k > 0; k--) {
    const j = random.int(0, k);
    [items[k], items[j]] = [items[j]!, items[k]!];
  }
}
