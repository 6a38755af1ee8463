/**
 * The first pass of the g2o reader: one loop over the characters of the text
 * that splits it into lines and tokens and reads every token after a line's
 * tag as a number. Nothing is interpreted here (tags, field counts and ids
 * are the second pass's business, per line, in g2o.ts).
 *
 * Lines are separated by LF (a CR before it is whitespace); `#` starts a
 * comment that runs to the end of the line; tokens are separated by spaces,
 * tabs, CR, VT and FF. A leading UTF-8 byte-order mark is skipped.
 *
 * Numbers have the syntax of C's strtod without hex, inf and nan,
 *   [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
 * and are read by `Number()`, whose result is the correctly rounded double
 * (so a double printed by `String()` reads back bit for bit). `Number()`
 * also accepts more than that syntax: surrounding Unicode white space,
 * `Infinity`, and 0x/0o/0b integers; a token is therefore a number only when
 * it starts with a sign, a digit or a point, ends with a digit or a point,
 * and is not 0x…, 0o… or 0b… (then `Number()` is NaN exactly for the tokens
 * the syntax rejects, and ±Infinity for an overflowing exponent).
 *
 * Speed. A cold parse (the usual case: a process reads one file) runs most
 * of this loop in V8's interpreter before its optimised code arrives, so the
 * loop does little per character: one table lookup classifies it, and each
 * number is converted by one call to the engine's native conversion rather
 * than digit by digit in JavaScript. Measured cold on city10000.g2o
 * (1.75 MB) on a busy 2-core machine, this loop took 70-100 ms where a
 * digit-by-digit reader (Clinger's fast path written in JavaScript) took
 * 125-170 ms; once optimised, both take 10-30 ms.
 */

/** How a field token reads. */
export const INTEGER = 0; // [+-]?digits
export const DECIMAL = 1; // any other number
export const NOT_A_NUMBER = 2;

// Character classes, for every UTF-16 code unit (a table lookup needs no range check).
const TOKEN = 0;
const BLANK = 1; // space, tab, CR, VT, FF
const NEWLINE = 2; // LF
const HASH = 3;
const CLASS = new Uint8Array(65536);
for (const c of [32, 9, 13, 11, 12]) CLASS[c] = BLANK;
CLASS[10] = NEWLINE;
CLASS[35] = HASH;

const ZERO = 48;
const NINE = 57;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;

/** The lines that have tokens, with their fields read as numbers. */
export interface ScannedText {
  /** Lines with at least one token. */
  lines: number;
  /** Per such line: its 1-based line number, the offset where it starts, its tag's [start, end), its first field's index into `values`, its field count. */
  lineNumber: Int32Array;
  lineStart: Int32Array;
  tagStart: Int32Array;
  tagEnd: Int32Array;
  firstField: Int32Array;
  fieldCount: Int32Array;
  /** Per field: the number (NaN when it is not one, ±Infinity when it overflows) and how it reads (INTEGER, DECIMAL, NOT_A_NUMBER). */
  values: Float64Array;
  syntax: Uint8Array;
  /** The number of the text's last line (0 for an empty text). */
  lastLine: number;
}

