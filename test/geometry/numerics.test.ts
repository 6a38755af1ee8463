/* eslint-disable no-loss-of-precision -- the references carry more digits than a double, on purpose */
/**
 * Accuracy where the closed forms are 0/0 or cancel: the rotation
 * coefficients against 50-digit references (mpmath) on both sides of every
 * series switch point, and the verbs exactly at and near θ = 0 and θ = π.
 */
import fc from 'fast-check';

import { SE2, SE3, SO2, SO3 } from '../../lib/geometry/index.js';
import { coefAlpha, coefB, coefC, coefE, coefF, coefK, wrapAngle } from '../../lib/geometry/lie-group.js';

// θ, k = sin(θ/2)/θ, b = (θ − sin θ)/θ³, c = (1 − (θ/2)cot(θ/2))/θ², α = (θ/2)cot(θ/2),
// e = (θ²/2 + cos θ − 1)/θ⁴, f = (2θ − 3 sin θ + θ cos θ)/(2θ⁵); references from mpmath at 50 digits,
// evaluated at the double θ (Math.PI is the double nearest π).
const references: number[][] = [
  [1e-8, 0.49999999999999999792, 0.16666666666666666583, 0.083333333333333333472, 0.99999999999999999167, 0.041666666666666666402, 0.0083333333333333332065],
  [1e-4, 0.49999999979166666669, 0.16666666658333333335, 0.083333333347222222226, 0.99999999916666666653, 0.04166666665277777778, 0.0083333333293650793659],
  [0.00999, 0.49999792083384376407, 0.1666658350011428663, 0.083333471944912701217, 0.99999168331116655052, 0.041666528055663691689, 0.008333293730201389285],
  [0.01001, 0.49999791250053126408, 0.16666583166782540597, 0.083333472500470902288, 0.99999164997772210557, 0.041666527500110120259, 0.0083332935714718919299],
  [0.3, 0.49812710824533073846, 0.16591827180223795912, 0.083458601794527613311, 0.99248872583849251536, 0.041541867358767857085, 0.0082976859389054684658],
  [
    0.39999999, 0.49667332715365398781, 0.16533840149349648672, 0.08355640550518665058, 0.98663097578762136976, 0.041445078248746334737,
    0.0082700525032784087952,
  ],
  [
    0.40000001, 0.49667332682165208463, 0.16533840136117564679, 0.083556405527579206334, 0.98663097444713607328, 0.041445078226650758576,
    0.0082700524969714075657,
  ],
  [
    0.49999999, 0.49480791871608001011, 0.16459569124872241818, 0.083682635340004099055, 0.97907934200182531983, 0.041320990259728854068,
    0.0082346421251648211512,
  ],
  [
    0.50000001, 0.49480791830201170303, 0.16459569108402957538, 0.083682635368115691229, 0.97907934032114471094, 0.041320990232198061307,
    0.008234642117310610375,
  ],
  [0.7, 0.48985401065064478584, 0.16263064945279576239, 0.084021927185052769336, 0.95882925567932414825, 0.040992033671338718352, 0.0081408620993298547313],
  [
    0.99999999, 0.47942553901054557698, 0.15852901535099700787, 0.084756139114622183467, 0.91524386258050059887, 0.040302305894941800216,
    0.0079446757298368675572,
  ],
  [
    1.00000001, 0.47942553819786042422, 0.15852901503320997915, 0.084756139172925897261, 0.91524385913195132111, 0.040302305841337634635,
    0.007944675714613329901,
  ],
  [2, 0.42073549240394825333, 0.13633782164678978808, 0.089476846016417324248, 0.64209261593433070301, 0.036490822715803600813, 0.0068720944754479709346],
  [
    Math.PI - 1e-8,
    0.31830988719700251346,
    0.10132118396485311777,
    0.10132118349159374427,
    7.8539816574256721526e-9,
    0.030128627372894468581,
    0.0051329911436809859072,
  ],
  [
    Math.PI,
    0.31830988618379068395,
    0.10132118364233777539,
    0.1013211836423377696,
    9.6183534686089491441e-17,
    0.030128627311800216092,
    0.0051329911273421677947,
  ],
];

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('rotation coefficients against 50-digit references', () => {
  // The bounds of lie-group.ts's error analysis, with a little margin: f cancels worst (600ε/θ⁴) near its switch at θ = 1.
  const bounds = { k: 5e-16, b: 5e-15, c: 8e-15, alpha: 5e-16, e: 1e-14, f: 6e-14 };
  test.each(references.map((r) => [r[0]!, r] as const))('θ = %p', (theta, r) => {
    for (const sign of [1, -1]) {
      const t = sign * theta;
      const sh = Math.sin(t / 2);
      const ch = Math.cos(t / 2);
      expect(relative(coefK(t, sh), r[1]!)).toBeLessThanOrEqual(bounds.k);
      expect(relative(coefB(t, sh, ch), r[2]!)).toBeLessThanOrEqual(bounds.b);
      expect(relative(coefC(t, sh, ch), r[3]!)).toBeLessThanOrEqual(bounds.c);
      expect(relative(coefAlpha(t, sh, ch), r[4]!)).toBeLessThanOrEqual(bounds.alpha);
      expect(relative(coefE(t, sh), r[5]!)).toBeLessThanOrEqual(bounds.e);
      expect(relative(coefF(t, sh, ch), r[6]!)).toBeLessThanOrEqual(bounds.f);
    }
  });

  test('at θ = 0 every coefficient is its limit, with no NaN', () => {
    expect([coefK(0, 0), coefB(0, 0, 1), coefC(0, 0, 1), coefAlpha(0, 0, 1), coefE(0, 0), coefF(0, 0, 1)]).toEqual([0.5, 1 / 6, 1 / 12, 1, 1 / 24, 1 / 120]);
  });
});

