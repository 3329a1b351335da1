// A group of processes that train or evaluate together, over PyTorch's own c10d engine: a TCPStore (or
// FileStore) for the rendezvous and small messages, ProcessGroupGloo for the collectives on CPU tensors. This
// class only wires c10d; every failure (a peer gone, a timeout) leaves as a std::runtime_error naming this rank,
// the operation and c10d's reason.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "distributed/rendezvous.h"

namespace merba::distributed {

class ProcessGroup {
 public:
  // Blocks until all world_size ranks have joined (or the timeout passes). Without c10d in the build
  // (-DMERBA_WITH_C10D=OFF) a world size above 1 is refused.
  explicit ProcessGroup(const Rendezvous& rendezvous);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int64_t rank() const { return rendezvous_.rank; }
  int64_t world_size() const { return rendezvous_.world_size; }
  const Rendezvous& rendezvous() const { return rendezvous_; }

  // Sums the tensors over the ranks, in place. Contiguous CPU tensors, the same list on every rank. Tensors are
  // packed into buckets of one dtype and at most kBucketBytes (as DistributedDataParallel's bucket_cap_mb), one
  // collective per bucket.
  void all_reduce_sum(const std::vector<at::Tensor>& tensors);
  // Copies rank `root`'s values of the tensors into every rank's, bucketed the same way.
  void broadcast(const std::vector<at::Tensor>& tensors, int64_t root);
  // Returns when every rank has called it.
  void barrier();
  // A random number rank 0 draws and every rank receives (a collective): names one run's messages in a store that
  // may hold an earlier run's (a store file left by a crash).
  int64_t agree_on_random_id();

  // The rendezvous store, for small messages between ranks (e.g. a fold's predictions). get() waits for the
  // key up to the timeout.
  void set(const std::string& key, const std::string& value);
  std::string get(const std::string& key);
  bool has(const std::string& key);  // without waiting

  static constexpr size_t kBucketBytes = 25u << 20;

 private:
  struct Impl;
  Rendezvous rendezvous_;
  std::unique_ptr<Impl> impl_;
};

// Whether this build carries c10d's Gloo backend (multi-process groups).
bool c10d_available();

}  // namespace merba::distributed
