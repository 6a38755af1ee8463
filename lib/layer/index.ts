/**
 * ariadne/layer: the float64 differentiable solve, without
 * TensorFlow.js. Never re-exported by the main entry point.
 */
export {
  BACKWARD_MODES,
  DifferentiableSolve,
  dlm,
  truncated,
  type BackwardMode,
  type DifferentiableSolveOptions,
  type DlmMode,
  type TruncatedMode,
  type ElementInfo,
  type ForwardResult,
} from './differentiable-solve.js';