describe('wrapAngle', () => {
  test('wraps to [-π, π), keeping in-range angles bit for bit', () => {
    expect(wrapAngle(Math.PI)).toBe(-Math.PI);
    expect(wrapAngle(-Math.PI)).toBe(-Math.PI);
    expect(wrapAngle(3 * Math.PI)).toBe(-Math.PI);
    expect(wrapAngle(Math.PI - 1e-8)).toBe(Math.PI - 1e-8);
    expect(wrapAngle(0.1)).toBe(0.1);
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (theta) => {
        const w = wrapAngle(theta);
        expect(w).toBeGreaterThanOrEqual(-Math.PI);
        expect(w).toBeLessThan(Math.PI);
        expect(Math.abs(Math.sin(w) - Math.sin(theta)) + Math.abs(Math.cos(w) - Math.cos(theta))).toBeLessThanOrEqual(1e-9);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});

describe('exactly at the identity', () => {
  test.each([
    ['SO2', SO2],
    ['SE2', SE2],
    ['SO3', SO3],
    ['SE3', SE3],
  ] as const)('%s: exp(0) is the identity and both Jacobians are I exactly', (_, G) => {
    const d = G.dof;
    const J1 = new Float64Array(d * d);
    const J2 = new Float64Array(d * d);
    const x = G.exp(new Float64Array(d), undefined, J1);
    expect(x).toEqual(G.identity());
    expect(G.log(x, undefined, J2)).toEqual(new Float64Array(d));
    const I = new Float64Array(d * d);
    for (let i = 0; i < d; i++) I[i * (d + 1)] = 1;
    // −0 and 0 alike (x + 0 turns −0 into 0).
    expect(J1.map((v) => v + 0)).toEqual(I);
    expect(J2.map((v) => v + 0)).toEqual(I);
  });
});

describe('near the identity (1e-8): no lost accuracy', () => {
  test('SO3: Exp and Log are accurate to rounding', () => {
    const omega = new Float64Array([3e-9, -4e-9, 1.2e-8]); // θ = 1.3e-8
    const q = SO3.exp(omega);
    expect(relative(q[0]!, 1.5e-9)).toBeLessThanOrEqual(2e-16);
    expect(relative(q[2]!, 6e-9)).toBeLessThanOrEqual(2e-16);
    const back = SO3.log(q);
    omega.forEach((w, i) => expect(relative(back[i]!, w)).toBeLessThanOrEqual(4e-16));
  });

  test('SE3: Log∘Exp keeps every digit of a 1e-8 tangent', () => {
    const tau = new Float64Array([1e-8, -2e-8, 3e-8, 4e-9, -5e-9, 6e-9]);
    const back = SE3.log(SE3.exp(tau));
    tau.forEach((t, i) => expect(relative(back[i]!, t)).toBeLessThanOrEqual(1e-15));
  });

  test('SE2: Log∘Exp keeps every digit of a 1e-8 tangent', () => {
    const tau = new Float64Array([1e-8, -2e-8, 3e-9]);
    const back = SE2.log(SE2.exp(tau));
    tau.forEach((t, i) => expect(relative(back[i]!, t)).toBeLessThanOrEqual(1e-15));
  });

  test('SO3: between of two nearby rotations gives their 1e-10 difference to 1e-6 relative', () => {
    // The difference of two unit quaternions loses log10(1/1e-10) digits to rounding of the inputs, no more.
    const a = SO3.exp(new Float64Array([0.3, -0.2, 0.1]));
    const delta = new Float64Array([1e-10, 2e-10, -1e-10]);
    const b = SO3.retract(a, delta);
    const back = SO3.local(a, b);
    delta.forEach((d, i) => expect(relative(back[i]!, d)).toBeLessThanOrEqual(1e-5));
  });
});

describe('at θ = π: exact, finite Jacobians', () => {
  test('SO2 at π and −π: Log wraps to −π', () => {
    expect(SO2.log(new Float64Array([Math.PI, -Math.PI]))).toEqual(new Float64Array([-Math.PI, -Math.PI]));
    expect(SO2.exp(new Float64Array([Math.PI]))).toEqual(new Float64Array([-Math.PI]));
    expect(SO2.inverse(new Float64Array([-Math.PI]))).toEqual(new Float64Array([-Math.PI]));
  });

  test('SO3: Log of the half turn about x is (π, 0, 0), and Jr⁻¹ there is [[1,0,0],[0,0,−π/2],[0,π/2,0]]', () => {
    const J = new Float64Array(9);
    const tau = SO3.log(new Float64Array([1, 0, 0, 0]), undefined, J);
    expect(tau).toEqual(new Float64Array([Math.PI, 0, 0]));
    // α = (θ/2)cot(θ/2) = 0 and c = 1/π² exactly at π: Jr⁻¹ = ½[ω]× + ωωᵀ/π².
    const expected = [1, 0, 0, 0, 0, -Math.PI / 2, 0, Math.PI / 2, 0];
    J.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(1e-15));
  });

  test('SO3 at π − 1e-8: the angle is recovered to rounding', () => {
    const theta = Math.PI - 1e-8;
    const u = [2 / 7, 3 / 7, 6 / 7];
    const tau = SO3.log(SO3.exp(Float64Array.from(u, (v) => v * theta)));
    expect(relative(Math.hypot(...tau), theta)).toBeLessThanOrEqual(4e-16);
  });

  test('SE3: Log of a half turn with a translation, and its Jacobians, are finite and invert Exp', () => {
    const x = new Float64Array([1, 2, 3, 0, 0, 1, 0]);
    const J = new Float64Array(36);
    const tau = SE3.log(x, undefined, J);
    expect(J.every(Number.isFinite)).toBe(true);
    expect(Math.abs(tau[5]! - Math.PI)).toBeLessThanOrEqual(1e-15);
    const y = SE3.exp(tau);
    // Same rotation (q or −q: at w = 0 both are canonical) and translation.
    expect(Math.abs(Math.abs(y[5]!) - 1)).toBeLessThanOrEqual(1e-15);
    [1, 2, 3].forEach((t, i) => expect(Math.abs(y[i]! - t)).toBeLessThanOrEqual(1e-14));
  });

  test('SE2 at θ = −π: V⁻¹ = [[0, −π/2], [π/2, 0]], so Log(t, π) = (−π/2·t₂ ... ) exactly', () => {
    const tau = SE2.log(new Float64Array([1, 2, Math.PI]));
    expect(tau[2]).toBe(-Math.PI);
    // α(π) = 0 to rounding (9.6e-17 at the double π): ρ = (θ/2)(t₂, −t₁) with θ = −π.
    expect(Math.abs(tau[0]! - -Math.PI)).toBeLessThanOrEqual(1e-15);
    expect(Math.abs(tau[1]! - Math.PI / 2)).toBeLessThanOrEqual(1e-15);
  });
});

describe('quaternion outputs stay unit with qw ≥ 0', () => {
  test('a chain of 10 000 compositions does not drift', () => {
    let x = SO3.identity();
    let y = SE3.identity();
    const step = SO3.exp(new Float64Array([0.3, 0.7, -1.1]));
    const stepSE3 = SE3.exp(new Float64Array([0.1, 0.2, 0.3, 0.3, 0.7, -1.1]));
    let minW = 1;
    for (let i = 0; i < 10000; i++) {
      x = SO3.compose(x, step);
      y = SE3.compose(y, stepSE3);
      minW = Math.min(minW, x[3]!, y[6]!);
    }
    expect(minW).toBeGreaterThanOrEqual(0);
    expect(Math.abs(Math.hypot(...x) - 1)).toBeLessThanOrEqual(2.3e-16);
    expect(Math.abs(Math.hypot(...y.subarray(3)) - 1)).toBeLessThanOrEqual(2.3e-16);
  });

  test('inputs within 1e-6 of unit norm are used as q/‖q‖, and outputs are unit', () => {
    const q = SO3.exp(new Float64Array([0.3, -0.2, 0.5]));
    const scaled = q.map((v) => v * (1 + 9e-7));
    const p = new Float64Array([1, 2, 3]);
    const a = SO3.act(q, p);
    const b = SO3.act(scaled, p);
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-15));
    const c = SO3.compose(scaled, scaled);
    expect(Math.abs(Math.hypot(...c) - 1)).toBeLessThanOrEqual(2.3e-16);
    const negated = SO3.compose(
      SO3.identity(),
      q.map((v) => -v),
    );
    expect(negated[3]).toBeGreaterThan(0);
  });

  test('Exp beyond π returns qw ≥ 0 (the same rotation)', () => {
    const q = SO3.exp(new Float64Array([0, 0, 1.5 * Math.PI]));
    expect(q[3]).toBeGreaterThanOrEqual(0);
    const tau = SO3.log(q);
    expect(Math.abs(tau[2]! - -0.5 * Math.PI)).toBeLessThanOrEqual(1e-15);
  });
});
