/**
 * Jacobian checks for users' own functions and cost terms: numeric Jacobians
 * by central differences on the manifold, a checker that compares them
 * with analytic ones, and its form for a cost term's variables and inputs.
 */
export {
  checkJacobians,
  numericJacobian,
  type CheckJacobiansOptions,
  type CheckJacobiansResult,
  type JacobianFunction,
  type ManifoldArgument,
} from './check-jacobians.js';
export { checkCostTerm, type CheckCostTermOptions } from './check-cost-term.js';
