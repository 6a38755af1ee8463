// What a SolveResult says about its solution besides the values: the
// gradient norm there, each term's cost, and the residuals, against direct
// evaluations of the objective.
import {
  LevenbergMarquardt,
  NormalEquations,
  Objective,
  Prior,
  RobustLoss,
  Variable,
  Vector,
  manhattanWorld,
  noisyMeasurements,
  poseGraphObjective,
} from '../../lib/index.js';

describe('SolveResult at the solution', () => {
  test('gradientNorm, termCosts and residuals agree with the objective evaluated at the solution (a batch of two noisy graphs and a robust prior)', () => {
    const { graph } = manhattanWorld({ poses: 25, seed: 3 });
    const pg = poseGraphObjective(graph, { measurements: noisyMeasurements(graph, 2, 0.05, 9) });
    const anchor = new Prior({
      name: 'anchor',
      variable: { variable: pg.poses, indices: [3] },
      target: Float64Array.of(1, 2, 0.1),
      loss: RobustLoss.huber(0.5),
    });
    const objective = new Objective([pg.edges, anchor]);
    const result = new LevenbergMarquardt(objective, { functionTolerance: 1e-12 }).solve();
    const state = [result.values('poses')];
    const evaluation = objective.evaluate(state, { residuals: true, jacobians: true });
    const ne = new NormalEquations(objective.pattern, 2);
    const { gradient } = ne.linearize(evaluation.jValues!, evaluation.residuals!);
    ne.dispose();
    const n = objective.program.n;
    for (let b = 0; b < 2; b++) {
      const direct = Math.max(...Array.from(gradient.subarray(b * n, (b + 1) * n), Math.abs));
      expect(result.gradientNorm[b]).toBeCloseTo(direct, 12);
    }
    const costs = result.termCosts();
    expect(Object.keys(costs)).toEqual(['edges', 'anchor']);
    for (let b = 0; b < 2; b++) expect(costs['edges']![b]! + costs['anchor']![b]!).toBeCloseTo(result.finalCost[b]!, 10);
    expect(result.residuals()).toEqual(evaluation.residuals);
    // Without a loss, ½‖r̃‖² of a term's rows is its cost.
    const m = objective.program.m;
    const edgeRows = pg.edges.instances * pg.edges.dim;
    for (let b = 0; b < 2; b++) {
      const r = result.residuals().subarray(b * m, b * m + edgeRows);
      expect(0.5 * r.reduce((s, v) => s + v * v, 0)).toBeCloseTo(costs['edges']![b]!, 10);
    }
  });

  test('a single vector fit: the gradient norm is below the tolerance that stopped it', () => {
    const x = new Variable('x', Vector(2), new Float64Array(2));
    const result = new LevenbergMarquardt(new Objective([new Prior({ variable: x, target: Float64Array.of(3, -1) })]), {
      gradientTolerance: 1e-8,
      functionTolerance: 0,
      parameterTolerance: 0,
    }).solve();
    expect(result.reason[0]).toBe('gradient tolerance reached');
    expect(result.gradientNorm[0]).toBeLessThanOrEqual(1e-8);
  });
});
