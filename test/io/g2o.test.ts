/**
 * parseG2o / formatG2o on small inline texts: what the reader accepts
 * (comments, CRLF, a BOM, tabs, unknown tags), vertex order, FIX lines, the
 * storage conventions (θ wrapped, unit quaternions with qw ≥ 0), the
 * breadth-first poses of files without VERTEX lines (checked against poses
 * composed by hand), and the number scanner's exactness.
 */
import { G2oFormatError, formatG2o, parseG2o } from '../../lib/io/g2o.js';
import { formatNumber } from '../../lib/io/g2o-number.js';
import { INTEGER, DECIMAL, NOT_A_NUMBER, readNumber, scanText } from '../../lib/io/g2o-scan.js';
import { SeededRandom } from '../../lib/base/random.js';
import { pose, se2Compose, se2Inverse, se3Compose, se3Inverse, type Pose } from './pose-graph-cost.js';

const lines = (...l: string[]) => l.join('\n') + '\n';
const INFO3 = '1 0 0 1 0 1';
const INFO6 = '1 0 0 0 0 0 1 0 0 0 0 1 0 0 0 1 0 0 1 0 1';

function expectClose(got: Pose, want: Pose, tolerance = 1e-12): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i]! - want[i]!) > tolerance) throw new Error(`pose ${JSON.stringify(got)} differs from ${JSON.stringify(want)} at ${i}`);
  }
}

