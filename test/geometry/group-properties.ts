/**
 * The shared property suite: registers the same describe/test blocks for any
 * group, at the identity, near it (1e-8), at π − 1e-8, at π (180°) and at
 * random points, for batches of 1 to 4 elements with and without one
 * argument broadcast. Inputs come from fast-check with fixed seeds.
 *
 * Every analytic Jacobian of every verb is checked with checkJacobians at
 * tolerance JACOBIAN_TOLERANCE (error |analytic − numeric| / max(1, |numeric|),
 * step 1e-5); the largest error seen per group, point and verb is recorded in
 * `jacobianErrors` (printed by groups.test.ts when ARIADNE_JACOBIAN_REPORT is set).
 */
import fc from 'fast-check';

import { SeededRandom } from '../../lib/base/random.js';
import { Vector, type LieGroup } from '../../lib/geometry/index.js';
import { checkJacobians, type ManifoldArgument } from '../../lib/testing/index.js';
import {
  FC_RANDOM,
  FC_SPECIAL,
  elementDistance,
  eye,
  expm,
  matAdd,
  matInv,
  matMul,
  maxAbs,
  points,
  randomPoint,
  scenarioArb,
  tangentSpace,
  type Fixture,
  type Raw,
  type Scenario,
} from './fixtures.js';

export const JACOBIAN_TOLERANCE = 1e-6;
/** Tolerance of value identities (matrix entries and tangents of size up to ~10). */
const TOL = 1e-11;

/** group → point → verb → largest Jacobian error seen. */
export const jacobianErrors = new Map<string, Map<string, Map<string, number>>>();

function record(group: string, point: string, verb: string, error: number): void {
  let byPoint = jacobianErrors.get(group);
  if (byPoint === undefined) jacobianErrors.set(group, (byPoint = new Map()));
  let byVerb = byPoint.get(point);
  if (byVerb === undefined) byPoint.set(point, (byVerb = new Map()));
  const previous = byVerb.get(verb) ?? 0;
  byVerb.set(verb, Number.isNaN(error) ? NaN : Math.max(previous, error));
}

type Call = (inputs: Float64Array[], out: Float64Array | undefined, jacobians: (Float64Array | undefined)[]) => Float64Array;

interface VerbCase {
  name: string;
  make(s: Scenario): { inputs: ManifoldArgument[]; call: Call; output: LieGroup };
}

