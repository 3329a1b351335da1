// Packing many small tensors into few flat ones for collectives, as DistributedDataParallel's buckets do: each
// bucket holds consecutive tensors of one dtype, at most a byte budget (a single larger tensor gets its own).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <functional>
#include <vector>

namespace merba::distributed {

// Calls `collective` on one flat tensor per bucket and copies the result back into the tensors.
void for_each_bucket(const std::vector<at::Tensor>& tensors, size_t bucket_bytes,
                     const std::function<void(at::Tensor&)>& collective);

}  // namespace merba::distributed
