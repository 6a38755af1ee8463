/** Checks of the plot options shared by both pictures. */
import { rangeError, typeError } from '../base/check.js';

/** A size in px in [120, 16384]; `fallback` when undefined. */
export function checkSize(fn: string, arg: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw typeError(fn, arg, 'a number of pixels', value);
  if (!(value >= 120 && value <= 16384)) throw rangeError(fn, arg, 'in [120, 16384] px', `${value}`);
  return value;
}

/** An optional string (a title). */
export function checkText(fn: string, arg: string, value: unknown): string | undefined {
  if (value !== undefined && typeof value !== 'string') throw typeError(fn, arg, 'a string', value);
  return value;
}