function grownInt32(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Splits the text into lines and tokens, reading the fields (tokens after the first of a line) as numbers. */
export function scanText(text: string): ScannedText {
  const n = text.length;
  // Small initial capacities: the growth code then runs early, while the
  // loop is still interpreted, and the optimised loop has its type feedback.
  let lineCapacity = 16;
  let lineNumber: Int32Array = new Int32Array(lineCapacity);
  let lineStart: Int32Array = new Int32Array(lineCapacity);
  let tagStart: Int32Array = new Int32Array(lineCapacity);
  let tagEnd: Int32Array = new Int32Array(lineCapacity);
  let firstField: Int32Array = new Int32Array(lineCapacity);
  let fieldCount: Int32Array = new Int32Array(lineCapacity);
  let fieldCapacity = 64;
  let values: Float64Array = new Float64Array(fieldCapacity);
  let syntax: Uint8Array = new Uint8Array(fieldCapacity);
  let lines = 0;
  let fields = 0;

  let line = 1;
  let i = n > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let start = i;
  let record = -1; // the current line's record, −1 before its first token
  while (i < n) {
    const k = CLASS[text.charCodeAt(i)]!;
    if (k === BLANK) {
      i++;
      continue;
    }
    if (k === NEWLINE) {
      line++;
      start = ++i;
      record = -1;
      continue;
    }
    if (k === HASH) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol;
      continue;
    }
    const s = i;
    if (record < 0) {
      // The tag: up to the next blank, newline or '#'.
      while (++i < n && CLASS[text.charCodeAt(i)] === TOKEN);
      if (lines === lineCapacity) {
        lineCapacity *= 2;
        lineNumber = grownInt32(lineNumber);
        lineStart = grownInt32(lineStart);
        tagStart = grownInt32(tagStart);
        tagEnd = grownInt32(tagEnd);
        firstField = grownInt32(firstField);
        fieldCount = grownInt32(fieldCount);
      }
      record = lines++;
      lineNumber[record] = line;
      lineStart[record] = start;
      tagStart[record] = s;
      tagEnd[record] = i;
      firstField[record] = fields;
      fieldCount[record] = 0;
      continue;
    }

    // A field: find its end, noting whether it is all digits (after a sign).
    let integer = true;
    let c: number;
    while (++i < n && CLASS[(c = text.charCodeAt(i))] === TOKEN) {
      if (c < ZERO || c > NINE) integer = false;
    }
    const first = text.charCodeAt(s);
    const last = text.charCodeAt(i - 1);
    let value = NaN;
    let form = NOT_A_NUMBER;
    if (
      ((first >= ZERO && first <= NINE) || first === MINUS || first === PLUS || first === DOT) &&
      ((last >= ZERO && last <= NINE) || last === DOT) &&
      !(first === ZERO && isRadixLetter(text.charCodeAt(s + 1) | 32))
    ) {
      value = Number(text.slice(s, i));
      if (value === value) form = integer && first !== DOT ? INTEGER : DECIMAL;
    }
    if (fields === fieldCapacity) {
      fieldCapacity *= 2;
      const v = new Float64Array(fieldCapacity);
      v.set(values);
      values = v;
      const f = new Uint8Array(fieldCapacity);
      f.set(syntax);
      syntax = f;
    }
    values[fields] = value;
    syntax[fields] = form;
    fields++;
    fieldCount[record]!++;
  }
  const lastLine = n === 0 ? 0 : text.charCodeAt(n - 1) === 10 ? line - 1 : line;
  return { lines, lineNumber, lineStart, tagStart, tagEnd, firstField, fieldCount, values, syntax, lastLine };
}

/** The raw text of field f (0-based, after the tag) of the line starting at `start`, for messages. */
export function fieldText(text: string, start: number, f: number): string {
  const n = text.length;
  let i = start;
  let token = -1; // the tag is token −1
  for (;;) {
    let k = NEWLINE;
    while (i < n && (k = classOf(text.charCodeAt(i))) === BLANK) i++;
    if (i >= n || k === NEWLINE || k === HASH) return '';
    const s = i;
    while (i < n && (k = classOf(text.charCodeAt(i))) !== BLANK && k !== NEWLINE && k !== HASH) i++;
    if (token === f) return text.slice(s, i);
    token++;
  }
}

function classOf(c: number): number {
  return CLASS[c]!;
}

/** b, o, x (lower case): the radix prefixes `Number()` reads after a 0. */
function isRadixLetter(c: number): boolean {
  return c === 98 || c === 111 || c === 120;
}

/**
 * The number one token reads as (NaN when it is not one): what the scanner
 * makes of a field, for tests and for callers with a single token.
 */
export function readNumber(token: string): number {
  for (let i = 0; i < token.length; i++) {
    const k = classOf(token.charCodeAt(i));
    if (k === BLANK || k === NEWLINE || k === HASH) return NaN;
  }
  const scanned = scanText(`X ${token}`);
  return scanned.fieldCount[0] === 1 ? scanned.values[0]! : NaN;
}
