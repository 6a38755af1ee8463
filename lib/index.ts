/**
 * ariadne: differentiable nonlinear least squares for Node.js.
 *
 * The public barrel: named exports only. The TensorFlow.js layer lives at the
 * subpath `ariadne/layer` and is never re-exported here.
 */
export {
  NormalEquations,
  type DampingMode,
  type FactorResult,
  type JacobianPattern,
  type LinearizeResult,
  type NormalEquationsInfo,
  type NormalEquationsKind,
  type NormalEquationsOptions,
} from './linear/normal-equations.js';
export { buildInfo, type BuildInfo } from './linear/build-info.js';
