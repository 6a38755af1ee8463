/**
 * The Lie groups, batched over Float64Array: SO2, SE2, SO3, SE3 and the
 * additive group Vector(n), all with the verbs of {@link LieGroup}.
 */
export { type LieGroup, type WorldFrame } from './lie-group.js';
export { SO2, type SO2Group } from './so2.js';
export { SE2, type SE2Group } from './se2.js';
export { SO3, type SO3Group } from './so3.js';
export { SE3, type SE3Group } from './se3.js';
export { Vector } from './vector.js';