describe('parseG2o: what it accepts', () => {
  test('comments, CRLF, a BOM, blank lines, tabs and repeated spaces', () => {
    const text =
      '\uFEFF# a pose graph\r\n\r\nVERTEX_SE2\t0  0 0\t\t0   # the origin\r\n  VERTEX_SE2 1 1.5 -2 0.25\r\n#\r\nEDGE_SE2 0 1 1.5 -2 0.25 ' +
      INFO3 +
      '#no space before the comment\r\n';
    const g = parseG2o(text, { strict: true });
    expect(g.kind).toBe('se2');
    expect(Array.from(g.ids)).toEqual([0, 1]);
    expect(Array.from(g.poses)).toEqual([0, 0, 0, 1.5, -2, 0.25]);
    expect(Array.from(g.from)).toEqual([0]);
    expect(Array.from(g.to)).toEqual([1]);
    expect(Array.from(g.measurements)).toEqual([1.5, -2, 0.25]);
    expect(Array.from(g.information)).toEqual([1, 0, 0, 1, 0, 1]);
    expect(Array.from(g.fixed)).toEqual([0]);
    expect(g.hasVertices).toBe(true);
    expect(g.skipped).toEqual({});
    expect(g.nonPositiveDefinite).toBe(0);
  });

  test('a file without a final newline, and one with only CR-LF ends', () => {
    expect(parseG2o('VERTEX_SE2 4 1 2 3').ids).toEqual(Int32Array.of(4));
    expect(parseG2o('VERTEX_SE2 4 1 2 3\r\n').ids).toEqual(Int32Array.of(4));
  });

  test('unknown tags are skipped and counted (not in strict mode)', () => {
    const g = parseG2o(
      lines(
        'VERTEX_SE2 0 0 0 0',
        'VERTEX_XY 5 1 2',
        'PARAMS_SE2OFFSET 0 0 0 0',
        'VERTEX_XY 6 1 2',
        'VERTEX_SE2 1 0 0 0',
        'EDGE_SE2_XY 0 5 1 1 1 0 1',
        '__proto__ 1',
      ),
    );
    expect(g.skipped).toEqual({ VERTEX_XY: 2, PARAMS_SE2OFFSET: 1, EDGE_SE2_XY: 1, ['__proto__']: 1 });
    expect(Object.getPrototypeOf(g.skipped)).toBe(Object.prototype);
    expect(Array.from(g.ids)).toEqual([0, 1]);
  });

  test('vertices are indexed by increasing id, wherever they appear; edges keep file order', () => {
    const g = parseG2o(
      lines(`EDGE_SE2 30 -4 1 0 0 ${INFO3}`, 'VERTEX_SE2 30 3 0 0', 'VERTEX_SE2 -4 -4 0 0', `EDGE_SE2 7 30 2 0 0 ${INFO3}`, 'VERTEX_SE2 7 7 0 0'),
    );
    expect(Array.from(g.ids)).toEqual([-4, 7, 30]);
    expect(Array.from(g.poses)).toEqual([-4, 0, 0, 7, 0, 0, 3, 0, 0]);
    expect(Array.from(g.from)).toEqual([2, 1]);
    expect(Array.from(g.to)).toEqual([0, 2]);
    expect(Array.from(g.measurements)).toEqual([1, 0, 0, 2, 0, 0]);
    // No FIX line: the lowest id is fixed.
    expect(Array.from(g.fixed)).toEqual([0]);
  });

  test('sparse ids (a Map rather than a table) work the same', () => {
    const g = parseG2o(lines('VERTEX_SE2 1000000000 0 0 0', 'VERTEX_SE2 -1000000000 1 0 0', `EDGE_SE2 1000000000 -1000000000 1 0 0 ${INFO3}`));
    expect(Array.from(g.ids)).toEqual([-1000000000, 1000000000]);
    expect(Array.from(g.from)).toEqual([1]);
    expect(Array.from(g.to)).toEqual([0]);
  });

  test('FIX lines: the union of their vertices, as increasing indices', () => {
    const g = parseG2o(lines('VERTEX_SE2 10 0 0 0', 'VERTEX_SE2 20 0 0 0', 'FIX 30 10', 'VERTEX_SE2 30 0 0 0', 'FIX 30'));
    expect(Array.from(g.fixed)).toEqual([0, 2]);
  });

  test('SE2 angles are wrapped to [-π, π) in vertices and edges', () => {
    const g = parseG2o(
      lines('VERTEX_SE2 0 0 0 3.5', `VERTEX_SE2 1 0 0 ${Math.PI}`, `VERTEX_SE2 2 0 0 ${-Math.PI}`, 'VERTEX_SE2 3 0 0 6.282233', `EDGE_SE2 0 1 0 0 -7 ${INFO3}`),
    );
    expect(g.poses[2]).toBeCloseTo(3.5 - 2 * Math.PI, 15);
    expect(g.poses[5]).toBe(-Math.PI);
    expect(g.poses[8]).toBe(-Math.PI);
    expect(g.poses[11]).toBeCloseTo(6.282233 - 2 * Math.PI, 15);
    expect(g.measurements[2]).toBeCloseTo(-7 + 2 * Math.PI, 15);
  });

  test('SE3 quaternions are made unit with qw ≥ 0; a unit one keeps its bits', () => {
    const g = parseG2o(
      lines(
        'VERTEX_SE3:QUAT 0 1 2 3 0 0 0 1.0005',
        'VERTEX_SE3:QUAT 1 0 0 0 0.5 0.5 0.5 -0.5',
        `EDGE_SE3:QUAT 0 1 1 0 0 0 0.6 0 0.8004 ${INFO6}`,
        'VERTEX_SE3:QUAT 2 0 0 0 0.2 0.3 0.4 0.8426149773176358',
      ),
    );
    expect(g.kind).toBe('se3');
    expect(Array.from(g.poses.subarray(0, 7))).toEqual([1, 2, 3, 0, 0, 0, 1]);
    expect(Array.from(g.poses.subarray(7, 14))).toEqual([0, 0, 0, -0.5, -0.5, -0.5, 0.5]);
    expect(Math.hypot(...g.measurements.subarray(3))).toBeCloseTo(1, 15);
    expect(g.measurements[4]! / g.measurements[6]!).toBeCloseTo(0.6 / 0.8004, 14);
    // 0.2² + 0.3² + 0.4² + 0.8426149773176358² is within 1e-14 of 1: kept as written.
    expect(Array.from(g.poses.subarray(17, 21))).toEqual([0.2, 0.3, 0.4, 0.8426149773176358]);
    // A quaternion far from unit (7 decimals, as in the files) is normalised.
    const h = parseG2o('VERTEX_SE3:QUAT 0 0 0 0 0.3171845 -0.2366641 0.1427899 0.9071908\n');
    expect(Math.hypot(...h.poses.subarray(3))).toBeCloseTo(1, 15);
    expect(h.poses[3]! / 0.3171845).toBeCloseTo(h.poses[6]! / 0.9071908, 15);
  });

  test('EXPECTED FAILURE - a quaternion whose norm is not 1 up to rounding (|‖q‖ − 1| > 1e-3) is refused, naming the line', () => {
    expect(() => parseG2o(lines('VERTEX_SE3:QUAT 0 0 0 0 0 0 0 1', 'VERTEX_SE3:QUAT 1 1 2 3 0 0 0 2'))).toThrow(
      '<string>:2: VERTEX_SE3:QUAT expects a unit quaternion (qx, qy, qz, qw; |‖q‖ − 1| ≤ 0.001, rounding is normalised away), got norm 2',
    );
    expect(() => parseG2o(lines('VERTEX_SE3:QUAT 0 0 0 0 0 0 0 1', 'VERTEX_SE3:QUAT 1 0 0 0 0 0 0 1', `EDGE_SE3:QUAT 0 1 1 0 0 0 0.6 0 0.7 ${INFO6}`))).toThrow(
      /<string>:3: EDGE_SE3:QUAT expects a unit quaternion .*got norm 0\.92/,
    );
  });

  test('non-positive-definite information matrices are counted', () => {
    const g = parseG2o(
      lines('VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 0 0 0', 'EDGE_SE2 0 1 0 0 0 1 2 0 1 0 1', 'EDGE_SE2 0 1 0 0 0 0 0 0 0 0 0', `EDGE_SE2 1 0 0 0 0 ${INFO3}`),
    );
    expect(g.nonPositiveDefinite).toBe(2);
    // ... and kept as written.
    expect(Array.from(g.information.subarray(0, 6))).toEqual([1, 2, 0, 1, 0, 1]);
  });
});

