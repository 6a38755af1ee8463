// A cost instance on constant elements only (a prior on a constant pose, an
// edge or a difference between two constant elements, a Custom residual of
// constant elements) has a constant cost and empty rows of J. Adding one
// anywhere (first, between or after the other terms, or as one more
// instance inside an existing term) must add exactly its cost to the final
// cost and leave the solution where it was: within 1e-7 (cost, relative)
// and 1e-4 (|local(x, x′)|) at the default tolerances, 1e-9 with
// functionTolerance 0, however large its cost (the optimisers leave that
// constant out of their decisions, as Ceres' fixed cost). For every
// optimiser, on SE2 and SE3 pose graphs and a vector curve fit, B = 1 and 3,
// dense and sparse. Before 531cfea an empty row dropped the rows after it
// from JᵀJ and Jᵀr.
import {
  Between,
  Custom,
  Difference,
  Dogleg,
  GaussNewton,
  LevenbergMarquardt,
  Objective,
  Prior,
  Variable,
  Vector,
  Weight,
  groupOfGraph,
  noisyMeasurements,
  parseG2o,
  poseGraphObjective,
  sphereWorld,
  type CostTerm,
  type G2oGraph,
  type LieGroup,
  type OptimizerOptions,
  type SolveResult,
} from '../../lib/index.js';
import { SeededRandom } from '../../lib/base/random.js';
import { gridGraph, insertEdge, insertRow } from '../helpers/graphs.js';

const OPTIMIZERS = { GaussNewton, LevenbergMarquardt, Dogleg } as const;
const KINDS = ['dense', 'sparse'] as const;
const BATCHES = [1, 3];
const PLACES = ['first', 'middle', 'last'] as const;
const TERMS = ['prior', 'pair', 'custom'] as const;
/** The final cost with the instance, relative to the expected one. */
const COST_TOLERANCE = 1e-7;
/** The largest |local(x, x′)| between the solutions with and without the instance. */
const SOLUTION_TOLERANCE = { default: 1e-4, functionTolerance0: 1e-9 } as const;

type Place = (typeof PLACES)[number];
/** The extra instance: its own term ('prior', 'pair': a Between or Difference, 'custom') at a place in the term list, or one more instance of the first term. */
type Extra = { term: (typeof TERMS)[number]; place: Place } | { term: 'instance'; place: Place };

interface Family {
  name: string;
  /** The variable whose solutions are compared, and its group. */
  variable: string;
  group: LieGroup;
  /** The problem for B elements: two terms, and the extra instance if given. */
  build(batch: number, extra?: Extra): Objective;
}

/** Where `place` puts one more item among `count`. */
function indexOf(place: Place, count: number): number {
  return place === 'first' ? 0 : place === 'last' ? count : Math.floor(count / 2);
}

/** x ⊕ (σ·n), n standard normal. */
function perturbed(group: LieGroup, x: Float64Array, sigma: number, random: SeededRandom): Float64Array {
  return group.retract(
    x,
    Float64Array.from({ length: group.dof }, () => sigma * random.normal()),
  );
}

/** A residual of elements a and b of `variable` (both constant): 2 rows, nonlinear in their first two storage numbers. */
function customOnConstants(variable: Variable, a: number, b: number): Custom {
  const st = variable.group.storage;
  return new Custom({
    name: 'extra',
    dim: 2,
    variables: [
      { variable, indices: [a] },
      { variable, indices: [b] },
    ],
    residual: (rows, [p, q], out) => {
      for (let i = 0; i < rows; i++) {
        out[2 * i] = Math.sin(p![i * st]!) - Math.cos(q![i * st + 1]!) + 0.2;
        out[2 * i + 1] = p![i * st + 1]! * q![i * st]! - 0.3;
      }
    },
  });
}

/**
 * A pose graph with poses 0 and `last` constant, and a weak prior on a free
 * pose as the second term. The extra instances: a prior on pose `last`, an
 * edge 0 → last (its own Between term, or one more edge of the graph's), a
 * Custom residual of poses 0 and last.
 */
