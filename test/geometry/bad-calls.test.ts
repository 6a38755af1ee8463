/**
 * Bad inputs to the groups: each case asserts the error class and the whole
 * message (the house shape "<function>: '<argument>' must ..., got ...").
 */
import { SeededRandom } from '../../lib/base/random.js';
import { SE2, SE3, SO2, SO3, Vector } from '../../lib/geometry/index.js';

interface BadCall {
  name: string;
  call: () => unknown;
  error: typeof TypeError | typeof RangeError;
  message: RegExp;
}

const se3 = (count: number): Float64Array => SE3.identity(count);
const so3 = (count: number): Float64Array => SO3.identity(count);

const badCalls: BadCall[] = [
  // Types
  {
    name: 'a Float32Array',
    call: () => SE3.compose(new Float32Array(7) as never, se3(1)),
    error: TypeError,
    message: /^SE3\.compose: 'a' must be a Float64Array, got Float32Array$/,
  },
  { name: 'a plain Array', call: () => SO3.log([0, 0, 0, 1] as never), error: TypeError, message: /^SO3\.log: 'x' must be a Float64Array, got an Array$/ },
  {
    name: 'undefined points',
    call: () => SE2.act(SE2.identity(), undefined as never),
    error: TypeError,
    message: /^SE2\.act: 'points' must be a Float64Array, got undefined$/,
  },
  {
    name: 'out of the wrong type',
    call: () => SO2.exp(new Float64Array(2), [0, 0] as never),
    error: TypeError,
    message: /^SO2\.exp: 'out' must be a Float64Array, got an Array$/,
  },
  {
    name: 'a Jacobian of the wrong type',
    call: () => SE3.log(se3(1), undefined, new Float32Array(36) as never),
    error: TypeError,
    message: /^SE3\.log: 'J_out_x' must be a Float64Array, got Float32Array$/,
  },
  // Lengths and counts
  {
    name: "mismatched counts (the brief's example)",
    call: () => SE3.compose(se3(5), new Float64Array(12)),
    error: RangeError,
    message: /^SE3\.compose: 'b' must hold 1 or 5 elements of 7 numbers, got length 12$/,
  },
  {
    name: 'mismatched whole counts',
    call: () => SO3.between(so3(2), so3(3)),
    error: RangeError,
    message: /^SO3\.between: 'b' must hold 1 or 2 elements of 4 numbers, got length 12$/,
  },
  {
    name: 'a length that is not a multiple of the storage',
    call: () => SE3.inverse(new Float64Array(8)),
    error: RangeError,
    message: /^SE3\.inverse: 'x' must hold whole elements of 7 numbers, got length 8$/,
  },
  {
    name: 'a tangent of the wrong size',
    call: () => SE2.exp(new Float64Array(4)),
    error: RangeError,
    message: /^SE2\.exp: 'tangent' must hold whole elements of 3 numbers, got length 4$/,
  },
  {
    name: 'points of the wrong size',
    call: () => SO3.act(so3(2), new Float64Array(4)),
    error: RangeError,
    message: /^SO3\.act: 'points' must hold 1 or 2 elements of 3 numbers \(points\), got length 4$/,
  },
  {
    name: 'a delta for another count',
    call: () => SE2.retract(SE2.identity(3), new Float64Array(6)),
    error: RangeError,
    message: /^SE2\.retract: 'delta' must hold 1 or 3 elements of 3 numbers, got length 6$/,
  },
  {
    name: 'Vector counts',
    call: () => Vector(3).local(new Float64Array(6), new Float64Array(9)),
    error: RangeError,
    message: /^Vector3\.local: 'y' must hold 1 or 2 elements of 3 numbers, got length 9$/,
  },
  {
    name: 'out of the wrong length',
    call: () => SE3.compose(se3(2), se3(1), new Float64Array(7)),
    error: RangeError,
    message: /^SE3\.compose: 'out' must be of length 14 \(2 elements of 7 numbers\), got length 7$/,
  },
  {
    name: 'a Jacobian of the wrong length',
    call: () => SE3.compose(se3(2), se3(1), undefined, new Float64Array(36)),
    error: RangeError,
    message: /^SE3\.compose: 'J_out_a' must be of length 72 \(2 elements of 6×6\), got length 36$/,
  },
  {
    name: 'an act Jacobian of the wrong length',
    call: () => SE3.act(se3(1), new Float64Array(3), undefined, new Float64Array(9)),
    error: RangeError,
    message: /^SE3\.act: 'J_out_x' must be of length 18 \(1 element of 3×6\), got length 9$/,
  },
  {
    name: 'an adjoint output of the wrong length',
    call: () => SO3.adjoint(so3(2), new Float64Array(9)),
    error: RangeError,
    message: /^SO3\.adjoint: 'out' must be of length 18 \(2 elements of 3×3\), got length 9$/,
  },
  // Values
  {
    name: 'NaN',
    call: () => SE2.exp(new Float64Array([1, NaN, 0])),
    error: RangeError,
    message: /^SE2\.exp: 'tangent' must be finite, got NaN at batch element 0, index 1$/,
  },
  {
    name: 'Infinity in a later element',
    call: () => SO2.compose(new Float64Array([0, 1, Infinity]), new Float64Array([1])),
    error: RangeError,
    message: /^SO2\.compose: 'a' must be finite, got Infinity at batch element 2, index 0$/,
  },
  {
    name: 'NaN in a quaternion',
    call: () => SE3.log(new Float64Array([0, 0, 0, 0, 0, 0, NaN])),
    error: RangeError,
    message: /^SE3\.log: 'x' must be finite, got NaN at batch element 0, index 6$/,
  },
  {
    name: 'a non-unit quaternion',
    call: () => SO3.log(new Float64Array([0, 0, 0, 1, 0, 0, 0, 2])),
    error: RangeError,
    message: /^SO3\.log: 'x' must hold unit quaternions \(\|‖q‖ − 1\| ≤ 1e-6\), got norm 2 at element 1$/,
  },
  {
    name: 'a quaternion just beyond the tolerance',
    call: () => SE3.compose(se3(1), new Float64Array([0, 0, 0, 0, 0, 0, 1 + 2e-6])),
    error: RangeError,
    message: /^SE3\.compose: 'b' must hold unit quaternions \(\|‖q‖ − 1\| ≤ 1e-6\), got norm 1\.000002 at element 0$/,
  },
  {
    name: 'a zero quaternion',
    call: () => SO3.act(new Float64Array(4), new Float64Array(3)),
    error: RangeError,
    message: /^SO3\.act: 'x' must hold unit quaternions \(\|‖q‖ − 1\| ≤ 1e-6\), got norm 0 at element 0$/,
  },
  {
    name: 'normalize of a zero quaternion',
    call: () => SE3.normalize(new Float64Array(7)),
    error: RangeError,
    message: /^SE3\.normalize: 'x' must hold non-zero quaternions of finite norm, got norm 0 at element 0$/,
  },
  {
    name: 'validate names the caller',
    call: () => SE3.validate(new Float64Array([0, 0, 0, 0, 0, 0, 3]), 'PriorCost', 'measurement'),
    error: RangeError,
    message: /^PriorCost: 'measurement' must hold unit quaternions \(\|‖q‖ − 1\| ≤ 1e-6\), got norm 3 at element 0$/,
  },
  {
    name: 'validate of a wrong type',
    call: () => SO2.validate('x' as never, 'f', 'x'),
    error: TypeError,
    message: /^f: 'x' must be a Float64Array, got a string$/,
  },
  // Conversions
  {
    name: 'a matrix that is not a rotation',
    call: () => SO3.fromMatrix(new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 2, 0, 0, 0, 1, 0, 0, 0, 1])),
    error: RangeError,
    message: /^SO3\.fromMatrix: 'R' must hold rotation matrices \(RᵀR = I and det R = 1 within 1e-6\), got a deviation of 3\.00 at element 1$/,
  },
  {
    name: 'a reflection',
    call: () => SO3.fromMatrix(new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, -1])),
    error: RangeError,
    message: /^SO3\.fromMatrix: 'R' must hold rotation matrices .*, got a deviation of 2\.00 at element 0$/,
  },
  {
    name: 'a 2×2 reflection',
    call: () => SO2.fromMatrix(new Float64Array([0, 1, 1, 0])),
    error: RangeError,
    message: /^SO2\.fromMatrix: 'R' must hold rotation matrices .*, got a deviation of 2\.00 at element 0$/,
  },
  {
    name: 'a 3×3 homogeneous matrix with a bad last row',
    call: () => SE2.fromMatrix3x3(new Float64Array([1, 0, 0, 0, 1, 0, 0, 0.5, 1])),
    error: RangeError,
    message: /^SE2\.fromMatrix3x3: 'M' must hold homogeneous transforms \(last row \[0, 0, 1\] within 1e-6\), got \[0, 0\.5, 1\] at element 0$/,
  },
  {
    name: 'a 4×4 homogeneous matrix with a bad last row',
    call: () => SE3.fromMatrix4x4(new Float64Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2])),
    error: RangeError,
    message: /^SE3\.fromMatrix4x4: 'M' must hold homogeneous transforms \(last row \[0, 0, 0, 1\] within 1e-6\), got \[0, 0, 0, 2\] at element 0$/,
  },
  {
    name: 'a 3×4 matrix of the wrong length',
    call: () => SE3.fromMatrix3x4(new Float64Array(16)),
    error: RangeError,
    message: /^SE3\.fromMatrix3x4: 'M' must hold whole elements of 12 numbers \(3×4\), got length 16$/,
  },
  {
    name: 'a non-unit quaternion to fromQuaternion',
    call: () => SO3.fromQuaternion(new Float64Array([0, 0, 0, 1.1])),
    error: RangeError,
    message: /^SO3\.fromQuaternion: 'q' must hold unit quaternions .*, got norm 1\.1 at element 0$/,
  },
  {
    name: 'a non-unit rotation to fromRotationTranslation',
    call: () => SE3.fromRotationTranslation(new Float64Array([0, 0, 0, 0.5]), new Float64Array(3)),
    error: RangeError,
    message: /^SE3\.fromRotationTranslation: 'rotation' must hold unit quaternions .*, got norm 0\.5 at element 0$/,
  },
  {
    name: 'a NaN rotation vector',
    call: () => SO3.fromAngleAxis(new Float64Array([0, NaN, 0])),
    error: RangeError,
    message: /^SO3\.fromAngleAxis: 'rotationVector' must be finite, got NaN at batch element 0, index 1$/,
  },
  // Counts, random, Vector(n)
  {
    name: 'a negative count',
    call: () => SO3.identity(-1),
    error: RangeError,
    message: /^SO3\.identity: 'count' must be an integer in \[0, 1073741824\], got -1$/,
  },
  {
    name: 'a count as a string',
    call: () => SE2.identity('2' as never),
    error: TypeError,
    message: /^SE2\.identity: 'count' must be an integer, got a string$/,
  },
  {
    name: 'random without a SeededRandom',
    call: () => SE3.random(2, Math as never),
    error: TypeError,
    message: /^SE3\.random: 'random' must be a SeededRandom, got an object$/,
  },
  {
    name: 'a fractional random count',
    call: () => SO2.random(1.5, new SeededRandom(1)),
    error: RangeError,
    message: /^SO2\.random: 'count' must be an integer in \[0, 1073741824\], got 1\.5$/,
  },
  { name: 'Vector(0)', call: () => Vector(0), error: RangeError, message: /^Vector: 'n' must be an integer in \[1, 65536\], got 0$/ },
  { name: 'Vector(2.5)', call: () => Vector(2.5), error: RangeError, message: /^Vector: 'n' must be an integer in \[1, 65536\], got 2\.5$/ },
  { name: 'Vector of a string', call: () => Vector('3' as never), error: TypeError, message: /^Vector: 'n' must be an integer, got a string$/ },
];