describe('parseG2o: files with edges but no VERTEX lines (breadth-first poses)', () => {
  test('SE2: forward and backward edges, file-order adjacency, an unreachable part at identity', () => {
    const z01: Pose = [1, 0.5, 0.3];
    const z21: Pose = [0.4, -0.2, 2.9]; // edge 2 → 1: vertex 2 is reached backwards from 1
    const z03: Pose = [2, 2, -1.2];
    const z23: Pose = [9, 9, 1]; // 3 is reached from 0 first (0 is dequeued before 2)
    const z56: Pose = [1, 1, 1]; // 5, 6 are not connected to 0
    const e = (a: number, b: number, z: Pose) => `EDGE_SE2 ${a} ${b} ${z.join(' ')} ${INFO3}`;
    const g = parseG2o(lines(e(2, 1, z21), e(0, 1, z01), e(2, 3, z23), e(0, 3, z03), e(5, 6, z56)));
    expect(g.hasVertices).toBe(false);
    expect(Array.from(g.ids)).toEqual([0, 1, 2, 3, 5, 6]);
    expect(Array.from(g.fixed)).toEqual([0]);
    const x1 = se2Compose([0, 0, 0], z01);
    const x3 = se2Compose([0, 0, 0], z03);
    const x2 = se2Compose(x1, se2Inverse(z21));
    expectClose(pose(g, 0), [0, 0, 0]);
    expectClose(pose(g, 1), x1);
    expectClose(pose(g, 2), x2);
    expectClose(pose(g, 3), x3);
    expectClose(pose(g, 4), [0, 0, 0]);
    expectClose(pose(g, 5), [0, 0, 0]);
    for (let i = 2; i < g.poses.length; i += 3) expect(g.poses[i]! >= -Math.PI && g.poses[i]! < Math.PI).toBe(true);
  });

  test('SE2: the FIX vertex is the root of the search', () => {
    const z: Pose = [1, 2, 0.5];
    const g = parseG2o(lines(`EDGE_SE2 0 1 ${z.join(' ')} ${INFO3}`, `EDGE_SE2 1 2 ${z.join(' ')} ${INFO3}`, 'FIX 2'));
    expect(Array.from(g.fixed)).toEqual([2]);
    expectClose(pose(g, 2), [0, 0, 0]);
    expectClose(pose(g, 1), se2Inverse(z));
    expectClose(pose(g, 0), se2Compose(se2Inverse(z), se2Inverse(z)));
  });

  test('SE3: composed as X_b = X_a·Z and X_a = X_b·Z⁻¹, unit quaternions with qw ≥ 0', () => {
    const n = (q: number[]) => q.map((c) => c / Math.hypot(...q));
    const z10: Pose = [1, 2, 3, ...n([0.1, 0.2, 0.3, 0.9])];
    const z12: Pose = [-1, 0.5, 0.25, ...n([0.7, -0.1, 0.2, 0.1])];
    const z32: Pose = [0.3, 0.3, -2, ...n([-0.2, 0.5, 0.5, -0.6])];
    const e = (a: number, b: number, z: Pose) => `EDGE_SE3:QUAT ${a} ${b} ${z.join(' ')} ${INFO6}`;
    const g = parseG2o(lines(e(1, 0, z10), e(1, 2, z12), e(3, 2, z32)));
    expect(g.kind).toBe('se3');
    const identity = [0, 0, 0, 0, 0, 0, 1];
    const x1 = se3Compose(identity, se3Inverse(pose(g, 0, g.measurements)));
    const x2 = se3Compose(x1, pose(g, 1, g.measurements));
    const x3 = se3Compose(x2, se3Inverse(pose(g, 2, g.measurements)));
    expectClose(pose(g, 0), identity);
    expectClose(pose(g, 1), x1);
    expectClose(pose(g, 2), x2);
    expectClose(pose(g, 3), x3);
    for (let i = 0; i < 4; i++) {
      const q = pose(g, i).slice(3);
      expect(Math.abs(Math.hypot(...q) - 1)).toBeLessThan(1e-15);
      expect(q[3]! >= 0).toBe(true);
    }
  });
});

