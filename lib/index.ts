/**
 * ariadne: differentiable nonlinear least squares for Node.js.
 *
 * The public barrel: named exports only. The differentiable solve lives at
 * the subpath `ariadne/layer` and is never re-exported here.
 */

// Lie groups and vectors, batched over Float64Array.
export { SE2, SE3, SO2, SO3, Vector, type LieGroup, type SE2Group, type SE3Group, type SO2Group, type SO3Group, type WorldFrame } from './geometry/index.js';

// Modeling: variables, weights, robust losses, cost terms, the objective.
export { Variable, type Box, type VariableBounds, type VariableOptions } from './core/variable.js';
export { Weight, type WeightKind, type WeightOptions } from './core/weight.js';
export { RobustLoss, type LossKind, type LossOptions } from './core/robust-loss.js';
export { sqrtInformation, type SqrtInformationResult } from './core/information.js';
export { CostTerm, type AuxiliarySpec, type CostTermSpec, type ElementRef, type TermOptions, type VariableUse } from './core/cost-term.js';
export { Objective, type Evaluation, type State } from './core/objective.js';
export type { TangentFrame } from './core/tangent.js';
export { SeededRandom } from './base/random.js';
export { Between, type BetweenOptions } from './costs/between.js';
export { Prior, type PriorOptions } from './costs/prior.js';
export { Difference, type DifferenceOptions } from './costs/difference.js';
export {
  Custom,
  type CustomAuxiliary,
  type CustomOptions,
  type InputJacobianFunction,
  type JacobianFunction as CustomJacobianFunction,
  type ResidualFunction,
} from './costs/custom.js';

// Optimisers.
export { LevenbergMarquardt } from './optim/levenberg-marquardt.js';
export { GaussNewton } from './optim/gauss-newton.js';
export { Dogleg } from './optim/dogleg.js';
export { Optimizer } from './optim/optimizer.js';
export { SolveResult, type RankDeficiency, type SolveStatus } from './optim/result.js';
export { covariance, type CovarianceBlock, type CovarianceOptions, type CovarianceResult } from './optim/covariance.js';
export { positionCovariances } from './optim/position-covariance.js';
export { leastSquares, type LeastSquaresOptions, type LeastSquaresResult, type LeastSquaresSolution } from './optim/least-squares.js';
export type { IterationInfo, OptimizerOptions } from './optim/options.js';

// Files.
export { G2oFormatError, formatG2o, parseG2o, readG2o, writeG2o, type G2oGraph, type ParseG2oOptions, type ReadG2oOptions } from './io/g2o.js';
export { groupOfGraph, noisyMeasurements, poseGraphObjective, type PoseGraph, type PoseGraphOptions } from './io/pose-graph.js';
export { poseGraphStats, type PoseGraphStats } from './io/graph-stats.js';
export {
  gridWorld,
  manhattanWorld,
  sphereWorld,
  type GridOptions,
  type ManhattanOptions,
  type NoiseOptions,
  type SphereOptions,
  type SyntheticWorld,
} from './io/synthetic.js';

// Pictures (SVG).
export { renderPoseGraphSvg, type PoseGraphSvgOptions } from './plot/pose-graph.js';
export { renderConvergenceSvg, type ConvergenceSeries, type ConvergenceSvgOptions } from './plot/convergence.js';
export { poseGraphEdgeCosts } from './plot/edge-costs.js';
export type { PlotView } from './plot/projection.js';

// Checking Jacobians.
export {
  checkCostTerm,
  checkJacobians,
  numericJacobian,
  type CheckCostTermOptions,
  type CheckJacobiansOptions,
  type CheckJacobiansResult,
  type JacobianFunction,
  type ManifoldArgument,
} from './testing/index.js';
export { checkObjective, type CheckObjectiveOptions, type CheckObjectiveResult } from './testing/check-objective.js';

// The batched linear algebra underneath.
export {
  BACKENDS,
  NormalEquations,
  SOLVER_KINDS,
  type Backend,
  type DampingMode,
  type FactorResult,
  type JacobianPattern,
  type LinearizeResult,
  type NormalEquationsInfo,
  type NormalEquationsKind,
  type SolverKind,
  type NormalEquationsOptions,
} from './linear/normal-equations.js';
export { buildInfo, cudaStatus, type BuildInfo, type CudaDeviceInfo, type CudaStatus, type CudaUnavailableReason } from './linear/build-info.js';
