// What one thread of each CUDA kernel computes, as plain functions that also
// compile for the host: kernels.cu runs them on the device, and
// native/tests/cuda_maps_test.cc runs them on the CPU against the CPU core,
// so the maps and the arithmetic are tested on machines without a GPU.
//
// Layouts (B = batch): J's unique values U and A's values are batch-minor,
// entry e of element b at e·B + b, so that the B threads of one entry read
// consecutive addresses; everything exchanged with the host (J's COO values,
// r, vectors) is batch-major, element b's k values at b·k.
//
// Every sum runs in the order of the CPU core (NormalPattern::Form: rows
// ascending), and every output is written by one thread: no atomics, and the
// same bits on every run.
#pragma once

#include <cstdint>

#ifdef __CUDACC__
#define ARIADNE_HD __host__ __device__
#else
#define ARIADNE_HD
#endif

namespace ariadne::cuda {

// U[t][b] = Σ_g coo_b[gather_coo[g]] over unique entry t's COO entries
// (gather_start null: no duplicates, entry t is COO entry gather_coo[t]).
ARIADNE_HD inline double GatherEntry(const double* coo, int64_t nnz, int b, const int32_t* gather_start,
                                     const int32_t* gather_coo, int t) {
  const double* coo_b = coo + b * nnz;
  if (gather_start == nullptr) return coo_b[gather_coo[t]];
  double sum = 0.0;
  for (int32_t g = gather_start[t]; g < gather_start[t + 1]; ++g) sum += coo_b[gather_coo[g]];
  return sum;
}

// A[s][b] = Σ_k U[p_k][b]·U[q_k][b] over the products (p_k, q_k) that land in
// slot s of A's compressed upper triangle (k = product_start[s] .. [s+1]).
ARIADNE_HD inline double NormalEntry(const double* u, int batch, int b, const int64_t* product_start,
                                     const int32_t* product_p, const int32_t* product_q, int s) {
  double sum = 0.0;
  for (int64_t k = product_start[s]; k < product_start[s + 1]; ++k) {
    sum += u[static_cast<int64_t>(product_p[k]) * batch + b] * u[static_cast<int64_t>(product_q[k]) * batch + b];
  }
  return sum;
}

// (J x_b)[r] = Σ_t U[t][b]·x_b[col(t)] over row r's unique entries.
ARIADNE_HD inline double RowProduct(const double* u, int batch, int b, const int32_t* row_start,
                                    const int32_t* unique_col, const double* x, int n, int r) {
  const double* x_b = x + static_cast<int64_t>(b) * n;
  double sum = 0.0;
  for (int32_t t = row_start[r]; t < row_start[r + 1]; ++t) {
    sum += u[static_cast<int64_t>(t) * batch + b] * x_b[unique_col[t]];
  }
  return sum;
}

// (Jᵀ y_b)[c] = Σ_e U[col_entry[e]][b]·y_b[col_row[e]] over column c's unique
// entries (e = col_start[c] .. [c+1], rows ascending). With y = r this is g.
ARIADNE_HD inline double ColumnProduct(const double* u, int batch, int b, const int32_t* col_start,
                                       const int32_t* col_entry, const int32_t* col_row, const double* y, int m,
                                       int c) {
  const double* y_b = y + static_cast<int64_t>(b) * m;
  double sum = 0.0;
  for (int32_t e = col_start[c]; e < col_start[c + 1]; ++e) {
    sum += u[static_cast<int64_t>(col_entry[e]) * batch + b] * y_b[col_row[e]];
  }
  return sum;
}

// Slot s of element b's A + E, E (B·a_nnz, batch-major) an additive term of
// one factor call, or null: A itself (bit for bit, −0 included), as the CPU
// core forms it.
ARIADNE_HD inline double WithExtra(double a, const double* extra, int64_t a_nnz, int b, int64_t s) {
  return extra == nullptr ? a : a + extra[static_cast<int64_t>(b) * a_nnz + s];
}

// How the damping pass treats an element's block of the factorisation input.
enum DampMode : uint8_t { kKeep = 0, kDamp = 1, kIdentity = 2 };

// One entry of A + λD: D = 1 ('identity') or clamp(A_jj, lo, hi) ('diagonal')
// on the diagonal; kIdentity writes I instead (elements that are not factored
// keep a positive definite block, so that they cannot disturb the others).
ARIADNE_HD inline double DampedEntry(double a, bool diagonal, uint8_t mode, double lambda, bool identity_damping,
                                     double lo, double hi) {
  if (mode == kIdentity) return diagonal ? 1.0 : 0.0;
  if (!diagonal) return a;
  const double d = identity_damping ? 1.0 : (a < lo ? lo : (a > hi ? hi : a));
  return a + lambda * d;
}

// Whether a pivot of L is usable: finite and positive.
ARIADNE_HD inline bool GoodPivot(double value) { return value > 0.0 && value <= 1.7976931348623157e308; }

}  // namespace ariadne::cuda
