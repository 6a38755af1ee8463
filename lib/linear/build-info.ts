import { cudaAvailability, nativeBinding, type BuildInfo, type CudaDeviceInfo, type CudaUnavailableReason } from '../native/binding.js';

export type { BuildInfo, CudaDeviceInfo, CudaUnavailableReason } from '../native/binding.js';

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

/** Whether `backend: 'cuda'` can be used: the device, or why not. */
export interface CudaStatus {
  /** Whether the CUDA addon loads and device 0 can be used. */
  available: boolean;
  /** Device 0 (when available). */
  device?: CudaDeviceInfo;
  /** Why it cannot be used (when unavailable). */
  reason?: CudaUnavailableReason;
  /** The loader's or the CUDA runtime's own words (when unavailable). */
  detail?: string;
}

/**
 * Whether the CUDA backend can be used ('auto' then picks it): its addon
 * loads and device 0 exists. Otherwise the reason ('not built', 'libraries
 * missing', 'failed to load', 'no device') and the detail.
 *
 * @example
 * ```ts
 * import { cudaStatus } from 'ariadne';
 * const status = cudaStatus();
 * console.log(status.available ? `GPU: ${status.device?.name}` : `CPU only: ${status.reason}`);
 * ```
 */
export function cudaStatus(): CudaStatus {
  const cuda = cudaAvailability();
  return cuda.available ? { available: true, device: cuda.device } : { available: false, reason: cuda.reason, detail: cuda.detail };
}
