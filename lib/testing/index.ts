/**
 * Jacobian checks for users' own functions and cost terms: numeric Jacobians
 * by central differences on the manifold, and a checker that compares them
 * with analytic ones.
 */
export {
  checkJacobians,
  numericJacobian,
  type CheckJacobiansOptions,
  type CheckJacobiansResult,
  type JacobianFunction,
  type ManifoldArgument,
} from './check-jacobians.js';
