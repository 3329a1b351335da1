#include "jni/model_handle.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "checkpoint/model_checkpoint.h"
#include "jni/error_translation.h"
#include "jni/merba_jni.h"
#include "model/dgcm_loss.h"
#include "model/merba_net.h"
#include "model/model_summary.h"
#include "model/predict.h"

namespace merba::jni {

struct ModelHandle::Impl {
  model::MerbaNet net{nullptr};
};

namespace {

// Converts std::invalid_argument (config errors) into the InvalidArgument category as well.
template <typename F>
auto guarded(F&& body) -> decltype(body()) {
  return translate_errors(std::forward<F>(body));
}

}  // namespace

ModelHandle::ModelHandle(const std::string& spec_json) : impl_(std::make_unique<Impl>()) {
  guarded([&] {
    impl_->net = model::MerbaNet(model::ModelConfig::from_json(spec_json));
    return 0;
  });
}

ModelHandle::ModelHandle(const std::string& spec_json, long long seed) : ModelHandle(spec_json) {
  guarded([&] {
    model::initialize(*impl_->net, static_cast<uint64_t>(seed));
    return 0;
  });
}

ModelHandle::~ModelHandle() = default;

std::vector<at::Tensor> ModelHandle::forward(const at::Tensor& input) {
  return guarded([&] {
    model::HeadOutput out = impl_->net->forward(input);
    return std::vector<at::Tensor>{out.coarse_logits, out.fine_logits};
  });
}

std::vector<at::Tensor> ModelHandle::predict(const at::Tensor& input, bool allow_non_finite, bool mirror_average) {
  return guarded([&] {
    at::NoGradGuard no_grad;
    impl_->net->check_input(input);
    if (!allow_non_finite) {
      // One NaN makes a confident-looking prediction of garbage: refuse it, naming the sample.
      const at::Tensor finite = at::isfinite(input).flatten(1).all(1);
      TORCH_CHECK_VALUE(finite.all().item<bool>(), "input sample ", (~finite).nonzero()[0][0].item<int64_t>(),
                        " holds NaN or infinite values");
    }
    // In eval mode nothing is written, so concurrent predictions on one network in eval mode are safe (the
    // Predictor relies on it). A network in training mode switches to eval for this call and back: that
    // writes the modules' flags, so such calls must not overlap with each other or with training.
    struct EvalScope {
      model::MerbaNetImpl& net;
      bool was_training;
      explicit EvalScope(model::MerbaNetImpl& n) : net(n), was_training(n.is_training()) {
        if (was_training) net.eval();
      }
      ~EvalScope() {
        if (was_training) net.train(true);
      }
    } eval_scope{*impl_->net};
    // Inputs built on the CPU (Java arrays, decoded files) follow the network to its device.
    const auto params = impl_->net->parameters();
    const at::Tensor x = params.empty() ? input : input.to(params.front().device());
    const model::DgcmPrediction p = model::predict(*impl_->net, x, mirror_average);
    return std::vector<at::Tensor>{p.coarse_probs, p.fine_probs, p.coarse_index, p.fine_index};
  });
}

at::Tensor ModelHandle::loss(const at::Tensor& input, const at::Tensor& fine_targets) {
  return guarded([&] {
    const auto& c = impl_->net->config();
    model::check_fine_targets(fine_targets, input.size(0), c);
    return model::dgcm_loss(impl_->net->forward(input), fine_targets.to(input.device()), c);
  });
}

void ModelHandle::set_training(bool training) {
  guarded([&] {
    impl_->net->train(training);
    return 0;
  });
}

bool ModelHandle::is_training() const { return impl_->net->is_training(); }

void ModelHandle::to_device(const std::string& device) {
  guarded([&] {
    impl_->net->to(parse_device(device));
    return 0;
  });
}

std::string ModelHandle::device() const {
  const auto params = impl_->net->parameters();
  return params.empty() ? "cpu" : params.front().device().str();
}

std::vector<at::Tensor> ModelHandle::parameters() const {
  std::vector<at::Tensor> result;
  for (const auto& p : impl_->net->named_parameters()) result.push_back(p.value());
  for (const auto& b : impl_->net->named_buffers()) result.push_back(b.value());
  return result;
}

std::string ModelHandle::summary_json() const {
  return guarded([&] { return model::summary_json(*impl_->net); });
}

void ModelHandle::save(const std::string& path, const checkpoint::Metadata& metadata) {
  guarded([&] {
    checkpoint::save_model(path, *impl_->net, metadata);
    return 0;
  });
}

void ModelHandle::load(const std::string& path, bool allow_unexpected) {
  guarded([&] {
    checkpoint::load_model(path, *impl_->net, allow_unexpected);
    return 0;
  });
}

model::MerbaNet& ModelHandle::net() { return impl_->net; }


}  // namespace merba::jni
