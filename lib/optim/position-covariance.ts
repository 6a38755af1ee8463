/**
 * World-frame covariances of pose positions, from {@link covariance} blocks
 * of SE2 or SE3 poses. With x = x* ⊕ δ, δ = (ρ, ω) ~ N(0, Σ) in the
 * variable's update frame (translation first), the position t of x is
 *   'body':  t = t* + R V(ω) ρ = t* + R ρ + O(|δ|²)   (V(0) = I)  →  Σ_t = R Σ_ρρ Rᵀ
 *   'world': t = t* + ρ exactly                                   →  Σ_t = Σ_ρρ
 * with R the rotation of x* and Σ_ρρ the leading d × d block of Σ (d = 2
 * for SE2, 3 for SE3). The output is symmetrised: (Σ_t + Σ_tᵀ) / 2.
 */
import { checkInteger, checkTypedArray, rangeError, typeError } from '../base/check.js';
import { Variable } from '../core/variable.js';
import { SE3 } from '../geometry/se3.js';
import { SO3 } from '../geometry/so3.js';

/**
 * The world-frame position covariance of each pose whose {@link covariance}
 * block is given: d × d row-major per block (d = 2 for SE2, 3 for SE3), in
 * the order of `blocks`, ready for `renderPoseGraphSvg`'s `covariances`.
 * Exact for a `'world'` tangent (a pose graph's default), first order in δ
 * for `'body'` (Σ_t = R Σ_ρρ Rᵀ).
 *
 * @param variable the SE2 or SE3 variable the blocks are of (its `tangent` says their frame).
 * @param poses its values at the solution, one batch element: count × storage (`result.values(name, b)`).
 * @param blocks covariance blocks (dof × dof row-major) of elements of `variable`, e.g. `covariance(...).blocks[b]`.
 * @param elements the element of each block (default 0, 1, 2, …).
 * @returns blocks.length × d² numbers.
 * @throws TypeError / RangeError naming the argument.
 *
 * @example
 * ```ts
 * import { LevenbergMarquardt, covariance, parseG2o, poseGraphObjective, positionCovariances } from 'ariadne';
 * // Two steps of 1 m along x from the fixed pose 0, each with σ = (0.1 m, 0.2 m, 1 rad).
 * const edge = (a: number, b: number) => `EDGE_SE2 ${a} ${b} 1 0 0 100 0 0 25 0 1`;
 * const graph = parseG2o(['VERTEX_SE2 0 0 0 0', 'VERTEX_SE2 1 1 0 0', 'VERTEX_SE2 2 2 0 0', edge(0, 1), edge(1, 2)].join('\n'));
 * const { objective, poses } = poseGraphObjective(graph);
 * const result = new LevenbergMarquardt(objective).solve();
 * const { blocks } = covariance(objective, result, [{ variable: 'poses', element: 2 }]);
 * // Pose 2: σ_x² = 2 · 0.01; σ_y² = 2 · 0.04 + (1 m · σ_θ)², pose 1's heading error swinging the second step.
 * console.log(Array.from(positionCovariances(poses, result.values('poses', 0), blocks[0]!, [2]), (v) => +v.toFixed(6))); // [0.02, 0, 0, 1.08]
 * ```
 */
export function positionCovariances(variable: Variable, poses: Float64Array, blocks: readonly Float64Array[], elements?: readonly number[]): Float64Array {
  const fn = 'positionCovariances';
  if (!(variable instanceof Variable)) throw typeError(fn, 'variable', 'a Variable', variable);
  const group = variable.group;
  if (group.name !== 'SE2' && group.name !== 'SE3') throw rangeError(fn, 'variable', 'a variable of SE2 or SE3 poses', `one of ${group.name}`);
  const { storage, dof } = group;
  const d = group.name === 'SE2' ? 2 : 3;
  checkTypedArray(fn, 'poses', poses, Float64Array, variable.count * storage, `count ${variable.count} × storage ${storage}: one batch element`);
  group.validate(poses, fn, 'poses');
  if (!Array.isArray(blocks)) throw typeError(fn, 'blocks', 'an array of Float64Array blocks', blocks);
  if (elements !== undefined) {
    if (!Array.isArray(elements)) throw typeError(fn, 'elements', 'an array of element indices', elements);
    if (elements.length !== blocks.length) throw rangeError(fn, 'elements', `one index per block (${blocks.length})`, `${elements.length}`);
  }
  const out = new Float64Array(blocks.length * d * d);
  const R = new Float64Array(9);
  const S = new Float64Array(9);
  for (let i = 0; i < blocks.length; i++) {
    const block = checkTypedArray(fn, `blocks[${i}]`, blocks[i], Float64Array, dof * dof, `dof ${dof} × ${dof}`);
    const e = elements === undefined ? i : checkInteger(fn, `elements[${i}]`, elements[i], 0, variable.count - 1);
    // S = Σ_ρρ, the leading d × d block.
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) S[r * d + c] = block[r * dof + c]!;
    // 'world': Σ_t = Σ_ρρ as it is; 'body': R Σ_ρρ Rᵀ.
    if (variable.tangent === 'body') {
      rotation(group.name, poses, e, R);
      rotate(R, S, d);
    }
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) out[(i * d + r) * d + c] = (S[r * d + c]! + S[c * d + r]!) / 2;
  }
  return out;
}

/** R of pose e, d × d row-major. */
function rotation(name: 'SE2' | 'SE3', poses: Float64Array, e: number, R: Float64Array): void {
  if (name === 'SE2') {
    const theta = poses[3 * e + 2]!;
    R.set([Math.cos(theta), -Math.sin(theta), Math.sin(theta), Math.cos(theta)]);
  } else {
    R.set(SO3.toMatrix(SE3.toRotation(poses.subarray(7 * e, 7 * e + 7))));
  }
}

/** S ← R S Rᵀ (d × d). */
function rotate(R: Float64Array, S: Float64Array, d: number): void {
  const RS = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) for (let k = 0; k < d; k++) RS[r * d + c]! += R[r * d + k]! * S[k * d + c]!;
  S.fill(0, 0, d * d);
  for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) for (let k = 0; k < d; k++) S[r * d + c]! += RS[r * d + k]! * R[c * d + k]!;
}
