# The one list of C++ sources. binding.gyp includes this file; CMakeLists.txt
# parses it (keep one quoted path per line). Paths are relative to the root.
{
  'variables': {
    'ariadne_core_sources': [
      'native/core/blas_threads.cc',
      'native/core/dense_cholesky.cc',
      'native/core/eigen_sparse_cholesky.cc',
      'native/core/normal_equations.cc',
      'native/core/normal_pattern.cc',
      'native/core/reference_ldlt.cc',
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
    'ariadne_binding_sources': [
      'native/binding/addon.cc',
      'native/binding/arguments.cc',
      'native/binding/normal_equations_wrap.cc',
      'native/binding/reference_ldlt_binding.cc',
    ],
  },
}
