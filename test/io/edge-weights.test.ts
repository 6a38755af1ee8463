/**
 * A graph's information matrices are factored once: by the reader (for the
 * count of matrices that are not positive definite), and poseGraphObjective
 * reuses that factor; a graph whose information changed in place since, or a
 * copy of it with other numbers, is factored again and weighed by its new
 * numbers.
 */
import * as information from '../../lib/core/information.js';
import { parseG2o } from '../../lib/io/g2o.js';
import { poseGraphObjective } from '../../lib/io/pose-graph.js';

// Three poses, three edges; the last edge's Ω = [[1, 2, 0], [2, 1, 0], [0, 0, 1]] is indefinite.
const TEXT = [
  'VERTEX_SE2 0 0 0 0',
  'VERTEX_SE2 1 1.1 0.1 0.05',
  'VERTEX_SE2 2 2.2 -0.1 0.1',
  'EDGE_SE2 0 1 1 0 0 4 1 0 3 0 9',
  'EDGE_SE2 1 2 1 0 0 2 0 0 2 0 2',
  'EDGE_SE2 0 2 2 0 0 1 2 0 1 0 1',
].join('\n');

afterEach(() => jest.restoreAllMocks());

test('reading and building the objective factor the information once', () => {
  const spy = jest.spyOn(information, 'sqrtInformation');
  const graph = parseG2o(TEXT);
  expect(graph.nonPositiveDefinite).toBe(1);
  expect(spy).toHaveBeenCalledTimes(1);
  const cost = poseGraphObjective(graph).objective.costs()[0];
  // A copy of the graph with the same arrays (as poseGraphEdgeCosts makes) shares the factor too.
  const copy = poseGraphObjective({ ...graph }).objective.costs()[0];
  expect(spy).toHaveBeenCalledTimes(1);
  expect(copy).toBe(cost);
  // The same cost with the weight factored afresh (an array the reader did not see).
  const fresh = parseG2o(TEXT);
  fresh.information = fresh.information.slice();
  expect(poseGraphObjective(fresh).objective.costs()[0]).toBe(cost);
  expect(spy).toHaveBeenCalledTimes(3);
});

test('information changed in place is factored again', () => {
  const graph = parseG2o(TEXT);
  const before = poseGraphObjective(graph).objective.costs()[0]!;
  const edited = poseGraphObjective(parseG2o(TEXT.replace('EDGE_SE2 0 1 1 0 0 4 ', 'EDGE_SE2 0 1 1 0 0 16 '))).objective.costs()[0];
  const spy = jest.spyOn(information, 'sqrtInformation');
  graph.information[0] = 16; // Ω₀₀ of the first edge, 4 → 16
  const after = poseGraphObjective(graph).objective.costs()[0]!;
  expect(spy).toHaveBeenCalledTimes(1);
  expect(after).toBe(edited);
  expect(after).not.toBe(before);
  // −0 for 0 is a change too (its bits differ).
  graph.information[1] = 0;
  poseGraphObjective(graph);
  graph.information[1] = -0;
  poseGraphObjective(graph);
  expect(spy).toHaveBeenCalledTimes(3);
});
