/**
 * The Jacobian checker itself: it passes correct Jacobians, flags wrong,
 * missing and inconsistent ones, handles batches and broadcasting, and
 * rejects bad calls with the house message shape.
 */
import { SE3, SO3, Vector } from '../../lib/geometry/index.js';
import { checkJacobians, numericJacobian, type JacobianFunction, type ManifoldArgument } from '../../lib/testing/index.js';

const R3 = Vector(3);
const a = SE3.exp(new Float64Array([1, 2, 3, 0.1, 0.2, 0.3, -1, 0, 1, 0.3, -0.2, 0.1]));
const b = SE3.exp(new Float64Array([-1, 0, 1, 0.3, -0.2, 0.1, 0.5, 0.5, 0.5, -1, 0.5, 2]));
const compose: JacobianFunction = ([x, y], [Jx, Jy]) => SE3.compose(x!, y!, undefined, Jx, Jy);
const poses = (): ManifoldArgument[] => [
  { group: SE3, value: a },
  { group: SE3, value: b },
];

describe('checkJacobians', () => {
  test('passes the analytic Jacobians of a group verb, batched', () => {
    const result = checkJacobians(compose, poses(), SE3);
    expect(result.ok).toBe(true);
    expect(result.maxError).toBeLessThan(1e-9);
    expect(result.errors).toHaveLength(2);
    expect(result.analytic[0]).toHaveLength(2 * 36);
    expect(result.numeric[1]).toHaveLength(2 * 36);
    expect(result.report).toMatch(
      /^checkJacobians: ok \(tolerance 0\.000001, step 0\.00001, 2 elements\)\ninput 0 \(SE3\): max error .* ok\ninput 1 \(SE3\): max error .* ok$/,
    );
  });

  test('EXPECTED FAILURE - flags a deliberately wrong Jacobian (J_out_a transposed)', () => {
    const wrong: JacobianFunction = ([x, y], [Jx, Jy]) => {
      const out = SE3.compose(x!, y!, undefined, Jx, Jy);
      if (Jx !== undefined) {
        for (let k = 0; k < Jx.length / 36; k++) {
          for (let i = 0; i < 6; i++)
            for (let j = 0; j < i; j++) [Jx[36 * k + 6 * i + j], Jx[36 * k + 6 * j + i]] = [Jx[36 * k + 6 * j + i]!, Jx[36 * k + 6 * i + j]!];
        }
      }
      return out;
    };
    const result = checkJacobians(wrong, poses(), SE3);
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toBeGreaterThan(0.01);
    expect(result.errors[1]).toBeLessThan(1e-9);
    expect(result.report).toMatch(/^checkJacobians: FAILED/);
    expect(result.report).toMatch(/input 0 \(SE3\): max error .* FAILED\n/);
  });

  test('EXPECTED FAILURE - flags a single entry off by 1e-4', () => {
    const slightly: JacobianFunction = ([x, p], [Jx, Jp]) => {
      const out = SO3.act(x!, p!, undefined, Jx, Jp);
      if (Jp !== undefined) Jp[4] = Jp[4]! + 1e-4;
      return out;
    };
    const result = checkJacobians(
      slightly,
      [
        { group: SO3, value: SO3.exp(new Float64Array([0.5, 0.1, -0.4])) },
        { group: R3, value: new Float64Array([1, 2, 3]) },
      ],
      R3,
    );
    expect(result.ok).toBe(false);
    expect(result.errors[1]).toBeCloseTo(1e-4, 8);
    expect(result.report).toMatch(/input 1 \(Vector3\): max error 1\.00e-4 at element 0, row 1, column 1: .* FAILED/);
  });

  test('EXPECTED FAILURE - a Jacobian the function never writes is NaN, not silently zero', () => {
    const lazy: JacobianFunction = ([x, y]) => SE3.compose(x!, y!);
    const result = checkJacobians(lazy, poses(), SE3);
    expect(result.ok).toBe(false);
    expect(result.maxError).toBeNaN();
    expect(result.report).toMatch(/FAILED \(NaN: not written\?\)/);
  });

  test('EXPECTED FAILURE - a function that modifies its input', () => {
    const vandal: JacobianFunction = ([x], [J]) => {
      const out = R3.exp(x!, undefined, J);
      x![0] = x![0]! + 0; // no change in value: not flagged
      x![1] = 5;
      return out;
    };
    const result = checkJacobians(vandal, [{ group: R3, value: new Float64Array([1, 2, 3]) }], R3);
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(/f modified input 0/);
  });

  test('EXPECTED FAILURE - a value that changes when Jacobians are requested', () => {
    const twoFaced: JacobianFunction = ([x], [J]) => {
      const out = R3.exp(x!, undefined, J);
      if (J !== undefined) out[0] = out[0]! + 1e-3;
      return out;
    };
    const result = checkJacobians(twoFaced, [{ group: R3, value: new Float64Array([1, 2, 3]) }], R3);
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(/f's value changed when asked for Jacobians \(by 1\.00e-3\)/);
  });

  test('wrt limits the check to some inputs', () => {
    const calls: (boolean | undefined)[][] = [];
    const f: JacobianFunction = ([x, y], [Jx, Jy]) => {
      calls.push([Jx !== undefined, Jy !== undefined]);
      return SE3.between(x!, y!, undefined, Jx, Jy);
    };
    const result = checkJacobians(f, poses(), SE3, { wrt: [1] });
    expect(result.ok).toBe(true);
    expect(result.errors[0]).toBeNull();
    expect(result.analytic[0]).toBeUndefined();
    expect(typeof result.errors[1]).toBe('number');
    expect(calls).toContainEqual([false, true]);
    expect(calls).not.toContainEqual([true, true]);
  });

  test('a broadcast input is differentiated for every output element', () => {
    const one = SE3.exp(new Float64Array([0.2, 0.1, 0, 1, -1, 0.5]));
    const result = checkJacobians(
      compose,
      [
        { group: SE3, value: one },
        { group: SE3, value: b },
      ],
      SE3,
    );
    expect(result.ok).toBe(true);
    expect(result.analytic[0]).toHaveLength(72);
  });

  test('a looser or tighter tolerance changes the verdict, not the errors', () => {
    const slightly: JacobianFunction = ([x], [J]) => {
      const out = R3.exp(x!, undefined, J);
      if (J !== undefined) J[0] = 1 + 1e-5;
      return out;
    };
    const inputs = [{ group: R3, value: new Float64Array([1, 2, 3]) }];
    expect(checkJacobians(slightly, inputs, R3, { tolerance: 1e-4 }).ok).toBe(true);
    expect(checkJacobians(slightly, inputs, R3, { tolerance: 1e-6 }).ok).toBe(false);
  });
});

describe('numericJacobian', () => {
  test('of an element-wise square is diag(2x), for every element of a batch', () => {
    const x = new Float64Array([1, -2, 3, 0.5, 0, -1]);
    const J = numericJacobian(([v]) => v!.map((t) => t * t), [{ group: R3, value: x }], R3, 0);
    expect(J).toHaveLength(2 * 9);
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) expect(J[9 * k + 3 * i + j]).toBeCloseTo(i === j ? 2 * x[3 * k + i]! : 0, 9);
      }
    }
  });

  test('of SO3.inverse is −R', () => {
    const x = SO3.exp(new Float64Array([0.1, 0.2, 0.3]));
    const J = numericJacobian(([q]) => SO3.inverse(q!), [{ group: SO3, value: x }], SO3, 0);
    const R = SO3.toMatrix(x);
    J.forEach((v, i) => expect(v).toBeCloseTo(-R[i]!, 9));
  });

  test('with respect to the second of several inputs', () => {
    const p = new Float64Array([1, 2, 3]);
    const J = numericJacobian(
      ([x, q]) => SE3.act(x!, q!),
      [
        { group: SE3, value: a.slice(0, 7) },
        { group: R3, value: p },
      ],
      R3,
      1,
    );
    const R = SE3.toMatrix3x4(a.slice(0, 7));
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(J[3 * i + j]).toBeCloseTo(R[4 * i + j]!, 9);
  });
});

