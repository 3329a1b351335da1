// Compiled instead of process_group.cpp in builds without c10d's Gloo backend (-DMERBA_WITH_C10D=OFF, e.g. the
// GPU machine, which cannot fetch Gloo's headers): a world of one process works, anything larger is refused.
#include "distributed/process_group.h"

#include <stdexcept>

namespace merba::distributed {

struct ProcessGroup::Impl {};

bool c10d_available() { return false; }

ProcessGroup::ProcessGroup(const Rendezvous& rendezvous) : rendezvous_(rendezvous) {
  rendezvous_.validate();
  if (rendezvous_.world_size > 1) {
    throw std::invalid_argument(
        "rendezvous: world_size " + std::to_string(rendezvous_.world_size) +
        " needs c10d, and this build of the native library has none (configured with -DMERBA_WITH_C10D=OFF)");
  }
}

ProcessGroup::~ProcessGroup() = default;

// A world of one: every collective is the identity.
void ProcessGroup::all_reduce_sum(const std::vector<at::Tensor>&) {}
void ProcessGroup::broadcast(const std::vector<at::Tensor>&, int64_t) {}
void ProcessGroup::barrier() {}
int64_t ProcessGroup::agree_on_random_id() { return 0; }
void ProcessGroup::set(const std::string&, const std::string&) {
  throw std::runtime_error("distributed: this build has no c10d store");
}
std::string ProcessGroup::get(const std::string&) { throw std::runtime_error("distributed: this build has no c10d store"); }
bool ProcessGroup::has(const std::string&) { throw std::runtime_error("distributed: this build has no c10d store"); }

}  // namespace merba::distributed
