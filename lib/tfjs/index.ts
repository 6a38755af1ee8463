/**
 * ariadne/tfjs: the differentiable solve as one TensorFlow.js op. The only
 * module of the library that imports
 * `@tensorflow/tfjs-core` (an optional peer dependency); never re-exported
 * by the main entry point.
 */
export { SYNC_BACKENDS, SolveLayer, type PackedVariable, type SolveLayerOptions } from './solve-layer.js';