function poseGraphFamily(name: string, source: G2oGraph): Family {
  const group = groupOfGraph(source);
  const st = group.storage;
  const last = source.ids.length - 1;
  const graph = { ...source, fixed: Int32Array.from(new Set([...source.fixed, 0, last])) };
  const random = new SeededRandom(17);
  const pose = (v: number) => graph.poses.subarray(v * st, (v + 1) * st);
  const priorTarget = perturbed(group, pose(last), 0.1, random);
  const edge = perturbed(group, group.between(pose(0), pose(last)), 0.1, random);
  // Ω = 4·I, as the Between term's weight 2 (W = √Ω).
  const information = new Float64Array((group.dof * (group.dof + 1)) / 2);
  for (let r = 0, k = 0; r < group.dof; r++) for (let c = r; c < group.dof; c++, k++) information[k] = r === c ? 4 : 0;
  const middle = Math.floor(last / 2);
  const anchorTarget = perturbed(group, pose(middle), 0.05, random);
  return {
    name,
    variable: 'poses',
    group,
    build(batch, extra) {
      let g: G2oGraph = graph;
      let measurements = noisyMeasurements(graph, batch, 0.02, 5);
      if (extra?.term === 'instance') {
        const at = indexOf(extra.place, graph.from.length);
        g = insertEdge(graph, at, 0, last, edge, information);
        measurements = insertRow(measurements, at, edge, batch);
      }
      const { poses, edges } = poseGraphObjective(g, { measurements });
      const anchor = new Prior({
        name: 'anchor',
        variable: { variable: poses, indices: [middle] },
        target: anchorTarget,
        weight: Weight.scale(Float64Array.of(0.1)),
      });
      const terms: CostTerm[] = [edges, anchor];
      if (extra !== undefined && extra.term !== 'instance') {
        const term =
          extra.term === 'prior'
            ? new Prior({ name: 'extra', variable: { variable: poses, indices: [last] }, target: priorTarget })
            : extra.term === 'pair'
              ? new Between({
                  name: 'extra',
                  a: { variable: poses, indices: [0] },
                  b: { variable: poses, indices: [last] },
                  measurement: edge,
                  weight: Weight.scale(Float64Array.of(2)),
                })
              : customOnConstants(poses, 0, last);
        terms.splice(indexOf(extra.place, terms.length), 0, term);
      }
      return new Objective(terms);
    },
  };
}

/**
 * y = a·exp(b·t) + c, 24 noisy samples per batch element fitted by element 0
 * of 'params' in two halves (two Custom terms); elements 1 and 2 are
 * constant parameter sets. The extra instances: a prior on element 1, a
 * Difference of elements 1 and 2, a Custom residual of both, or one more
 * sample of the first half read with element 1.
 */
function curveFamily(): Family {
  const group = Vector(3);
  const t = Float64Array.from({ length: 24 }, (_, i) => i / 6);
  const residual = (rows: number, [p, s]: readonly Float64Array[], out: Float64Array) => {
    for (let i = 0; i < rows; i++) out[i] = p![3 * i]! * Math.exp(p![3 * i + 1]! * s![2 * i]!) + p![3 * i + 2]! - s![2 * i + 1]!;
  };
  const samplesOf = (batch: number) => {
    const random = new SeededRandom(23);
    const samples = new Float64Array(batch * t.length * 2);
    for (let b = 0; b < batch; b++) {
      const [a, k, c] = [2 + 0.1 * b, -0.7 + 0.05 * b, 0.5];
      t.forEach((ti, i) => samples.set([ti, a * Math.exp(k * ti) + c + 0.1 * random.normal()], (b * t.length + i) * 2));
    }
    return samples;
  };
  const half = t.length / 2;
  return {
    name: 'Vector(3) curve fit',
    variable: 'params',
    group,
    build(batch, extra) {
      // Near enough for plain Gauss-Newton.
      const params = new Variable('params', group, Float64Array.of(1.5, -0.4, 0.2, 1.8, -0.5, 0.4, 1, 0.3, -0.2), { constant: [1, 2] });
      const samples = samplesOf(batch);
      const halves = [0, 1].map((h) => {
        const own = new Float64Array(batch * half * 2);
        for (let b = 0; b < batch; b++) own.set(samples.subarray((b * t.length + h * half) * 2, (b * t.length + (h + 1) * half) * 2), b * half * 2);
        return own;
      });
      let indices = new Int32Array(half);
      if (extra?.term === 'instance') {
        const at = indexOf(extra.place, half);
        indices = insertRow(indices, at, [1]);
        halves[0] = insertRow(halves[0]!, at, [0.7, 1.9], batch);
      }
      const fits = halves.map(
        (values, h) =>
          new Custom({
            name: `fit${h}`,
            dim: 1,
            variables: [{ variable: params, indices: h === 0 ? indices : new Int32Array(half) }],
            auxiliary: [{ name: `samples${h}`, values, k: 2, batch }],
            residual,
          }),
      );
      const terms: CostTerm[] = fits;
      if (extra !== undefined && extra.term !== 'instance') {
        const one = { variable: params, indices: [1] };
        const term =
          extra.term === 'prior'
            ? new Prior({ name: 'extra', variable: one, target: Float64Array.of(1.7, -0.2, 0.6) })
            : extra.term === 'pair'
              ? new Difference({ name: 'extra', a: one, b: { variable: params, indices: [2] }, target: Float64Array.of(0.5, 0.1, -0.3) })
              : customOnConstants(params, 1, 2);
        terms.splice(indexOf(extra.place, terms.length), 0, term);
      }
      return new Objective(terms);
    },
  };
}

const families: Family[] = [
  poseGraphFamily('SE2 grid graph', gridGraph(4, 0.05, 7)),
  poseGraphFamily('SE3 sphere graph', sphereWorld({ rings: 3, perRing: 6, seed: 3 }).graph),
  curveFamily(),
];

const extras: Extra[] = [
  ...TERMS.flatMap((term) => PLACES.map((place) => ({ term, place }))),
  ...PLACES.map((place) => ({ term: 'instance' as const, place })),
];

