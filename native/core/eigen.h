// The one way the core includes Eigen. Eigen's assertions either throw
// ariadne::InternalError (ARIADNE_EIGEN_CHECKS, used by the C++ tests) or are
// compiled out; they never abort the process.
#pragma once

#include "errors.h"

#ifdef ARIADNE_EIGEN_CHECKS
#define eigen_assert(x)                                                      \
  do {                                                                       \
    if (!(x)) throw ::ariadne::InternalError("Eigen assertion failed: " #x); \
  } while (false)
#else
#ifndef EIGEN_NO_DEBUG
#define EIGEN_NO_DEBUG
#endif
#endif

#include <Eigen/Core>
#include <Eigen/Cholesky>
#include <Eigen/SparseCore>
#include <Eigen/SparseCholesky>
#include <Eigen/OrderingMethods>
