// Compiled with c10d's Gloo backend (USE_C10D_GLOO and Gloo's headers, see cmake/GlooHeaders.cmake).
#include "distributed/process_group.h"

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <cstdlib>
#include <random>
#include <sstream>
#include <stdexcept>

#include "distributed/buckets.h"

namespace merba::distributed {

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
};

namespace {

// c10d's messages carry a C++ backtrace after the first line; the reason is the first line.
std::string reason(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10_error != nullptr ? c10_error->what_without_backtrace() : e.what();
  const auto newline = text.find('\n');
  return newline == std::string::npos ? text : text.substr(0, newline);
}

template <typename F>
auto guarded(const Rendezvous& r, const std::string& what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    throw std::runtime_error("distributed: rank " + std::to_string(r.rank) + " of " + std::to_string(r.world_size) +
                             ": " + what + " failed (a peer process may have exited or stalled): " + reason(e));
  }
}

}  // namespace

bool c10d_available() { return true; }

ProcessGroup::ProcessGroup(const Rendezvous& rendezvous) : rendezvous_(rendezvous), impl_(std::make_unique<Impl>()) {
  rendezvous_.validate();
  const std::chrono::milliseconds timeout(rendezvous_.timeout_ms);
  guarded(rendezvous_, "the rendezvous", [&] {
    if (!rendezvous_.store_path.empty()) {
      impl_->store = c10::make_intrusive<c10d::FileStore>(rendezvous_.store_path, static_cast<int>(rendezvous_.world_size));
      impl_->store->setTimeout(timeout);
    } else {
      c10d::TCPStoreOptions options;
      options.port = static_cast<std::uint16_t>(rendezvous_.master_port);
      options.isServer = rendezvous_.rank == 0;
      options.numWorkers = static_cast<std::size_t>(rendezvous_.world_size);
      options.waitWorkers = true;
      options.timeout = timeout;
      impl_->store = c10::make_intrusive<c10d::TCPStore>(rendezvous_.master_addr, options);
    }
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // As PyTorch does: the interfaces GLOO_SOCKET_IFNAME lists, comma-separated (machines with several networks),
    // else the address this host's name resolves to, else loopback.
    const char* interfaces = std::getenv("GLOO_SOCKET_IFNAME");
    std::stringstream names(interfaces != nullptr ? interfaces : "");
    for (std::string name; std::getline(names, name, ',');) {
      if (!name.empty()) options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
    }
    if (options->devices.empty()) options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    options->threads = 1;
    impl_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, static_cast<int>(rendezvous_.rank),
                                                              static_cast<int>(rendezvous_.world_size), options);
    return 0;
  });
}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::all_reduce_sum(const std::vector<at::Tensor>& tensors) {
  guarded(rendezvous_, "all-reduce", [&] {
    for_each_bucket(tensors, kBucketBytes, [&](at::Tensor& bucket) {
      std::vector<at::Tensor> one{bucket};
      c10d::AllreduceOptions options;
      options.reduceOp = c10d::ReduceOp::SUM;
      impl_->gloo->allreduce(one, options)->wait();
    });
    return 0;
  });
}

void ProcessGroup::broadcast(const std::vector<at::Tensor>& tensors, int64_t root) {
  TORCH_CHECK_VALUE(root >= 0 && root < rendezvous_.world_size, "broadcast root ", root, " is not a rank");
  guarded(rendezvous_, "broadcast", [&] {
    for_each_bucket(tensors, kBucketBytes, [&](at::Tensor& bucket) {
      std::vector<at::Tensor> one{bucket};
      c10d::BroadcastOptions options;
      options.rootRank = root;
      impl_->gloo->broadcast(one, options)->wait();
    });
    return 0;
  });
}

void ProcessGroup::barrier() {
  guarded(rendezvous_, "barrier", [&] {
    impl_->gloo->barrier()->wait();
    return 0;
  });
}

int64_t ProcessGroup::agree_on_random_id() {
  at::Tensor id = at::zeros({1}, at::kLong);
  if (rendezvous_.rank == 0) {
    std::random_device entropy;
    id[0] = static_cast<int64_t>((static_cast<uint64_t>(entropy()) << 31) ^ entropy()) & 0x7fffffffffffffffLL;
  }
  broadcast({id}, 0);
  return id.item<int64_t>();
}

void ProcessGroup::set(const std::string& key, const std::string& value) {
  guarded(rendezvous_, "store set '" + key + "'", [&] {
    impl_->store->set(key, std::vector<uint8_t>(value.begin(), value.end()));
    return 0;
  });
}

std::string ProcessGroup::get(const std::string& key) {
  return guarded(rendezvous_, "store get '" + key + "'", [&] {
    const std::vector<uint8_t> value = impl_->store->get(key);
    return std::string(value.begin(), value.end());
  });
}

bool ProcessGroup::has(const std::string& key) {
  return guarded(rendezvous_, "store check '" + key + "'", [&] { return impl_->store->check({key}); });
}

}  // namespace merba::distributed
