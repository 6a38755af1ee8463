# The CPU addon (node-gyp). Sources come from native/sources.gypi; Eigen and
# the optional CHOLMOD are located by scripts/native-config.js
# (ARIADNE_CHOLMOD=0 builds without CHOLMOD and ARIADNE_PORTABLE=1 for any
# x86-64 CPU, as the prebuilt binaries are).
{
  'includes': ['native/sources.gypi'],
  'variables': {
    'ariadne_eigen_include%': '<!(node scripts/native-config.js eigen-include)',
    'ariadne_cholmod%': '<!(node scripts/native-config.js cholmod)',
    'ariadne_cholmod_include%': '<!(node scripts/native-config.js cholmod-include)',
    'ariadne_cholmod_libdir%': '<!(node scripts/native-config.js cholmod-libdir)',
    'ariadne_native_arch%': '<!(node scripts/native-config.js native-arch)',
  },
  'targets': [
    {
      'target_name': 'ariadne',
      'sources': ['<@(ariadne_core_sources)', '<@(ariadne_shared_binding_sources)', '<@(ariadne_binding_sources)'],
      'include_dirs': [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        'native/core',
        '<(ariadne_eigen_include)',
      ],
      'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS', 'NODE_ADDON_API_DISABLE_DEPRECATED'],
      'cflags!': ['-fno-exceptions'],
      'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++17', '-std=gnu++1y'],
      # Eigen's AVX headers warn about their own unused variables; CMake's test build keeps -Wall for ours.
      'cflags_cc': ['-std=c++17', '-fexceptions', '-O3', '-fvisibility=hidden', '-fvisibility-inlines-hidden', '-Wno-deprecated-declarations', '-Wno-unused-variable', '-Wno-maybe-uninitialized'],
      'xcode_settings': {
        'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
        'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
        'MACOSX_DEPLOYMENT_TARGET': '11.0',
      },
      'conditions': [
        ['ariadne_cholmod==1', {
          'sources': ['<@(ariadne_cholmod_sources)'],
          'include_dirs': ['<(ariadne_cholmod_include)'],
          'libraries': ['-L<(ariadne_cholmod_libdir)', '-lcholmod'],
        }, {
          'sources': ['<@(ariadne_no_cholmod_sources)'],
        }],
        # -z nodelete: the library stays mapped when the last worker_thread
        # that loaded it exits (dlclose), since the thread pool's detached
        # helpers run its code for the whole process.
        ['OS=="linux"', {
          'ldflags': ['-Wl,--as-needed', '-Wl,-z,nodelete'],
        }],
        ['ariadne_native_arch==1', {
          'cflags_cc': ['-march=native'],
        }],
      ],
    },
  ],
}
