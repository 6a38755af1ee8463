// Dense kernels of the supernodal Cholesky factorisation (internal to
// supernodal_cholesky.cc). All matrices are column-major with a leading
// dimension. The small and medium sizes that dominate pose graphs (panels of
// 3-60 columns over 10-300 rows) use register tiles written with Eigen's
// packet primitives, so they vectorise with whatever instruction set Eigen
// is compiled for and carry no call overhead; large blocks go to Eigen's
// blocked (packing) products and Cholesky.
//
// Every kernel is a fixed sequence of floating-point operations for given
// sizes: the results do not depend on the thread, the slot or the data.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "eigen.h"

namespace ariadne {
namespace supernodal_kernels {

namespace ei = Eigen::internal;

// (GCC warns that the vector types' alignment attributes do not carry into
// template arguments; only their sizes are used there.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif
using Packet = ei::packet_traits<double>::type;
using HalfPacket = ei::unpacket_traits<Packet>::half;
using QuarterPacket = ei::unpacket_traits<HalfPacket>::half;
constexpr int kPacket = ei::unpacket_traits<Packet>::size;
constexpr int kHalf = ei::unpacket_traits<HalfPacket>::size;
constexpr int kQuarter = ei::unpacket_traits<QuarterPacket>::size;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
// Register tile of the products: kTileRowPackets packets of rows by
// kTileColumns columns of C, chosen by timing the pose graphs of
// native/bench on an AVX-512 machine compiled three ways: 6 × 3 with SSE2's
// 2-double packets (16 registers; 8 % faster on city10000 than 4 × 4), and
// 2 packets × 6 with AVX2 (8 × 6) and AVX-512 (16 × 6; 12 % faster than
// 16 × 4).
constexpr int kTileRowPackets = kPacket <= 2 ? 3 : 2;
constexpr int kTileColumns = kPacket <= 2 ? 3 : 6;

// One tile: C_out(R × kCols) = C_in − A(R × k)·B(kCols × k)ᵀ with R =
// kRowPackets·size(P) rows, where B(j, t) = b[j·b_step + t·ldb]. Without
// kAccumulate, C_in is taken as zero (c_in unused).
template <typename P, int kRowPackets, int kCols, bool kAccumulate>
EIGEN_ALWAYS_INLINE void Tile(int k, const double* a, int lda, const double* b, int b_step, int ldb, const double* c_in,
                              double* c_out, int ldc) {
  constexpr int kSize = ei::unpacket_traits<P>::size;
  P acc[kCols][kRowPackets];
  for (int j = 0; j < kCols; ++j) {
    for (int r = 0; r < kRowPackets; ++r) acc[j][r] = ei::pset1<P>(0.0);
  }
  for (int t = 0; t < k; ++t) {
    P column[kRowPackets];
    for (int r = 0; r < kRowPackets; ++r) column[r] = ei::ploadu<P>(a + r * kSize + static_cast<ptrdiff_t>(t) * lda);
    const double* bt = b + static_cast<ptrdiff_t>(t) * ldb;
    for (int j = 0; j < kCols; ++j) {
      const P bj = ei::pset1<P>(bt[j * b_step]);
      for (int r = 0; r < kRowPackets; ++r) acc[j][r] = ei::pmadd(column[r], bj, acc[j][r]);
    }
  }
  for (int j = 0; j < kCols; ++j) {
    for (int r = 0; r < kRowPackets; ++r) {
      double* out = c_out + r * kSize + static_cast<ptrdiff_t>(j) * ldc;
      if (kAccumulate) {
        const double* in = c_in + r * kSize + static_cast<ptrdiff_t>(j) * ldc;
        ei::pstoreu(out, ei::psub(ei::ploadu<P>(in), acc[j][r]));
      } else {
        ei::pstoreu(out, ei::pnegate(acc[j][r]));
      }
    }
  }
}

// C_out(m × kCols) = C_in − A(m × k)·B(kCols × k)ᵀ: a column strip, rows in
// tiles of two packets, then one packet, then smaller packets and scalars.
template <int kCols, bool kAccumulate>
inline void Strip(int m, int k, const double* a, int lda, const double* b, int b_step, int ldb, const double* c_in,
                  double* c_out, int ldc) {
  int i = 0;
  for (; i + kTileRowPackets * kPacket <= m; i += kTileRowPackets * kPacket) {
    Tile<Packet, kTileRowPackets, kCols, kAccumulate>(k, a + i, lda, b, b_step, ldb, c_in + i, c_out + i, ldc);
  }
  if (kTileRowPackets > 2 && i + 2 * kPacket <= m) {
    Tile<Packet, 2, kCols, kAccumulate>(k, a + i, lda, b, b_step, ldb, c_in + i, c_out + i, ldc);
    i += 2 * kPacket;
  }
  if (i + kPacket <= m) {
    Tile<Packet, 1, kCols, kAccumulate>(k, a + i, lda, b, b_step, ldb, c_in + i, c_out + i, ldc);
    i += kPacket;
  }
  if (kHalf < kPacket && i + kHalf <= m) {
    Tile<HalfPacket, 1, kCols, kAccumulate>(k, a + i, lda, b, b_step, ldb, c_in + i, c_out + i, ldc);
    i += kHalf;
  }
  if (kQuarter < kHalf && i + kQuarter <= m) {
    Tile<QuarterPacket, 1, kCols, kAccumulate>(k, a + i, lda, b, b_step, ldb, c_in + i, c_out + i, ldc);
    i += kQuarter;
  }
  for (; i < m; ++i) Tile<double, 1, kCols, kAccumulate>(k, a + i, lda, b, b_step, ldb, c_in + i, c_out + i, ldc);
}

// Strip<cols> for a run-time cols in [1, kTileColumns].
template <bool kAccumulate>
inline void StripOf(int cols, int m, int k, const double* a, int lda, const double* b, int b_step, int ldb,
                    const double* c_in, double* c_out, int ldc) {
  switch (cols) {
#define ARIADNE_STRIP_CASE(c)                                                                     \
  case c:                                                                                         \
    if (c <= kTileColumns) Strip<c, kAccumulate>(m, k, a, lda, b, b_step, ldb, c_in, c_out, ldc); \
    break;
    ARIADNE_STRIP_CASE(1)
    ARIADNE_STRIP_CASE(2)
    ARIADNE_STRIP_CASE(3)
    ARIADNE_STRIP_CASE(4)
    ARIADNE_STRIP_CASE(5)
    ARIADNE_STRIP_CASE(6)
    ARIADNE_STRIP_CASE(7)
    ARIADNE_STRIP_CASE(8)
#undef ARIADNE_STRIP_CASE
    default:
      break;
  }
}

// C_out(m × n) = C_in − A(m × k)·B(n × k)ᵀ (c_in may equal c_out; ignored
// without kAccumulate), B(j, t) = b[j·b_step + t·ldb].
template <bool kAccumulate>
inline void SubtractProduct(int m, int n, int k, const double* a, int lda, const double* b, int b_step, int ldb,
                            const double* c_in, double* c_out, int ldc) {
  for (int j = 0; j < n; j += kTileColumns) {
    const ptrdiff_t offset = static_cast<ptrdiff_t>(j) * ldc;
    StripOf<kAccumulate>(std::min(kTileColumns, n - j), m, k, a, lda, b + j * b_step, b_step, ldb, c_in + offset,
                         c_out + offset, ldc);
  }
}

// The lower triangle (and some entries just above the diagonal, which are
// don't-cares) of C_out(n × n) = C_in − A·Aᵀ for A n × k: column strips of
// kTileColumns, each from its diagonal down.
template <bool kAccumulate>
inline void SubtractSyrkLower(int n, int k, const double* a, int lda, const double* c_in, double* c_out, int ldc) {
  for (int j = 0; j < n; j += kTileColumns) {
    const ptrdiff_t offset = j + static_cast<ptrdiff_t>(j) * ldc;
    const double* aj = a + j;
    StripOf<kAccumulate>(std::min(kTileColumns, n - j), n - j, k, aj, lda, aj, 1, lda, c_in + offset, c_out + offset,
                         ldc);
  }
}

// The sum of a packet's lanes, first to last (Eigen's predux for AVX-512
// trips GCC 12's -Wmaybe-uninitialized).
inline double LaneSum(const Packet& p) {
  double lanes[kPacket];
  ei::pstoreu(lanes, p);
  double sum = lanes[0];
  for (int i = 1; i < kPacket; ++i) sum += lanes[i];
  return sum;
}

// Σ_i a[i]·b[i], in packets (a fixed order of additions, so the same bits
// every time).
inline double Dot(int m, const double* a, const double* b) {
  if (m < 2 * kPacket) {
    double sum = 0.0;
    for (int i = 0; i < m; ++i) sum += a[i] * b[i];
    return sum;
  }
  Packet acc0 = ei::pset1<Packet>(0.0), acc1 = ei::pset1<Packet>(0.0);
  int i = 0;
  for (; i + 2 * kPacket <= m; i += 2 * kPacket) {
    acc0 = ei::pmadd(ei::ploadu<Packet>(a + i), ei::ploadu<Packet>(b + i), acc0);
    acc1 = ei::pmadd(ei::ploadu<Packet>(a + i + kPacket), ei::ploadu<Packet>(b + i + kPacket), acc1);
  }
  double sum = LaneSum(ei::padd(acc0, acc1));
  for (; i < m; ++i) sum += a[i] * b[i];
  return sum;
}

// y(n) −= Aᵀ·x for A m × n (leading dimension lda) and x of length m: four
// columns at a time, each a packet dot product, so x is loaded once per four.
inline void SubtractTransposedProduct(int m, int n, const double* a, int lda, const double* x, double* y) {
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const double* a0 = a + static_cast<ptrdiff_t>(j) * lda;
    const double* a1 = a0 + lda;
    const double* a2 = a1 + lda;
    const double* a3 = a2 + lda;
    Packet acc0 = ei::pset1<Packet>(0.0), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    int i = 0;
    for (; i + kPacket <= m; i += kPacket) {
      const Packet xi = ei::ploadu<Packet>(x + i);
      acc0 = ei::pmadd(ei::ploadu<Packet>(a0 + i), xi, acc0);
      acc1 = ei::pmadd(ei::ploadu<Packet>(a1 + i), xi, acc1);
      acc2 = ei::pmadd(ei::ploadu<Packet>(a2 + i), xi, acc2);
      acc3 = ei::pmadd(ei::ploadu<Packet>(a3 + i), xi, acc3);
    }
    double s0 = LaneSum(acc0), s1 = LaneSum(acc1), s2 = LaneSum(acc2), s3 = LaneSum(acc3);
    for (; i < m; ++i) {
      s0 += a0[i] * x[i];
      s1 += a1[i] * x[i];
      s2 += a2[i] * x[i];
      s3 += a3[i] * x[i];
    }
    y[j] -= s0;
    y[j + 1] -= s1;
    y[j + 2] -= s2;
    y[j + 3] -= s3;
  }
  for (; j < n; ++j) y[j] -= Dot(m, a + static_cast<ptrdiff_t>(j) * lda, x);
}

}  // namespace supernodal_kernels
}  // namespace ariadne
