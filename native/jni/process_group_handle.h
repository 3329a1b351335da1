// The C++ side of ai.merba.presets.NativeProcessGroup: this process's membership of a group of processes
// (distributed/process_group.h). Training sessions given it share it; it lives while any of them does. Error
// contract as in merba_jni.h.
#pragma once

#include <memory>
#include <string>

namespace merba::distributed {
class ProcessGroup;
}

namespace merba::jni {

class ProcessGroupHandle {
 public:
  // rendezvous_json: distributed/rendezvous.h's document. Blocks until every rank has joined.
  explicit ProcessGroupHandle(const std::string& rendezvous_json);
  ~ProcessGroupHandle();
  ProcessGroupHandle(const ProcessGroupHandle&) = delete;
  ProcessGroupHandle& operator=(const ProcessGroupHandle&) = delete;

  long long rank() const;
  long long world_size() const;
  void barrier();
  long long agree_on_random_id();  // rank 0's random number, on every rank (a collective)
  // The rendezvous store: small messages between ranks; get() waits for the key up to the timeout.
  void set(const std::string& key, const std::string& value);
  std::string get(const std::string& key);
  bool has(const std::string& key);  // without waiting

  const std::shared_ptr<distributed::ProcessGroup>& group() const { return group_; }

 private:
  std::shared_ptr<distributed::ProcessGroup> group_;
};

// Whether this native library was built with c10d's Gloo backend.
bool c10d_available();

}  // namespace merba::jni
