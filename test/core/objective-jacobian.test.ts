// The assembled Jacobian and gradient the optimisers see, through weights,
// robust losses, constant elements, both tangent frames and batches, against
// central differences along the objective's own update (checkObjective).
import {
  Between,
  Objective,
  Prior,
  RobustLoss,
  SE2,
  SE3,
  SeededRandom,
  Variable,
  Weight,
  checkObjective,
  type LieGroup,
  type TangentFrame,
} from '../../lib/index.js';

function graph(group: LieGroup, tangent: TangentFrame, options: { loss?: RobustLoss; batch?: number } = {}) {
  const random = new SeededRandom(group.dof + (tangent === 'world' ? 10 : 0));
  const count = 5;
  const batch = options.batch ?? 1;
  const values = group.exp(random.normals(batch * count * group.dof));
  const x = new Variable('x', group, values, { batch, constant: [0], tangent });
  const from = [0, 1, 2, 3, 0, 1];
  const to = [1, 2, 3, 4, 2, 4];
  const d = group.dof;
  const w = new Float64Array(from.length * ((d * (d + 1)) / 2));
  for (let e = 0, p = 0; e < from.length; e++)
    for (let r = 0; r < d; r++) for (let c = r; c < d; c++) w[p++] = r === c ? 2 + random.uniform() : 0.3 * random.normal();
  const edges = new Between({
    a: { variable: x, indices: from },
    b: { variable: x, indices: to },
    measurement: group.exp(random.normals(from.length * d)),
    weight: Weight.sqrtInformation(w, d),
    loss: options.loss,
  });
  const prior = new Prior({
    variable: { variable: x, indices: [4] },
    target: group.exp(random.normals(d)),
    weight: Weight.diagonal(
      Float64Array.from({ length: d }, (_, i) => 1 + i),
      d,
    ),
  });
  return new Objective([edges, prior]);
}

describe('objective Jacobians', () => {
  for (const group of [SE2, SE3]) {
    for (const tangent of ['body', 'world'] as const) {
      test(`${group.name}, ${tangent} frame: J̃ and J̃ᵀr̃ match central differences`, () => {
        const result = checkObjective(graph(group, tangent));
        expect(result.report).toMatch(/^checkObjective: ok/);
      });

      test(`${group.name}, ${tangent} frame, batch 3 with a Cauchy loss: the gradient matches`, () => {
        const result = checkObjective(graph(group, tangent, { loss: RobustLoss.cauchy(0.5), batch: 3 }));
        expect(Number.isNaN(result.jacobianError)).toBe(true);
        expect(result.report).toMatch(/^checkObjective: ok/);
      });
    }
  }

  test('EXPECTED FAILURE - a wrong Jacobian is caught', () => {
    const objective = graph(SE2, 'body');
    const edges = objective.terms[0]!;
    const evaluate = edges.evaluate.bind(edges);
    edges.evaluate = (rows, inputs, residuals, jacobians) => {
      evaluate(rows, inputs, residuals, jacobians);
      if (jacobians[1]) jacobians[1][0]! += 0.01; // instance 0, w.r.t. its b = element 1 (element 0 is constant)
    };
    expect(checkObjective(objective).ok).toBe(false);
  });
});