describe('formatG2o', () => {
  test('the text: VERTEX lines, EDGE lines, then the FIX line', () => {
    const g = parseG2o(lines('VERTEX_SE2 1 0.1 0 0', 'VERTEX_SE2 0 0 0 0', `EDGE_SE2 1 0 1 0 0 ${INFO3}`, 'FIX 1'));
    expect(formatG2o(g)).toBe(lines('VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 0.1 0 0', 'EDGE_SE2 1 0 1 0 0 1 0 0 1 0 1', 'FIX 1'));
    expect(formatG2o(g, Float64Array.of(1, 2, 3, 1e-7, -0, 1e21))).toBe(
      lines('VERTEX_SE2 0 1 2 3', 'VERTEX_SE2 1 1e-7 -0 1e+21', 'EDGE_SE2 1 0 1 0 0 1 0 0 1 0 1', 'FIX 1'),
    );
  });

  test('−0 and extreme doubles survive a round trip bit for bit', () => {
    const values = [-0, 5e-324, -1.7976931348623157e308, 0.1 + 0.2, 1 / 3, 123456789.12345679, -2.2250738585072014e-308];
    const g = parseG2o(lines('VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 0 0 0', `EDGE_SE2 0 1 0 0 0 ${INFO3}`));
    const poses = Float64Array.of(values[0]!, values[1]!, -0, values[2]!, values[3]!, values[4]! - 1);
    const back = parseG2o(formatG2o({ ...g, information: Float64Array.from(values.slice(0, 6)) }, poses));
    expect(Object.is(back.poses[0], -0)).toBe(true);
    expect(Object.is(back.poses[2], -0)).toBe(true);
    expect(Array.from(back.poses)).toEqual(Array.from(poses));
    expect(Object.is(back.information[0], -0)).toBe(true);
    expect(Array.from(back.information)).toEqual(values.slice(0, 6));
  });
});