function maxAbsArray(x: Float64Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

export function groupProperties(fx: Fixture): void {
  const G = fx.group;
  const tangentGroup = Vector(G.dof);
  const pointGroup = Vector(G.pointDim);
  const tangentOut = tangentSpace(fx);

  const elements = (raws: Raw[]): Float64Array => Float64Array.from(raws.flatMap((r) => fx.element(r)));
  const tangents = (raws: Raw[]): Float64Array => Float64Array.from(raws.flatMap((r) => fx.tangent(r)));
  const pointsOf = (s: Scenario): Float64Array => Float64Array.from(s.points.flatMap((p) => p.slice(0, G.pointDim)));
  /** Argument `slot` reduced to one element when the scenario broadcasts it. */
  const bc = (s: Scenario, slot: number, x: Float64Array, size: number): Float64Array => (s.broadcast === slot ? x.slice(0, size) : x);

  const verbCases: VerbCase[] = [
    {
      name: 'exp (tangent at the point)',
      make: (s) => ({
        inputs: [{ group: tangentGroup, value: tangents(s.special) }],
        call: ([t], out, [J]) => G.exp(t!, out, J),
        output: G,
      }),
    },
    {
      name: 'log (x at the point)',
      make: (s) => ({ inputs: [{ group: G, value: elements(s.special) }], call: ([x], out, [J]) => G.log(x!, out, J), output: tangentOut }),
    },
    {
      name: 'compose (a at the point)',
      make: (s) => ({
        inputs: [
          { group: G, value: bc(s, 0, elements(s.special), G.storage) },
          { group: G, value: bc(s, 1, elements(s.free), G.storage) },
        ],
        call: ([a, b], out, [Ja, Jb]) => G.compose(a!, b!, out, Ja, Jb),
        output: G,
      }),
    },
    {
      name: 'compose (b at the point)',
      make: (s) => ({
        inputs: [
          { group: G, value: bc(s, 0, elements(s.free), G.storage) },
          { group: G, value: bc(s, 1, elements(s.special), G.storage) },
        ],
        call: ([a, b], out, [Ja, Jb]) => G.compose(a!, b!, out, Ja, Jb),
        output: G,
      }),
    },
    {
      name: 'inverse (x at the point)',
      make: (s) => ({ inputs: [{ group: G, value: elements(s.special) }], call: ([x], out, [J]) => G.inverse(x!, out, J), output: G }),
    },
    {
      name: 'between (a⁻¹b at the point)',
      make: (s) => {
        const a = bc(s, 0, elements(s.free), G.storage);
        const b = bc(s, 1, G.compose(a, elements(s.special)), G.storage);
        return {
          inputs: [
            { group: G, value: a },
            { group: G, value: b },
          ],
          call: ([x, y], out, [Ja, Jb]) => G.between(x!, y!, out, Ja, Jb),
          output: G,
        };
      },
    },
    {
      name: 'between (a at the point)',
      make: (s) => ({
        inputs: [
          { group: G, value: bc(s, 0, elements(s.special), G.storage) },
          { group: G, value: bc(s, 1, elements(s.free), G.storage) },
        ],
        call: ([a, b], out, [Ja, Jb]) => G.between(a!, b!, out, Ja, Jb),
        output: G,
      }),
    },
    {
      name: 'act (x at the point)',
      make: (s) => ({
        inputs: [
          { group: G, value: bc(s, 0, elements(s.special), G.storage) },
          { group: pointGroup, value: bc(s, 1, pointsOf(s), G.pointDim) },
        ],
        call: ([x, p], out, [Jx, Jp]) => G.act(x!, p!, out, Jx, Jp),
        output: pointGroup,
      }),
    },
    {
      name: 'retract (δ at the point)',
      make: (s) => ({
        inputs: [
          { group: G, value: bc(s, 0, elements(s.free), G.storage) },
          { group: tangentGroup, value: bc(s, 1, tangents(s.special), G.dof) },
        ],
        call: ([x, d], out, [Jx, Jd]) => G.retract(x!, d!, out, Jx, Jd),
        output: G,
      }),
    },
    {
      name: 'retract (x at the point)',
      make: (s) => ({
        inputs: [
          { group: G, value: bc(s, 0, elements(s.special), G.storage) },
          { group: tangentGroup, value: bc(s, 1, tangents(s.free), G.dof) },
        ],
        call: ([x, d], out, [Jx, Jd]) => G.retract(x!, d!, out, Jx, Jd),
        output: G,
      }),
    },
    {
      name: 'local (x⁻¹y at the point)',
      make: (s) => {
        const x = bc(s, 0, elements(s.free), G.storage);
        const y = bc(s, 1, G.compose(x, elements(s.special)), G.storage);
        return {
          inputs: [
            { group: G, value: x },
            { group: G, value: y },
          ],
          call: ([a, b], out, [Ja, Jb]) => G.local(a!, b!, out, Ja, Jb),
          output: tangentOut,
        };
      },
    },
    {
      name: 'local (x at the point)',
      make: (s) => ({
        inputs: [
          { group: G, value: bc(s, 0, elements(s.special), G.storage) },
          { group: G, value: bc(s, 1, elements(s.free), G.storage) },
        ],
        call: ([a, b], out, [Ja, Jb]) => G.local(a!, b!, out, Ja, Jb),
        output: tangentOut,
      }),
    },
  ];

  describe(G.name, () => {
    for (const point of points) {
      describe(`at ${point.name}`, () => {
        const options = point === randomPoint ? FC_RANDOM : FC_SPECIAL;
        const arb = scenarioArb(point);
        const check = (body: (s: Scenario) => void): void => {
          fc.assert(
            fc.property(arb, (s) => {
              body(s);
            }),
            options,
          );
        };

        test('log∘exp = id (modulo the branch cut at π)', () =>
          check((s) => {
            const tau = tangents(s.special);
            expect(maxAbsArray(tangentOut.local(tau, G.log(G.exp(tau))))).toBeLessThanOrEqual(TOL);
          }));

        test('exp∘log = id', () =>
          check((s) => {
            const x = elements(s.special);
            expect(elementDistance(fx, G.exp(G.log(x)), x)).toBeLessThanOrEqual(TOL);
          }));

        test('exp is the matrix exponential of the hat map', () =>
          check((s) => {
            const tau = tangents(s.special);
            const x = G.exp(tau);
            for (let k = 0; k < s.count; k++) {
              const d = maxAbs(matAdd(fx.matrix(x, k * G.storage), expm(fx.hat(tau, k * G.dof)), -1));
              expect(d).toBeLessThanOrEqual(TOL);
            }
          }));

        test('x ⊕ 0 = x', () =>
          check((s) => {
            const x = elements(s.special);
            expect(elementDistance(fx, G.retract(x, new Float64Array(G.dof)), x)).toBeLessThanOrEqual(1e-15 * 16);
          }));

        test('local(x, x) = 0', () =>
          check((s) => {
            const x = elements(s.special);
            expect(maxAbsArray(G.local(x, x))).toBeLessThanOrEqual(1e-14);
          }));

        test('local(x, x ⊕ δ) = δ', () =>
          check((s) => {
            const x = bc(s, 0, elements(s.free), G.storage);
            const delta = bc(s, 1, tangents(s.special), G.dof);
            const y = G.retract(x, delta);
            const back = G.local(x, y);
            const count = back.length / G.dof;
            const expected = delta.length === G.dof ? Float64Array.from({ length: count * G.dof }, (_, i) => delta[i % G.dof]!) : delta;
            expect(maxAbsArray(tangentOut.local(expected, back))).toBeLessThanOrEqual(TOL);
          }));

        test('x·x⁻¹ = x⁻¹·x = identity', () =>
          check((s) => {
            const x = elements(s.special);
            const inv = G.inverse(x);
            const identity = G.identity(s.count);
            expect(elementDistance(fx, G.compose(x, inv), identity)).toBeLessThanOrEqual(TOL);
            expect(elementDistance(fx, G.compose(inv, x), identity)).toBeLessThanOrEqual(TOL);
            // And in matrix form: M(x⁻¹) = M(x)⁻¹.
            for (let k = 0; k < s.count; k++) {
              expect(maxAbs(matAdd(fx.matrix(inv, k * G.storage), matInv(fx.matrix(x, k * G.storage)), -1))).toBeLessThanOrEqual(TOL);
            }
          }));

        test('compose is the matrix product', () =>
          check((s) => {
            const a = bc(s, 0, elements(s.special), G.storage);
            const b = bc(s, 1, elements(s.free), G.storage);
            const ab = G.compose(a, b);
            for (let k = 0; k < s.count; k++) {
              const Ma = fx.matrix(a, a.length === G.storage ? 0 : k * G.storage);
              const Mb = fx.matrix(b, b.length === G.storage ? 0 : k * G.storage);
              expect(maxAbs(matAdd(fx.matrix(ab, k * G.storage), matMul(Ma, Mb), -1))).toBeLessThanOrEqual(TOL);
            }
          }));

        test('between(a, b) = inverse(a)·b', () =>
          check((s) => {
            const a = bc(s, 0, elements(s.special), G.storage);
            const b = bc(s, 1, elements(s.free), G.storage);
            expect(elementDistance(fx, G.between(a, b), G.compose(G.inverse(a), b))).toBeLessThanOrEqual(TOL);
          }));

        test('act is the matrix form applied to [p; 1]', () =>
          check((s) => {
            const x = bc(s, 0, elements(s.special), G.storage);
            const p = bc(s, 1, pointsOf(s), G.pointDim);
            const y = G.act(x, p);
            const n = fx.size;
            for (let k = 0; k < s.count; k++) {
              const M = fx.matrix(x, x.length === G.storage ? 0 : k * G.storage);
              const ip = p.length === G.pointDim ? 0 : k * G.pointDim;
              for (let i = 0; i < G.pointDim; i++) {
                let v = M[i]![n - 1]!;
                for (let j = 0; j < G.pointDim; j++) v += M[i]![j]! * p[ip + j]!;
                expect(Math.abs(y[k * G.pointDim + i]! - v)).toBeLessThanOrEqual(TOL);
              }
            }
          }));

        test('adjoint: x·Exp(δ) = Exp(Ad(x)δ)·x, and hat(Ad(x)δ) = M(x) hat(δ) M(x)⁻¹', () =>
          check((s) => {
            const x = elements(s.special);
            const delta = tangents(s.free);
            const Ad = G.adjoint(x);
            const moved = new Float64Array(delta.length);
            const d = G.dof;
            for (let k = 0; k < s.count; k++) {
              for (let i = 0; i < d; i++) {
                let v = 0;
                for (let j = 0; j < d; j++) v += Ad[k * d * d + i * d + j]! * delta[k * d + j]!;
                moved[k * d + i] = v;
              }
              const M = fx.matrix(x, k * G.storage);
              const conjugated = matMul(matMul(M, fx.hat(delta, k * d)), matInv(M));
              expect(maxAbs(matAdd(conjugated, fx.hat(moved, k * d), -1))).toBeLessThanOrEqual(TOL);
            }
            expect(elementDistance(fx, G.retract(x, delta), G.compose(G.exp(moved), x))).toBeLessThanOrEqual(TOL);
          }));

        test('J_log(exp τ)·J_exp(τ) = I (Jr⁻¹·Jr) where log(exp τ) = τ', () =>
          check((s) => {
            // At θ = π exactly, rounding may put Exp(τ) on the other side of the branch cut, where Log
            // returns the other tangent (−π instead of π): Jr⁻¹ there is not Jr(τ)⁻¹ and such elements are skipped.
            const tau = tangents(s.special);
            const d = G.dof;
            const Je = new Float64Array(s.count * d * d);
            const Jl = new Float64Array(s.count * d * d);
            const back = G.log(G.exp(tau, undefined, Je), undefined, Jl);
            for (let k = 0; k < s.count; k++) {
              if (Math.max(...tau.subarray(k * d, k * d + d).map((v, i) => Math.abs(v - back[k * d + i]!))) > 1e-9) continue;
              const A = Array.from({ length: d }, (_, i) => Array.from(Jl.subarray(k * d * d + i * d, k * d * d + i * d + d)));
              const B = Array.from({ length: d }, (_, i) => Array.from(Je.subarray(k * d * d + i * d, k * d * d + i * d + d)));
              expect(maxAbs(matAdd(matMul(A, B), eye(d), -1))).toBeLessThanOrEqual(1e-12);
            }
          }));

        test('normalize gives the canonical storage and the same element', () =>
          check((s) => {
            const x = elements(s.special);
            const n = G.normalize(x);
            expect(elementDistance(fx, n, x)).toBeLessThanOrEqual(1e-15 * 16);
            expect(maxAbsArray(G.local(n, G.normalize(n)))).toBeLessThanOrEqual(1e-15);
            expect(() => G.validate(n, 'test', 'n')).not.toThrow();
          }));

        describe('Jacobians against checkJacobians', () => {
          for (const c of verbCases) {
            test(c.name, () =>
              check((s) => {
                const { inputs, call, output } = c.make(s);
                const result = checkJacobians((values, jacobians) => call(values, undefined, jacobians), inputs, output, {
                  tolerance: JACOBIAN_TOLERANCE,
                });
                record(G.name, point.name, c.name, result.maxError);
                if (!result.ok) throw new Error(result.report);
              }),
            );
          }
        });

        describe('batches', () => {
          test('a batched call equals one call per element (values and Jacobians, bit for bit)', () =>
            check((s) => {
              for (const c of verbCases) {
                const { inputs, call, output } = c.make(s);
                const values = inputs.map((i) => i.value);
                const jacobians = inputs.map((i) => new Float64Array(s.count * output.dof * i.group.dof));
                const y = call(values, undefined, jacobians);
                expect(y.length).toBe(s.count * output.storage);
                for (let k = 0; k < s.count; k++) {
                  const one = inputs.map((i) => (i.value.length === i.group.storage ? i.value : i.value.slice(k * i.group.storage, (k + 1) * i.group.storage)));
                  const J1 = inputs.map((i) => new Float64Array(output.dof * i.group.dof));
                  const y1 = call(one, undefined, J1);
                  expect(y1).toEqual(y.slice(k * output.storage, (k + 1) * output.storage));
                  J1.forEach((J, i) => expect(J).toEqual(jacobians[i]!.slice(k * J.length, (k + 1) * J.length)));
                }
              }
            }));

          test('out may alias an input of the same shape, and preallocated outputs are filled in place', () =>
            check((s) => {
              for (const c of verbCases) {
                const { inputs, call, output } = c.make(s);
                const values = inputs.map((i) => i.value);
                const jacobians = inputs.map((i) => new Float64Array(s.count * output.dof * i.group.dof));
                const expected = call(values, undefined, jacobians);
                const out = new Float64Array(expected.length).fill(NaN);
                const garbage = inputs.map((i) => new Float64Array(s.count * output.dof * i.group.dof).fill(NaN));
                expect(call(values, out, garbage)).toBe(out);
                expect(out).toEqual(expected);
                garbage.forEach((J, i) => expect(J).toEqual(jacobians[i]));
                values.forEach((v, i) => {
                  if (v.length !== expected.length) return;
                  const alias = values.map((w) => w.slice());
                  expect(
                    call(
                      alias,
                      alias[i],
                      inputs.map(() => undefined),
                    ),
                  ).toBe(alias[i]);
                  expect(alias[i]).toEqual(expected);
                });
              }
            }));
        });
      });
    }

    test('identity(count) and random(count) hold valid elements; random is reproducible', () => {
      expect(G.identity()).toHaveLength(G.storage);
      expect(G.identity(3)).toHaveLength(3 * G.storage);
      expect(elementDistance(fx, G.identity(3), G.exp(new Float64Array(3 * G.dof)))).toBe(0);
      expect(G.identity(0)).toHaveLength(0);
      const a = G.random(50, new SeededRandom(7));
      expect(a).toHaveLength(50 * G.storage);
      expect(G.random(50, new SeededRandom(7))).toEqual(a);
      expect(G.random(50, new SeededRandom(8))).not.toEqual(a);
      expect(() => G.validate(a, 'test', 'a')).not.toThrow();
      const n = G.normalize(a);
      for (let i = 0; i < a.length; i++) expect(Math.abs(n[i]! - a[i]!)).toBeLessThanOrEqual(1e-15);
    });

    test('an empty batch gives empty outputs', () => {
      const none = new Float64Array(0);
      expect(G.compose(none, none)).toHaveLength(0);
      expect(G.log(none, undefined, new Float64Array(0))).toHaveLength(0);
      expect(G.act(none, none)).toHaveLength(0);
    });
  });
}
