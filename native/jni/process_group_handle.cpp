#include "jni/process_group_handle.h"

#include "distributed/process_group.h"
#include "jni/error_translation.h"

namespace merba::jni {

ProcessGroupHandle::ProcessGroupHandle(const std::string& rendezvous_json) {
  translate_errors([&] {
    group_ = std::make_shared<distributed::ProcessGroup>(distributed::Rendezvous::from_json(rendezvous_json));
    return 0;
  });
}

ProcessGroupHandle::~ProcessGroupHandle() = default;

long long ProcessGroupHandle::rank() const { return group_->rank(); }
long long ProcessGroupHandle::world_size() const { return group_->world_size(); }

void ProcessGroupHandle::barrier() {
  translate_errors([&] {
    group_->barrier();
    return 0;
  });
}

long long ProcessGroupHandle::agree_on_random_id() {
  return translate_errors([&] { return static_cast<long long>(group_->agree_on_random_id()); });
}

void ProcessGroupHandle::set(const std::string& key, const std::string& value) {
  translate_errors([&] {
    group_->set(key, value);
    return 0;
  });
}

std::string ProcessGroupHandle::get(const std::string& key) {
  return translate_errors([&] { return group_->get(key); });
}

bool ProcessGroupHandle::has(const std::string& key) {
  return translate_errors([&] { return group_->has(key); });
}

bool c10d_available() { return distributed::c10d_available(); }

}  // namespace merba::jni