describe('bad calls', () => {
  test.each(badCalls.map((c) => [c.name, c] as const))('BAD CALL - %s', (_, c) => {
    let thrown: unknown;
    try {
      c.call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(c.error);
    expect((thrown as Error).message).toMatch(c.message);
  });
});

describe('what is not an error', () => {
  test('a quaternion within 1e-6 of unit norm is accepted', () => {
    expect(() => SO3.log(new Float64Array([0, 0, 0, 1 + 9e-7]))).not.toThrow();
    expect(() => SO3.log(new Float64Array([0, 0, 0, 1 - 9e-7]))).not.toThrow();
  });

  test('angles outside [-π, π) are valid SO2/SE2 inputs', () => {
    expect(SO2.compose(new Float64Array([10]), new Float64Array([0]))[0]).toBeCloseTo(10 - 4 * Math.PI, 14);
  });

  test('inputs are never modified', () => {
    const a = SE3.exp(new Float64Array([1, 2, 3, 0.1, 0.2, 0.3]));
    const b = new Float64Array([1, 2, 3, 0, 0, -0.6, -0.8]); // qw < 0: valid, not canonical
    const [a0, b0] = [a.slice(), b.slice()];
    SE3.compose(a, b, undefined, new Float64Array(36), new Float64Array(36));
    SE3.local(a, b, undefined, new Float64Array(36), new Float64Array(36));
    SE3.normalize(b);
    expect(a).toEqual(a0);
    expect(b).toEqual(b0);
  });

  test('Vector(n) is one shared object per n', () => {
    expect(Vector(3)).toBe(Vector(3));
    expect(Vector(7).name).toBe('Vector7');
  });
});