describe('bad calls', () => {
  const f: JacobianFunction = ([x], [J]) => R3.exp(x!, undefined, J);
  const ok = [{ group: R3, value: new Float64Array(3) }];
  const cases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    ['f is not a function', () => checkJacobians(1 as never, ok, R3), TypeError, /^checkJacobians: 'f' must be a function, got a number \(1\)$/],
    [
      'inputs is not an Array',
      () => checkJacobians(f, {} as never, R3),
      TypeError,
      /^checkJacobians: 'inputs' must be an Array of \{ group, value \}, got an object$/,
    ],
    ['no inputs', () => checkJacobians(f, [], R3), RangeError, /^checkJacobians: 'inputs' must be non-empty, got an empty Array$/],
    [
      'an input without a group',
      () => checkJacobians(f, [{ group: {} as never, value: new Float64Array(3) }], R3),
      TypeError,
      /^checkJacobians: 'inputs\[0\]\.group' must be a LieGroup \(SO2, SE2, SO3, SE3 or Vector\(n\)\), got an object$/,
    ],
    [
      'a misspelt input key',
      () => checkJacobians(f, [{ group: R3, values: new Float64Array(3) } as never], R3),
      RangeError,
      /^checkJacobians: 'inputs\[0\]' must be an object with keys among 'group', 'value', got 'values'$/,
    ],
    [
      'a non-unit quaternion input',
      () => checkJacobians(f, [{ group: SO3, value: new Float64Array([0, 0, 0, 2]) }], SO3),
      RangeError,
      /^checkJacobians: 'inputs\[0\]\.value' must hold unit quaternions .*, got norm 2 at element 0$/,
    ],
    [
      'an input of the wrong length',
      () => checkJacobians(f, [{ group: R3, value: new Float64Array(4) }], R3),
      RangeError,
      /^checkJacobians: 'inputs\[0\]\.value' must hold whole elements of 3 numbers, got length 4$/,
    ],
    ['output is not a group', () => checkJacobians(f, ok, 'SE3' as never), TypeError, /^checkJacobians: 'output' must be a LieGroup .*, got a string$/],
    ['a zero step', () => checkJacobians(f, ok, R3, { step: 0 }), RangeError, /^checkJacobians: 'options\.step' must be a positive finite number, got 0$/],
    [
      'a negative tolerance',
      () => checkJacobians(f, ok, R3, { tolerance: -1 }),
      RangeError,
      /^checkJacobians: 'options\.tolerance' must be a positive finite number, got -1$/,
    ],
    [
      'an unknown option',
      () => checkJacobians(f, ok, R3, { tol: 1 } as never),
      RangeError,
      /^checkJacobians: 'options' must be an object with keys among 'step', 'tolerance', 'wrt', got 'tol'$/,
    ],
    [
      'wrt out of range',
      () => checkJacobians(f, ok, R3, { wrt: [1] }),
      RangeError,
      /^checkJacobians: 'options\.wrt\[0\]' must be an integer in \[0, 0\], got 1$/,
    ],
    ['which out of range', () => numericJacobian(([x]) => x!, ok, R3, 2), RangeError, /^numericJacobian: 'which' must be an integer in \[0, 0\], got 2$/],
    [
      'f returns the wrong type',
      () => numericJacobian(() => [1, 2, 3] as never, ok, R3, 0),
      TypeError,
      /^numericJacobian: 'f' must return a Float64Array of whole Vector3 elements \(3 numbers each\), got an Array$/,
    ],
    [
      'an input with more elements than the output',
      () => numericJacobian(([x]) => x!.slice(0, 3), [{ group: R3, value: new Float64Array(6) }], R3, 0),
      RangeError,
      /^numericJacobian: 'inputs\[0\]\.value' must hold 1 element \(as many as f returns\), got 2 elements$/,
    ],
  ];
  test.each(cases)('BAD CALL - %s', (_, call, error, message) => {
    let thrown: unknown;
    try {
      call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(error);
    expect((thrown as Error).message).toMatch(message);
  });
});
