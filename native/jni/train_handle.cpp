#include "jni/train_handle.h"

#include <ATen/ATen.h>

#include "jni/error_translation.h"
#include "model/merba_net.h"
#include "train/train_session.h"

namespace merba::jni {

struct TrainHandle::Impl {
  std::unique_ptr<train::TrainSession> session;
};

TrainHandle::TrainHandle(ModelHandle& model, const std::string& options_json, long long seed)
    : impl_(std::make_unique<Impl>()) {
  translate_errors([&] {
    impl_->session = std::make_unique<train::TrainSession>(model.net(), train::TrainingOptions::from_json(options_json),
                                                           static_cast<uint64_t>(seed));
    return 0;
  });
}

TrainHandle::~TrainHandle() = default;

at::Tensor TrainHandle::step(const at::Tensor& inputs, const at::Tensor& fine_targets) {
  return translate_errors([&] {
    const train::StepResult r = impl_->session->step(inputs, fine_targets);
    return at::tensor({r.loss, static_cast<double>(r.correct), static_cast<double>(r.samples), r.learning_rate,
                       r.grad_norm},
                      at::kDouble);
  });
}

long long TrainHandle::steps_taken() const { return impl_->session->steps_taken(); }

double learning_rate_at(const std::string& options_json, long long step) {
  return translate_errors([&] { return train::learning_rate_at(train::TrainingOptions::from_json(options_json), step); });
}

}  // namespace merba::jni
