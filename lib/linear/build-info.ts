import { nativeBinding, type BuildInfo } from '../native/binding.js';

export type { BuildInfo } from '../native/binding.js';

/**
 * What the loaded native addon was built with: CHOLMOD or not, Eigen's
 * version, the BLAS in use and its threads per call.
 *
 * @example
 * ```ts
 * import { buildInfo } from 'ariadne';
 * const { cholmod, blas } = buildInfo();
 * console.log(cholmod ? `sparse: CHOLMOD over ${blas}` : 'sparse: Eigen');
 * ```
 */
export function buildInfo(): BuildInfo {
  return nativeBinding().buildInfo();
}