/** max |local(x_e, y_e)| over the elements e of one batch element. */
function solutionDistance(group: LieGroup, x: Float64Array, y: Float64Array): number {
  return group.local(x, y).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe('a cost instance on constant elements only adds its cost and moves nothing', () => {
  for (const family of families) {
    for (const [optimizerName, Optimizer] of Object.entries(OPTIMIZERS)) {
      test(`${family.name}, ${optimizerName}`, () => {
        const failures: string[] = [];
        // Largest relative cost error and |local(x, x′)| per regime, and how many cases each had.
        const worst = {
          functionTolerance0: { cost: 0, distance: 0, cases: 0, costlier: 0 },
          default: { cost: 0, distance: 0, cases: 0, costlier: 0 },
        };
        for (const batch of BATCHES) {
          for (const kind of KINDS) {
            for (const tolerance of ['default', 'functionTolerance0'] as const) {
              const options: OptimizerOptions = { linearSolver: { kind }, ...(tolerance === 'functionTolerance0' ? { functionTolerance: 0 } : {}) };
              const solve = (objective: Objective): SolveResult => new Optimizer(objective, options).solve();
              const without = solve(family.build(batch));
              for (const extra of extras) {
                const result = solve(family.build(batch, extra));
                for (let b = 0; b < batch; b++) {
                  const where = `B=${batch}, ${kind}, ${tolerance}, ${extra.term} ${extra.place}, element ${b}`;
                  // The instance's cost: constant, so the initial costs differ by it.
                  const cost = result.initialCost[b]! - without.initialCost[b]!;
                  if (!(cost > 1e-3)) failures.push(`${where}: the instance costs ${cost}`);
                  if (result.status[b] !== 'converged' || without.status[b] !== 'converged')
                    failures.push(`${where}: ${result.reason[b]} / ${without.reason[b]}`);
                  const expected = without.finalCost[b]! + cost;
                  const error = Math.abs(result.finalCost[b]! - expected) / expected;
                  const distance = solutionDistance(family.group, without.values(family.variable, b), result.values(family.variable, b));
                  const w = worst[tolerance];
                  [w.cost, w.distance, w.cases] = [Math.max(w.cost, error), Math.max(w.distance, distance), w.cases + 1];
                  // An instance that costs more than the rest of the problem (a relative function tolerance on the whole cost would stop earlier).
                  if (cost > without.finalCost[b]!) w.costlier++;
                  if (error > COST_TOLERANCE || distance > SOLUTION_TOLERANCE[tolerance]) {
                    failures.push(`${where}: final cost ${result.finalCost[b]}, expected ${expected} (${error}); the solution moved by ${distance}`);
                  }
                }
              }
            }
          }
        }
        const line = (w: { cost: number; distance: number; cases: number; costlier: number }) =>
          `${w.cases} cases (${w.costlier} with an instance costlier than the rest), cost error ≤ ${w.cost.toExponential(1)}, |local(x, x′)| ≤ ${w.distance.toExponential(1)}`;
        console.log(`${family.name}, ${optimizerName}: functionTolerance 0: ${line(worst.functionTolerance0)}; default tolerances: ${line(worst.default)}`);
        expect(failures.slice(0, 20)).toEqual([]);
      });
    }
  }
});

describe('the g2o graph of the report: an edge between two FIX vertices', () => {
  const vertices = ['VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 1 0 0', 'VERTEX_SE2 2 2 0 0', 'VERTEX_SE2 3 3 0 0'];
  const fixedEdge = 'EDGE_SE2 0 1 1.1 0 0 1 0 0 1 0 1'; // r = Log((1.1, 0, 0)⁻¹ · (1, 0, 0)) = (−0.1, 0, 0): cost 0.005
  const edges = ['EDGE_SE2 1 2 1.5 0.2 0.1 1 0 0 1 0 1', 'EDGE_SE2 2 3 1.5 0.2 0.1 1 0 0 1 0 1'];
  const solve = (lines: string[], options: OptimizerOptions) =>
    new LevenbergMarquardt(poseGraphObjective(parseG2o([...lines, 'FIX 0 1'].join('\n'))).objective, options).solve();

  for (const [tolerance, options, bound] of [
    ['default tolerances', {}, 1e-4],
    ['functionTolerance 0', { functionTolerance: 0 }, 1e-9],
  ] as const) {
    test(`costs 0.005 more than without that edge, at the same poses (${tolerance})`, () => {
      const withEdge = solve([...vertices, fixedEdge, ...edges], options);
      const without = solve([...vertices, ...edges], options);
      expect(without.finalCost[0]).toBeLessThan(1e-12);
      expect(withEdge.status[0]).toBe('converged');
      expect(Math.abs(withEdge.finalCost[0]! - 0.005) / 0.005).toBeLessThan(1e-7);
      const poses = withEdge.values('poses');
      const expected = without.values('poses');
      for (let i = 0; i < poses.length; i++) expect(Math.abs(poses[i]! - expected[i]!)).toBeLessThan(bound);
    });
  }
});
