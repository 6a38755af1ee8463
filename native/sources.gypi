# The one list of C++ sources. binding.gyp includes this file; CMakeLists.txt
# parses it (keep one quoted path per line). Paths are relative to the root.
{
  'variables': {
    'ariadne_core_sources': [
      'native/core/batch_arrays.cc',
      'native/core/batched_normal_equations.cc',
      'native/core/blas_threads.cc',
      'native/core/cholesky_backend.cc',
      'native/core/dense_cholesky.cc',
      'native/core/eigen_sparse_cholesky.cc',
      'native/core/factor_snapshot.cc',
      'native/core/normal_equations.cc',
      'native/core/normal_pattern.cc',
      'native/core/reference_ldlt.cc',
      'native/core/solver_kind.cc',
      'native/core/supernodal_cholesky.cc',
      'native/core/supernodal_symbolic.cc',
      'native/core/thread_pool.cc',
    ],
    'ariadne_cholmod_sources': [
      'native/core/cholmod_cholesky.cc',
    ],
    'ariadne_no_cholmod_sources': [
      'native/core/sparse_cholesky_eigen_only.cc',
    ],
    # N-API glue shared by the CPU addon and the CUDA addon.
    'ariadne_shared_binding_sources': [
      'native/binding/arguments.cc',
      'native/binding/factor_snapshot_wrap.cc',
      'native/binding/normal_equations_wrap.cc',
      'native/binding/prepared_call.cc',
    ],
    'ariadne_binding_sources': [
      'native/binding/addon.cc',
      'native/binding/reference_ldlt_binding.cc',
    ],
    # The CUDA backend (native/cuda, built by CMake only): host code without
    # CUDA; kernels and device queries that need only the CUDA runtime; the
    # core over cuSOLVER, cuBLAS and cuSPARSE. Then the CUDA addon's exports,
    # N-API glue that lives with the rest of it in native/binding (native/cuda
    # knows nothing of Node).
    'ariadne_cuda_host_sources': [
      'native/cuda/normal_maps.cc',
    ],
    'ariadne_cuda_runtime_sources': [
      'native/cuda/device_info.cc',
      'native/cuda/kernels.cu',
    ],
    'ariadne_cuda_solver_sources': [
      'native/cuda/cuda_normal_equations.cc',
    ],
    'ariadne_cuda_binding_sources': [
      'native/binding/cuda_addon.cc',
    ],
  },
}
