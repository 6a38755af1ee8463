#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace ariadne {
namespace {

// One ParallelFor call. Lives on the caller's stack; the caller does not
// return before every helper that picked it up has left it.
struct Job {
  const std::function<void(int, int)>* fn;
  int count;
  std::atomic<int> next_item{0};
  std::atomic<int> next_slot{1};  // slot 0 is the caller's
  std::mutex mutex;
  std::condition_variable helpers_done;
  int running_helpers = 0;  // guarded by the pool's queue mutex, see Pool
  int failed_item = -1;     // guarded by mutex
  std::exception_ptr failure;

  void Run(int slot) {
    for (;;) {
      const int item = next_item.fetch_add(1, std::memory_order_relaxed);
      if (item >= count) return;
      try {
        (*fn)(item, slot);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (failed_item < 0 || item < failed_item) {
          failed_item = item;
          failure = std::current_exception();
        }
        next_item.store(count, std::memory_order_relaxed);  // stop the others early
      }
    }
  }
};

class Pool {
 public:
  // Leaked on purpose: helpers wait forever and the process may exit at any
  // time, so the pool is never destroyed (no join at exit).
  static Pool& Instance() {
    static Pool* pool = new Pool();
    return *pool;
  }

  void Run(Job& job, int helpers) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      GrowTo(helpers);
      for (int i = 0; i < helpers; ++i) tickets_.push_back(&job);
    }
    wake_.notify_all();
    job.Run(0);
    std::unique_lock<std::mutex> lock(mutex_);
    // Tickets nobody picked up are withdrawn; then wait for those that were.
    tickets_.erase(std::remove(tickets_.begin(), tickets_.end(), &job), tickets_.end());
    helpers_idle_.wait(lock, [&] { return job.running_helpers == 0; });
  }

 private:
  void GrowTo(int helpers) {
    for (; helper_count_ < helpers; ++helper_count_) std::thread([this] { HelperLoop(); }).detach();
  }

  void HelperLoop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return !tickets_.empty(); });
      Job* job = tickets_.front();
      tickets_.pop_front();
      ++job->running_helpers;
      lock.unlock();
      job->Run(job->next_slot.fetch_add(1, std::memory_order_relaxed));
      lock.lock();
      if (--job->running_helpers == 0) helpers_idle_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable helpers_idle_;
  std::deque<Job*> tickets_;
  int helper_count_ = 0;
};

}  // namespace

int HardwareThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void ParallelFor(int count, int max_threads, const std::function<void(int, int)>& fn) {
  if (count <= 0) return;
  const int threads = std::max(1, std::min(max_threads, count));
  Job job;
  job.fn = &fn;
  job.count = count;
  if (threads == 1) {
    job.Run(0);
  } else {
    Pool::Instance().Run(job, threads - 1);
  }
  if (job.failure) std::rethrow_exception(job.failure);
}

}  // namespace ariadne
