/**
 * Bad g2o files (G2oFormatError with the line and what was expected) and bad
 * calls (TypeError / RangeError in check.ts's message shape), each from a
 * small inline text.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { G2oFormatError, formatG2o, parseG2o, readG2o, writeG2o, type G2oGraph } from '../../lib/io/g2o.js';

const V2 = (id: number, rest = '0 0 0') => `VERTEX_SE2 ${id} ${rest}`;
const E2 = (a: number, b: number, rest = '1 0 0.5 1 0 0 1 0 1') => `EDGE_SE2 ${a} ${b} ${rest}`;
const V3 = (id: number, rest = '0 0 0 0 0 0 1') => `VERTEX_SE3:QUAT ${id} ${rest}`;
const I6 = '1 0 0 0 0 0 1 0 0 0 0 1 0 0 0 1 0 0 1 0 1';
const E3 = (a: number, b: number, rest = `1 0 0 0 0 0 1 ${I6}`) => `EDGE_SE3:QUAT ${a} ${b} ${rest}`;
const lines = (...l: string[]) => l.join('\n') + '\n';

interface BadFile {
  name: string;
  text: string;
  strict?: boolean;
  line: number;
  message: string; // the part after "<file>:<line>: "
}

const badFiles: BadFile[] = [
  {
    name: 'an EDGE_SE2 with 9 numbers',
    text: lines(V2(0), V2(1), 'EDGE_SE2 0 1 1 0 0 1 0 0 1'),
    line: 3,
    message: 'EDGE_SE2 expects 11 numbers after the tag, got 9',
  },
  { name: 'an EDGE_SE2 with 12 numbers', text: lines(V2(0), V2(1), E2(0, 1) + ' 7'), line: 3, message: 'EDGE_SE2 expects 11 numbers after the tag, got 12' },
  { name: 'a VERTEX_SE2 with 3 numbers', text: lines(V2(0, '0 0')), line: 1, message: 'VERTEX_SE2 expects 4 numbers after the tag, got 3' },
  {
    name: 'a VERTEX_SE3:QUAT with 7 numbers',
    text: lines(V3(0), V3(1, '0 0 0 0 0 1')),
    line: 2,
    message: 'VERTEX_SE3:QUAT expects 8 numbers after the tag, got 7',
  },
  {
    name: 'an EDGE_SE3:QUAT with 29 numbers',
    text: lines(V3(0), V3(1), E3(0, 1).replace(/ 1$/, '')),
    line: 3,
    message: 'EDGE_SE3:QUAT expects 30 numbers after the tag, got 29',
  },
  { name: 'a FIX without ids', text: lines(V2(0), 'FIX'), line: 2, message: 'FIX expects at least 1 vertex id after the tag, got 0' },
  { name: 'a word for a number', text: lines(V2(0, '0 abc 0')), line: 1, message: "VERTEX_SE2 expects a number for field 3 (y), got 'abc'" },
  {
    name: 'a number with two points',
    text: lines(V2(0), V2(1), E2(0, 1, '1 0 0 1.2.3 0 0 1 0 1')),
    line: 3,
    message: "EDGE_SE2 expects a number for field 6 (I11), got '1.2.3'",
  },
  { name: 'a hexadecimal number', text: lines(V2(0, '0x10 0 0')), line: 1, message: "VERTEX_SE2 expects a number for field 2 (x), got '0x10'" },
  { name: 'an exponent without digits', text: lines(V2(0, '1e 0 0')), line: 1, message: "VERTEX_SE2 expects a number for field 2 (x), got '1e'" },
  { name: 'a lone sign', text: lines(V2(0, '0 - 0')), line: 1, message: "VERTEX_SE2 expects a number for field 3 (y), got '-'" },
  {
    name: 'a fractional vertex id',
    text: lines(V2(0), 'VERTEX_SE2 1.5 0 0 0'),
    line: 2,
    message: "VERTEX_SE2 expects an integer vertex id for field 1 (id), got '1.5'",
  },
  {
    name: 'an edge id beyond int32',
    text: lines(V2(0), V2(1), E2(0, 3000000000)),
    line: 3,
    message: "EDGE_SE2 expects a vertex id in [-2147483648, 2147483647] for field 2 (b), got '3000000000'",
  },
  { name: 'a FIX id that is a word', text: lines(V2(0), 'FIX zero'), line: 2, message: "FIX expects an integer vertex id for field 1 (id), got 'zero'" },
  {
    name: 'a nan angle',
    text: lines(V2(0), V2(1), E2(0, 1, '1 0 nan 1 0 0 1 0 1')),
    line: 3,
    message: "EDGE_SE2 expects a finite number for field 5 (dθ), got 'nan'",
  },
  {
    name: 'a -nan information entry',
    text: lines(V2(0), V2(1), E2(0, 1, '1 0 0 1 -nan 0 1 0 1')),
    line: 3,
    message: "EDGE_SE2 expects a finite number for field 7 (I12), got '-nan'",
  },
  { name: 'an inf coordinate', text: lines(V2(0, 'inf 0 0')), line: 1, message: "VERTEX_SE2 expects a finite number for field 2 (x), got 'inf'" },
  {
    name: 'a -Infinity quaternion entry',
    text: lines(V3(0, '0 0 0 0 0 -Infinity 1')),
    line: 1,
    message: "VERTEX_SE3:QUAT expects a finite number for field 7 (qz), got '-Infinity'",
  },
  {
    name: 'a number that overflows to infinity',
    text: lines(V3(0), V3(1), E3(0, 1, `1 0 0 0 0 0 1 1e999 ${I6.slice(2)}`)),
    line: 3,
    message: "EDGE_SE3:QUAT expects a finite number for field 10 (I11), got '1e999'",
  },
  {
    name: 'an SE3 vertex in an SE2 file',
    text: lines(V2(0), V3(1)),
    line: 2,
    message: 'expected VERTEX_SE2, EDGE_SE2 or FIX (the file is SE2 since line 1), got VERTEX_SE3:QUAT: SE2 and SE3 tags cannot be mixed',
  },
  {
    name: 'an SE2 edge in an SE3 file',
    text: lines('# 3D', V3(0), V3(1), E2(0, 1)),
    line: 4,
    message: 'expected VERTEX_SE3:QUAT, EDGE_SE3:QUAT or FIX (the file is SE3 since line 2), got EDGE_SE2: SE3 and SE2 tags cannot be mixed',
  },
  {
    name: 'a duplicate vertex id',
    text: lines(V2(0), V2(1), V2(2), V2(1, '5 5 0')),
    line: 4,
    message: 'VERTEX_SE2 expects a new vertex id, got 1, already defined at line 2',
  },
  {
    name: 'a self-loop',
    text: lines(V2(0), V2(1), E2(0, 1), E2(1, 1)),
    line: 4,
    message: 'EDGE_SE2 expects two different vertex ids, got 1 and 1 (a self-loop)',
  },
  {
    name: 'an edge to a vertex without a VERTEX line',
    text: lines(V2(0), V2(1), E2(0, 1), E2(1, 7)),
    line: 4,
    message: 'EDGE_SE2 refers to vertex 7, which has no VERTEX_SE2 line',
  },
  {
    name: 'an SE3 edge from a missing vertex',
    text: lines(V3(0), V3(1), E3(5, 1)),
    line: 3,
    message: 'EDGE_SE3:QUAT refers to vertex 5, which has no VERTEX_SE3:QUAT line',
  },
  {
    name: 'a FIX id without a vertex',
    text: lines(V2(0), V2(1), 'FIX 0', E2(0, 1), 'FIX 1 4'),
    line: 5,
    message: 'FIX expects the id of a vertex of the graph, got 4, which has no VERTEX_SE2 line',
  },
  {
    name: 'a FIX id no edge mentions in a file without vertices',
    text: lines(E2(0, 1), 'FIX 2'),
    line: 2,
    message: 'FIX expects the id of a vertex of the graph, got 2, which no edge mentions (the file has no VERTEX lines)',
  },
  {
    name: 'an empty file',
    text: '',
    line: 1,
    message: 'expected at least one VERTEX_SE2, EDGE_SE2, VERTEX_SE3:QUAT or EDGE_SE3:QUAT line, got none (an empty file)',
  },
  {
    name: 'a file of comments and blank lines only',
    text: '# a comment\n\n   \t\n# another\n',
    line: 4,
    message: 'expected at least one VERTEX_SE2, EDGE_SE2, VERTEX_SE3:QUAT or EDGE_SE3:QUAT line, got none (an empty file)',
  },
  {
    name: 'a file with only a FIX line',
    text: 'FIX 0\r\n',
    line: 1,
    message: 'expected at least one VERTEX_SE2, EDGE_SE2, VERTEX_SE3:QUAT or EDGE_SE3:QUAT line, got none (an empty file)',
  },
  {
    name: 'a file of skipped unknown tags only',
    text: lines('VERTEX_XY 0 1 2', 'VERTEX_XY 1 1 2'),
    line: 2,
    message: 'expected at least one VERTEX_SE2, EDGE_SE2, VERTEX_SE3:QUAT or EDGE_SE3:QUAT line, got none (an empty file)',
  },
  {
    name: 'a zero quaternion in a vertex',
    text: lines(V3(0), V3(1, '1 2 3 0 0 0 0')),
    line: 2,
    message: 'VERTEX_SE3:QUAT expects a non-zero quaternion (qx, qy, qz, qw), got 0 0 0 0',
  },
  {
    name: 'a zero quaternion in an edge',
    text: lines(V3(0), V3(1), E3(0, 1, `1 0 0 0 -0 0 0.0 ${I6}`)),
    line: 3,
    message: 'EDGE_SE3:QUAT expects a non-zero quaternion (qx, qy, qz, qw), got 0 0 0 0',
  },
  {
    name: 'an unknown tag in strict mode',
    text: lines(V2(0), 'VERTEX_XY 1 2 3', V2(1)),
    strict: true,
    line: 2,
    message:
      "expected VERTEX_SE2, EDGE_SE2, VERTEX_SE3:QUAT, EDGE_SE3:QUAT or FIX, got the unknown tag 'VERTEX_XY' (strict mode; without it the line is skipped)",
  },
  {
    name: 'a lower-case tag in strict mode',
    text: lines('vertex_se2 0 0 0 0'),
    strict: true,
    line: 1,
    message:
      "expected VERTEX_SE2, EDGE_SE2, VERTEX_SE3:QUAT, EDGE_SE3:QUAT or FIX, got the unknown tag 'vertex_se2' (strict mode; without it the line is skipped)",
  },
  {
    name: 'an error after CRLF lines, a BOM and comments counts lines right',
    text: '\uFEFF# header\r\n' + V2(0) + '\r\n\r\n' + V2(1) + ' # trailing\r\n' + E2(0, 1, '1 0 x 1 0 0 1 0 1') + '\r\n',
    line: 5,
    message: "EDGE_SE2 expects a number for field 5 (dθ), got 'x'",
  },
];

function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('parseG2o on bad files', () => {
  for (const c of badFiles) {
    test(`EXPECTED FAILURE - ${c.name}`, () => {
      const error = thrownBy(() => parseG2o(c.text, { name: 'bad.g2o', strict: c.strict ?? false }));
      expect(error).toBeInstanceOf(G2oFormatError);
      const e = error as G2oFormatError;
      expect(e.message).toBe(`bad.g2o:${c.line}: ${c.message}`);
      expect(e.line).toBe(c.line);
      expect(e.file).toBe('bad.g2o');
      expect(e.code).toBe('ERR_G2O_FORMAT');
      expect(e.name).toBe('G2oFormatError');
      expect(e).toBeInstanceOf(Error);
    });
  }

  test("EXPECTED FAILURE - the file name defaults to '<string>'", () => {
    expect(() => parseG2o('')).toThrow(
      new G2oFormatError('<string>', 1, 'expected at least one VERTEX_SE2, EDGE_SE2, VERTEX_SE3:QUAT or EDGE_SE3:QUAT line, got none (an empty file)'),
    );
    expect(() => parseG2o('')).toThrow(/^<string>:1: expected at least one/);
  });

  test('EXPECTED FAILURE - readG2o names the file by the path it was given', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-g2o-'));
    try {
      const file = path.join(dir, 'M3500.g2o');
      fs.writeFileSync(file, lines(V2(0), V2(1), ...Array.from({ length: 14 }, () => E2(0, 1)), E2(0, 1, '1 0 0 1 0 0 1 0')));
      const e = thrownBy(() => readG2o(file)) as G2oFormatError;
      expect(e).toBeInstanceOf(G2oFormatError);
      expect(e.message).toBe(`${file}:17: EDGE_SE2 expects 11 numbers after the tag, got 10`);
      expect(e.file).toBe(file);
      expect(e.line).toBe(17);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('EXPECTED FAILURE - a missing file is the file system error', () => {
    expect(() => readG2o(path.join(os.tmpdir(), 'ariadne-no-such-file.g2o'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

// ---------------------------------------------------------------------------

const small = (): G2oGraph => parseG2o(lines(V2(0), V2(1, '1 0 0'), V2(2, '2 0 0'), E2(0, 1), E2(1, 2)));

interface BadCall {
  name: string;
  call: () => unknown;
  error: typeof TypeError | typeof RangeError;
  message: string;
}

const badCalls: BadCall[] = [
  { name: 'parseG2o of a number', call: () => parseG2o(42 as never), error: TypeError, message: "parseG2o: 'text' must be a string, got a number (42)" },
  {
    name: 'parseG2o of a Buffer',
    call: () => parseG2o(Buffer.from('VERTEX_SE2 0 0 0 0') as never),
    error: TypeError,
    message: "parseG2o: 'text' must be a string, got Uint8Array",
  },
  { name: 'parseG2o with null options', call: () => parseG2o('', null as never), error: TypeError, message: "parseG2o: 'options' must be an object, got null" },
  {
    name: 'parseG2o with a misspelt option',
    call: () => parseG2o('', { strcit: true } as never),
    error: RangeError,
    message: "parseG2o: 'options' must be an object with keys among 'strict', 'name', got 'strcit'",
  },
  {
    name: 'parseG2o with strict as a string',
    call: () => parseG2o('', { strict: 'yes' } as never),
    error: TypeError,
    message: "parseG2o: 'options.strict' must be a boolean, got a string",
  },
  {
    name: 'parseG2o with a numeric name',
    call: () => parseG2o('', { name: 5 } as never),
    error: TypeError,
    message: "parseG2o: 'options.name' must be a string, got a number (5)",
  },
  {
    name: 'parseG2o with an empty name',
    call: () => parseG2o('', { name: '' }),
    error: RangeError,
    message: "parseG2o: 'options.name' must be a non-empty string, got ''",
  },
  { name: 'readG2o of a number', call: () => readG2o(1 as never), error: TypeError, message: "readG2o: 'path' must be a string, got a number (1)" },
  { name: 'readG2o of an empty path', call: () => readG2o(''), error: RangeError, message: "readG2o: 'path' must be a non-empty string, got ''" },
  {
    name: 'readG2o with a name option',
    call: () => readG2o('x.g2o', { name: 'y' } as never),
    error: RangeError,
    message: "readG2o: 'options' must be an object with keys among 'strict', got 'name'",
  },
  {
    name: 'formatG2o of null',
    call: () => formatG2o(null as never),
    error: TypeError,
    message: "formatG2o: 'graph' must be a G2oGraph (from parseG2o or readG2o), got null",
  },
  {
    name: 'formatG2o of an unknown kind',
    call: () => formatG2o({ ...small(), kind: 'se4' as never }),
    error: RangeError,
    message: "formatG2o: 'graph.kind' must be 'se2' or 'se3', got 'se4'",
  },
  {
    name: 'formatG2o with ids in an Array',
    call: () => formatG2o({ ...small(), ids: [0, 1, 2] as never }),
    error: TypeError,
    message: "formatG2o: 'graph.ids' must be an Int32Array, got an Array",
  },
  {
    name: 'formatG2o with ids out of order',
    call: () => formatG2o({ ...small(), ids: Int32Array.of(0, 2, 1) }),
    error: RangeError,
    message: "formatG2o: 'graph.ids' must be strictly increasing, got 1 after 2 at index 2",
  },
  {
    name: 'formatG2o with poses of the wrong length',
    call: () => formatG2o(small(), new Float64Array(8)),
    error: RangeError,
    message: "formatG2o: 'poses' must be of length 9 (3 vertices × 3), got length 8",
  },
  {
    name: 'formatG2o with a NaN pose',
    call: () => formatG2o(small(), Float64Array.of(0, 0, 0, 1, 0, 0, 2, NaN, 0)),
    error: RangeError,
    message: "formatG2o: 'poses' must be finite, got NaN at vertex 2, index 1",
  },
  {
    name: 'formatG2o with an edge to a missing vertex',
    call: () => formatG2o({ ...small(), to: Int32Array.of(1, 3) }),
    error: RangeError,
    message: "formatG2o: 'graph.to[1]' must be a vertex index in [0, 3), got 3",
  },
  {
    name: 'formatG2o with a self-loop',
    call: () => formatG2o({ ...small(), to: Int32Array.of(0, 2) }),
    error: RangeError,
    message: "formatG2o: 'graph.to[0]' must be different from graph.from[0] (no self-loops), got 0",
  },
  {
    name: 'formatG2o with an infinite information entry',
    call: () => formatG2o({ ...small(), information: Float64Array.of(1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, -Infinity) }),
    error: RangeError,
    message: "formatG2o: 'graph.information' must be finite, got -Infinity at edge 1, index 5",
  },
  {
    name: 'formatG2o with a non-unit quaternion',
    call: () => formatG2o(parseG2o(lines(V3(0), V3(1), E3(0, 1))), Float64Array.of(0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2)),
    error: RangeError,
    message: "formatG2o: 'poses' must be made of unit quaternions (|‖q‖ − 1| ≤ 1e-6), got ‖q‖ = 2 at vertex 1",
  },
  {
    name: 'formatG2o with a fixed index out of range',
    call: () => formatG2o({ ...small(), fixed: Int32Array.of(-1) }),
    error: RangeError,
    message: "formatG2o: 'graph.fixed[0]' must be a vertex index in [0, 3), got -1",
  },
  { name: 'writeG2o to an empty path', call: () => writeG2o('', small()), error: RangeError, message: "writeG2o: 'path' must be a non-empty string, got ''" },
  {
    name: 'writeG2o of a bad graph writes nothing',
    call: () => writeG2o(path.join(os.tmpdir(), 'ariadne-never-written.g2o'), { ...small(), kind: 'se3' }),
    error: RangeError,
    message: "writeG2o: 'graph.poses' must be of length 21 (3 vertices × 7), got length 9",
  },
];

describe('bad calls', () => {
  for (const c of badCalls) {
    test(`BAD CALL - ${c.name}`, () => {
      const error = thrownBy(c.call);
      expect((error as Error).constructor.name).toBe(c.error.name);
      expect((error as Error).message).toBe(c.message);
    });
  }

  test('BAD CALL - writeG2o checks the graph before it creates the file', () => {
    expect(fs.existsSync(path.join(os.tmpdir(), 'ariadne-never-written.g2o'))).toBe(false);
  });
});
