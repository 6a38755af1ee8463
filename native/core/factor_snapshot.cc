#include "factor_snapshot.h"

#include "errors.h"
#include "messages.h"
#include "thread_pool.h"

namespace ariadne {

FactorSnapshot::FactorSnapshot(int n, int threads, std::vector<uint8_t> ok, std::unique_ptr<CholeskyFactors> factors)
    : n_(n), threads_(threads), ok_(std::move(ok)), factors_(std::move(factors)) {}

int64_t FactorSnapshot::memory_bytes() const { return factors_->memory_bytes() + static_cast<int64_t>(ok_.size()); }

void FactorSnapshot::Solve(Span<const double> rhs, int64_t k, double* out) {
  const int batch = this->batch();
  CheckSolveArguments("FactorSnapshot.solve", rhs, k, batch, n_, threads_);
  const int64_t per_element = k * n_;
  ParallelFor(batch, threads_, [&](int b, int slot) {
    if (!ok_[b]) return;
    factors_->Solve(b, rhs.data + b * per_element, static_cast<int>(k), out + b * per_element, slot);
  });
  FillNaNWhereNotOk(ok_, per_element, out);
}

void FactorSnapshot::Keep(Span<const uint8_t> keep) {
  if (keep.size != batch()) {
    throw RangeArgumentError(MustBe("FactorSnapshot.keep", "elements",
                                    Concat(batch(), " flags (one per batch element)"), Concat("length ", keep.size)));
  }
  for (int b = 0; b < batch(); ++b) {
    if (keep.data[b] || !ok_[b]) continue;
    ok_[b] = 0;
    factors_->Release(b);
  }
}

}  // namespace ariadne
