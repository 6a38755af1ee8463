/**
 * Numbers in g2o text, apart from reading them (the scanner in g2o-scan.ts
 * reads them, correctly rounded): printing, and naming the non-finite ones
 * in messages.
 */

/** Whether a token that is not a number reads as a NaN or an infinity (`nan`, `-inf`, `Infinity`, `-nan(ind)`, `1.#INF`, ...). */
export function looksNonFinite(token: string): boolean {
  const t = token.replace(/^[+-]/, '').toLowerCase();
  return t.startsWith('nan') || t.startsWith('inf') || t.startsWith('1.#in') || t.startsWith('1.#qnan');
}

/**
 * The shortest decimal that reads back as the same double (ECMAScript's
 * Number::toString guarantees it), with the sign of −0 kept.
 */
export function formatNumber(x: number): string {
  return x === 0 && 1 / x < 0 ? '-0' : String(x);
}