describe('the number scanner', () => {
  const exact = readNumber;

  test('agrees with Number() bit for bit on random doubles in many notations', () => {
    const rng = new SeededRandom(11);
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    const tokens: string[] = [];
    const doubles: number[] = [];
    for (let i = 0; i < 20000; i++) {
      let x: number;
      if (i % 3 === 0) {
        words[0] = rng.int(0, 0xffffffff);
        words[1] = rng.int(0, 0x7fefffff);
        x = bits[0]!;
      } else {
        x = (rng.uniform() - 0.5) * 10 ** rng.int(-12, 12);
      }
      doubles.push(x);
      tokens.push(String(x), x.toFixed(6), x.toPrecision(7), x.toPrecision(17), x.toExponential(15), x.toExponential(3).toUpperCase(), formatNumber(-x));
    }
    // Seven tokens a line, as fields after a tag.
    const lines: string[] = [];
    for (let i = 0; i < tokens.length; i += 7) lines.push(`T ${tokens.slice(i, i + 7).join(' ')}`);
    const scanned = scanText(lines.join('\n'));
    expect(scanned.lines).toBe(lines.length);
    for (let i = 0; i < tokens.length; i++) {
      const want = Number(tokens[i]);
      if (!Object.is(scanned.values[i], want)) throw new Error(`'${tokens[i]}' reads as ${scanned.values[i]}, Number gives ${want}`);
    }
    // formatNumber prints the shortest text that reads back as the same double.
    for (let i = 0; i < doubles.length; i++) expect(Object.is(scanned.values[7 * i + 6], -doubles[i]!)).toBe(true);
  });

  test('lines, tags and fields: line numbers, comments, CRLF, a BOM, the kind of each field', () => {
    const s = scanText('\uFEFFA 1 -2\r\n\n  # c\nB\t3.5e1 x+ 7 # t 8\nC#\n D 1.5.5 .5 -0 +4 1.');
    expect(s.lines).toBe(4);
    expect(Array.from(s.lineNumber.subarray(0, 4))).toEqual([1, 4, 5, 6]);
    expect(Array.from(s.fieldCount.subarray(0, 4))).toEqual([2, 3, 0, 5]);
    expect(Array.from(s.firstField.subarray(0, 4))).toEqual([0, 2, 5, 5]);
    const tag = (r: number) => '\uFEFFA 1 -2\r\n\n  # c\nB\t3.5e1 x+ 7 # t 8\nC#\n D 1.5.5 .5 -0 +4 1.'.slice(s.tagStart[r], s.tagEnd[r]);
    expect([0, 1, 2, 3].map(tag)).toEqual(['A', 'B', 'C', 'D']);
    expect(Array.from(s.values.subarray(0, 10))).toEqual([1, -2, 35, NaN, 7, NaN, 0.5, -0, 4, 1]);
    expect(Object.is(s.values[7], -0)).toBe(true);
    expect(Array.from(s.syntax.subarray(0, 10))).toEqual([INTEGER, INTEGER, DECIMAL, NOT_A_NUMBER, INTEGER, NOT_A_NUMBER, DECIMAL, INTEGER, INTEGER, DECIMAL]);
    expect(s.lastLine).toBe(6);
    expect(scanText('A\n').lastLine).toBe(1);
    expect(scanText('').lastLine).toBe(0);
  });

  test('the forms strtod reads, and the ones it does not', () => {
    expect(exact('1.')).toBe(1);
    expect(exact('.5')).toBe(0.5);
    expect(exact('+3')).toBe(3);
    expect(exact('-0.000')).toBe(-0);
    expect(Object.is(exact('-0.000'), -0)).toBe(true);
    expect(exact('1E5')).toBe(1e5);
    expect(exact('2e+3')).toBe(2000);
    // eslint-disable-next-line no-loss-of-precision -- the literal rounds as the parser must
    expect(exact('0.1234567890123456789')).toBe(0.1234567890123456789);
    expect(exact('00000000000000000000012.5')).toBe(12.5);
    expect(exact('1e-400')).toBe(0);
    expect(exact('1e400')).toBe(Infinity);
    expect(exact('0e999999999')).toBe(0);
    for (const bad of [
      '',
      '-',
      '.',
      '+.',
      'e5',
      '.e5',
      '1e',
      '1e+',
      '0x1',
      '0X1F',
      '0b1',
      '0o7',
      '1,5',
      '1.2.3',
      '--1',
      '1_0',
      'nan',
      'inf',
      'Infinity',
      '-Infinity',
      '1 ',
      '\u00a01',
      '1\u00a0',
      '1\ufeff',
      '½',
      '١',
    ])
      expect(exact(bad)).toBeNaN();
  });

  test('G2oFormatError is an Error with its code, line and file', () => {
    const e = new G2oFormatError('a.g2o', 3, 'something');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('a.g2o:3: something');
    expect([e.code, e.line, e.file, e.name]).toEqual(['ERR_G2O_FORMAT', 3, 'a.g2o', 'G2oFormatError']);
  });
});
