#include "jni/train_handle.h"

#include <ATen/ATen.h>

#include "checkpoint/checkpoint.h"
#include "checkpoint/checkpoint_error.h"
#include "jni/error_translation.h"
#include "model/merba_net.h"
#include "train/train_session.h"

namespace merba::jni {

struct TrainHandle::Impl {
  std::unique_ptr<train::TrainSession> session;
  std::string options_json;
  long long world_size = 1;
};

namespace {
constexpr const char* kOptionsKey = "options";
constexpr const char* kStepKey = "step";
// The number of data-parallel shards of a step follows LibTorch's thread count, and with it the drawing of
// the shards' seeds and BatchNorm's split of the batch: a resumed run must use the same count.
constexpr const char* kThreadsKey = "threads";
// Likewise the number of processes a global batch is split across (absent in files of single-process runs).
constexpr const char* kWorldSizeKey = "world_size";
}  // namespace

TrainHandle::TrainHandle(ModelHandle& model, const std::string& options_json, long long seed)
    : impl_(std::make_unique<Impl>()) {
  translate_errors([&] {
    impl_->session = std::make_unique<train::TrainSession>(model.net(), train::TrainingOptions::from_json(options_json),
                                                           static_cast<uint64_t>(seed));
    impl_->options_json = options_json;
    return 0;
  });
}

TrainHandle::TrainHandle(ModelHandle& model, const std::string& options_json, long long seed,
                         ProcessGroupHandle& group)
    : impl_(std::make_unique<Impl>()) {
  translate_errors([&] {
    impl_->session = std::make_unique<train::TrainSession>(model.net(), train::TrainingOptions::from_json(options_json),
                                                           static_cast<uint64_t>(seed), group.group());
    impl_->options_json = options_json;
    impl_->world_size = group.world_size();
    return 0;
  });
}

TrainHandle::~TrainHandle() = default;

train::StepResult TrainHandle::step(const at::Tensor& inputs, const at::Tensor& fine_targets,
                                    const at::Tensor& zero_levels, long long share_offset, long long global_size) {
  return translate_errors([&] {
    return impl_->session->step(inputs, fine_targets, zero_levels, train::BatchRows{share_offset, global_size});
  });
}

long long TrainHandle::steps_taken() const { return impl_->session->steps_taken(); }

bool TrainHandle::has_weight_average() const { return impl_->session->has_weight_average(); }

void TrainHandle::swap_weight_average() {
  translate_errors([&] {
    impl_->session->swap_weight_average();
    return 0;
  });
}

void TrainHandle::save_state(const std::string& path, const checkpoint::Metadata& saved) {
  translate_errors([&] {
    checkpoint::Metadata metadata = saved;
    metadata[kOptionsKey] = impl_->options_json;
    metadata[kStepKey] = std::to_string(impl_->session->steps_taken());
    metadata[kThreadsKey] = std::to_string(at::get_num_threads());
    metadata[kWorldSizeKey] = std::to_string(impl_->world_size);
    checkpoint::write_checkpoint(path, checkpoint::kTrainingStateFormat, impl_->session->state(), metadata);
    return 0;
  });
}

checkpoint::Metadata TrainHandle::load_state(const std::string& path) {
  return translate_errors([&] {
    checkpoint::SafetensorsFile file = checkpoint::open_checkpoint(path, checkpoint::kTrainingStateFormat);
    const auto options = file.metadata().find(kOptionsKey);
    if (options == file.metadata().end() || options->second != impl_->options_json) {
      throw checkpoint::CheckpointError(
          checkpoint::CheckpointErrorKind::StateMismatch,
          path + ": saved by a training run with other options (epochs, batches, learning rate, ...); resume with "
                 "the configuration and data of that run.\n  saved:   " +
              (options == file.metadata().end() ? std::string("(none)") : options->second) +
              "\n  current: " + impl_->options_json);
    }
    const auto threads = file.metadata().find(kThreadsKey);
    if (threads == file.metadata().end() || threads->second != std::to_string(at::get_num_threads())) {
      throw checkpoint::CheckpointError(
          checkpoint::CheckpointErrorKind::StateMismatch,
          path + ": saved by a run with " + (threads == file.metadata().end() ? std::string("?") : threads->second) +
              " native threads, this one has " + std::to_string(at::get_num_threads()) +
              " (they decide how a batch is split across threads); resume with the same thread count");
    }
    const auto world = file.metadata().find(kWorldSizeKey);
    const std::string saved_world = world == file.metadata().end() ? "1" : world->second;
    if (saved_world != std::to_string(impl_->world_size)) {
      throw checkpoint::CheckpointError(
          checkpoint::CheckpointErrorKind::StateMismatch,
          path + ": saved by a run of " + saved_world + " process(es), this one has " +
              std::to_string(impl_->world_size) + " (they decide how a global batch is split); resume with the same "
              "world size");
    }
    const checkpoint::NamedTensors state = impl_->session->state_template();
    checkpoint::load_tensors(file, state, /*allow_unexpected=*/false);
    impl_->session->restore_state(state);
    return file.metadata();
  });
}

checkpoint::Metadata read_training_state_metadata(const std::string& path) {
  return translate_errors([&] { return checkpoint::open_checkpoint(path, checkpoint::kTrainingStateFormat).metadata(); });
}

double learning_rate_at(const std::string& options_json, long long step) {
  return translate_errors([&] { return train::learning_rate_at(train::TrainingOptions::from_json(options_json), step); });
}

}  // namespace merba::jni
