// Checkpoint files: the safetensors layout, atomic writes, every validation failure (each with its kind and
// nothing loaded), and resuming a training session from its saved state.
#include <ATen/ATen.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "checkpoint/checkpoint.h"
#include "checkpoint/checkpoint_error.h"
#include "checkpoint/model_checkpoint.h"
#include "model/merba_net.h"
#include "support/tensor_checks.h"
#include "train/train_session.h"
#include "util/json.h"

using namespace merba;
using checkpoint::CheckpointError;
using checkpoint::CheckpointErrorKind;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("merba-checkpoint-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

model::ModelConfig small_config() {
  model::ModelConfig c = model::composite_28();
  c.dims = {8, 16, 16};
  c.heads = {1, 1, 1};
  return c;
}

model::MerbaNet small_net(uint64_t seed, model::ModelConfig c = small_config()) {
  model::MerbaNet net(c);
  model::initialize(*net, seed);
  return net;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The header JSON of a file, parsed independently of SafetensorsFile.
util::Json header_of(const std::string& bytes) {
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  return util::Json::parse(bytes.substr(8, n));
}

// A copy of `bytes` whose header is `header` (data section unchanged).
// The file `bytes` with its header replaced by `text` (any text: forged JSON included), the length prefix fixed.
std::string with_header_text(const std::string& bytes, const std::string& text) {
  uint64_t old = 0;
  std::memcpy(&old, bytes.data(), 8);
  const uint64_t n = text.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + text + bytes.substr(8 + old);
}

std::string with_header(const std::string& bytes, const util::Json& header) {
  return with_header_text(bytes, header.dump());
}

bool same_tensors(torch::nn::Module& a, torch::nn::Module& b) {
  const auto ta = checkpoint::module_tensors(a), tb = checkpoint::module_tensors(b);
  if (ta.size() != tb.size()) return false;
  for (size_t i = 0; i < ta.size(); ++i) {
    if (ta[i].first != tb[i].first || !at::equal(ta[i].second, tb[i].second)) return false;
  }
  return true;
}

// Expects `body` to throw CheckpointError of `kind` with `substring` in the message.
template <typename F>
void expect_checkpoint_error(F&& body, CheckpointErrorKind kind, const std::string& substring, int line) {
  try {
    body();
  } catch (const CheckpointError& e) {
    if (e.kind() != kind) {
      test::fail(__FILE__, line, std::string("expected ") + checkpoint::kind_name(kind) + ", got " +
                                     checkpoint::kind_name(e.kind()) + ": " + e.what());
    }
    if (std::string(e.what()).find(substring) == std::string::npos) {
      test::fail(__FILE__, line, "message lacks '" + substring + "': " + e.what());
    }
    return;
  }
  test::fail(__FILE__, line, std::string("expected CheckpointError ") + checkpoint::kind_name(kind));
}
#define EXPECT_CHECKPOINT_ERROR(expr, kind, substring) \
  expect_checkpoint_error([&] { expr; }, CheckpointErrorKind::kind, substring, __LINE__)

const checkpoint::Metadata kMetadata{{"config", "{\"dims\":[8,16,16]}"}, {"labels", "{\"name\":\"megc-3\"}"}};

}  // namespace

TEST(a_saved_model_loads_into_another_network_exactly) {
  TempDir dir;
  model::MerbaNet a = small_net(1), b = small_net(2);
  // Non-trivial buffers too: running statistics after a training-mode forward.
  a->train();
  a->forward(at::rand({4, 3, 28, 28}));
  EXPECT_TRUE(!same_tensors(*a, *b));
  checkpoint::save_model(dir.file("m.safetensors"), *a, kMetadata);
  checkpoint::load_model(dir.file("m.safetensors"), *b, false);
  EXPECT_TRUE(same_tensors(*a, *b));
  const checkpoint::Metadata m = checkpoint::read_model_metadata(dir.file("m.safetensors"));
  EXPECT_EQ(m.at("format"), std::string("merba"));
  EXPECT_EQ(m.at("format_version"), std::string("1"));
  EXPECT_EQ(m.at("config"), kMetadata.at("config"));
  EXPECT_EQ(m.at("labels"), kMetadata.at("labels"));
}

TEST(the_file_follows_the_safetensors_layout) {
  TempDir dir;
  model::MerbaNet a = small_net(1);
  checkpoint::save_model(dir.file("m.safetensors"), *a, kMetadata);
  const std::string bytes = read_bytes(dir.file("m.safetensors"));
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ((8 + n) % 8, uint64_t(0));  // data 8-byte aligned
  const util::Json header = header_of(bytes);
  uint64_t data_bytes = 0;
  size_t tensors = 0;
  for (const auto& [name, t] : checkpoint::module_tensors(*a)) {
    const util::Json& entry = header.at(name);
    EXPECT_EQ(entry.at("dtype").as_string("dtype"), std::string(t.scalar_type() == at::kLong ? "I64" : "F32"));
    const auto shape = util::int_list(entry, "shape");
    EXPECT_TRUE(c10::IntArrayRef(shape) == t.sizes());
    const auto offsets = util::int_list(entry, "data_offsets");
    EXPECT_EQ(static_cast<uint64_t>(offsets[1] - offsets[0]), static_cast<uint64_t>(t.nbytes()));
    // The bytes at the offsets are the tensor's.
    EXPECT_TRUE(std::memcmp(bytes.data() + 8 + n + offsets[0], t.contiguous().data_ptr(), t.nbytes()) == 0);
    data_bytes += t.nbytes();
    ++tensors;
  }
  EXPECT_EQ(header.as_object("header").size(), tensors + 1);  // + __metadata__
  EXPECT_EQ(static_cast<uint64_t>(bytes.size()), 8 + n + data_bytes);
  EXPECT_TRUE(header.at("stages.0.blocks.0.mixers.0.A_log").is_object());
  EXPECT_TRUE(header.at("norm.running_mean").is_object());
}

TEST(writing_is_atomic_and_leaves_no_temporary_files) {
  TempDir dir;
  model::MerbaNet a = small_net(1), b = small_net(2);
  const std::string path = dir.file("m.safetensors");
  checkpoint::save_model(path, *a, kMetadata);
  const std::string before = read_bytes(path);
  // A write that fails half-way (a tensor of a dtype safetensors cannot hold, after valid ones): the old
  // file stays, and no temporary file is left behind.
  checkpoint::NamedTensors bad = checkpoint::module_tensors(*b);
  bad.emplace_back("complex", at::zeros({2}, at::kComplexFloat));
  EXPECT_CHECKPOINT_ERROR(checkpoint::write_checkpoint(path, checkpoint::kModelFormat, bad, kMetadata), WrongDtype,
                          "no safetensors name");
  EXPECT_TRUE(read_bytes(path) == before);
  checkpoint::save_model(path, *b, kMetadata);  // overwriting works
  EXPECT_TRUE(read_bytes(path) != before);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, size_t(1));
  EXPECT_CHECKPOINT_ERROR(checkpoint::save_model(dir.file("no/such/dir/m.safetensors"), *a, kMetadata), NotFound,
                          "does not exist");
  EXPECT_CHECKPOINT_ERROR(checkpoint::save_model(dir.path.string(), *a, kMetadata), NotAFile, "is a directory");
}

TEST(every_damaged_or_mismatched_file_is_refused_before_anything_is_loaded) {
  TempDir dir;
  model::MerbaNet a = small_net(1), target = small_net(2), untouched = small_net(2);
  const std::string good = dir.file("good.safetensors");
  checkpoint::save_model(good, *a, kMetadata);
  const std::string bytes = read_bytes(good);
  const util::Json header = header_of(bytes);
  auto variant = [&](const std::string& name, const std::string& content) {
    write_bytes(dir.file(name), content);
    return dir.file(name);
  };
  auto edited = [&](const std::string& name, auto&& edit) {
    util::Json::Object h = header.as_object("header");
    edit(h);
    return variant(name, with_header(bytes, util::Json(h)));
  };
  auto entry_with = [&](const util::Json& entry, const std::string& key, util::Json value) {
    util::Json::Object e = entry.as_object("entry");
    e[key] = std::move(value);
    return util::Json(e);
  };
  auto with_metadata = [&](const std::string& name, const std::string& key, const std::string& value) {
    return edited(name, [&](auto& h) {
      util::Json::Object m = h["__metadata__"].as_object("m");
      m[key] = util::Json(value);
      h["__metadata__"] = util::Json(m);
    });
  };
  auto written = [&](const std::string& name, const checkpoint::NamedTensors& tensors) {
    checkpoint::write_checkpoint(dir.file(name), checkpoint::kModelFormat, tensors, kMetadata);
    return dir.file(name);
  };
  auto with_tensor = [&](const std::string& tensor, at::Tensor value) {
    checkpoint::NamedTensors tensors = checkpoint::module_tensors(*a);
    for (auto& [n, t] : tensors) {
      if (n == tensor) t = value;
    }
    return tensors;
  };
  auto net_with = [&](auto&& change) {
    model::ModelConfig c = small_config();
    change(c);
    return small_net(3, c);
  };
  const std::string weight = "head.coarse.weight";

  struct Case {
    std::string name;
    std::function<std::string()> file;  // makes the file to load
    CheckpointErrorKind kind;
    std::string message;
  };
  const std::vector<Case> cases{
      {"absent", [&] { return dir.file("absent.safetensors"); }, CheckpointErrorKind::NotFound, "no such file"},
      {"directory", [&] { return dir.path.string(); }, CheckpointErrorKind::NotAFile, "is a directory"},
      {"tiny", [&] { return variant("tiny", "abc"); }, CheckpointErrorKind::Truncated, "too short"},
      {"cut data", [&] { return variant("cut", bytes.substr(0, bytes.size() - 100)); }, CheckpointErrorKind::Truncated,
       "holds only"},
      {"cut header", [&] { return variant("cut-header", bytes.substr(0, 40)); }, CheckpointErrorKind::Truncated,
       "header length"},
      {"flipped length byte",
       [&] {
         std::string b = bytes;
         b[6] = static_cast<char>(0x7f);
         return variant("flip-length", b);
       },
       CheckpointErrorKind::BadHeader, "implausible"},
      {"flipped JSON byte",
       [&] {
         std::string b = bytes;
         b[8] = static_cast<char>(b[8] ^ 0x5a);  // the opening '{'
         return variant("flip-json", b);
       },
       CheckpointErrorKind::BadHeader, "not valid JSON"},
      {"invalid \\u escape in the header",
       [&] {
         const std::string text = header.dump();
         const size_t at = text.find("\"merba\"");  // __metadata__.format
         return variant("escape",
                        with_header_text(bytes, text.substr(0, at) + "\"mer\\u12zzba\"" + text.substr(at + 7)));
       },
       CheckpointErrorKind::BadHeader, "four hex digits"},
      {"a shape written with a fraction",
       [&] {
         // The header as text with head.coarse.weight's shape [3, 16] written [3.0, 16] (valid JSON, not a usize).
         util::Json::Object h = header.as_object("header");
         h[weight] = entry_with(h[weight], "shape", "SHAPE");
         std::string text = util::Json(h).dump();
         text.replace(text.find("\"SHAPE\""), 7, "[3.0,16]");
         return variant("fraction", with_header_text(bytes, text));
       },
       CheckpointErrorKind::BadHeader, "shape[0] must be an integer (no fraction or exponent)"},
      {"an empty tensor inside another's bytes",
       [&] {
         return edited("empty-inside", [&](auto& h) {
           h["z.empty"] = util::Json(util::Json::Object{
               {"dtype", "F32"}, {"shape", util::Json::Array{0}}, {"data_offsets", util::Json::Array{4, 4}}});
         });
       },
       CheckpointErrorKind::BadOffsets, "empty tensor 'z.empty' is placed at data byte 4, inside"},
      {"unknown dtype", [&] { return edited("unknown-dtype", [&](auto& h) { h[weight] = entry_with(h[weight], "dtype", "F12"); }); },
       CheckpointErrorKind::BadHeader, "unknown dtype 'F12'"},
      {"offsets of another size",
       [&] { return edited("offsets-size", [&](auto& h) { h[weight] = entry_with(h[weight], "shape", util::Json::Array{3, 7}); }); },
       CheckpointErrorKind::BadOffsets, "bytes but its dtype and shape need"},
      {"overlapping tensors",
       [&] {
         return edited("overlap", [&](auto& h) {
           h["norm.bias"] = entry_with(h["norm.bias"], "data_offsets", h["norm.weight"].at("data_offsets"));
         });
       },
       CheckpointErrorKind::BadOffsets, "overlap"},
      {"trailing bytes", [&] { return variant("trailing", bytes + std::string(16, '\0')); },
       CheckpointErrorKind::BadOffsets, "16 bytes after the last tensor's data belong to no tensor"},
      {"a gap between tensors",
       [&] { return edited("gap", [&](auto& h) { h.erase("norm.bias"); }); },
       CheckpointErrorKind::BadOffsets, "belong to no tensor"},
      {"missing tensor", [&] { return written("missing", [&] {
         checkpoint::NamedTensors t = checkpoint::module_tensors(*a);
         t.erase(std::remove_if(t.begin(), t.end(), [](const auto& e) { return e.first == "stem.conv1.weight"; }), t.end());
         return t;
       }()); },
       CheckpointErrorKind::MissingKey, "'stem.conv1.weight' is missing"},
      {"wrong dtype", [&] { return written("dtype", with_tensor("norm.weight", at::ones({16}, at::kInt))); },
       CheckpointErrorKind::WrongDtype, "'norm.weight' is I32, expected F32"},
      {"head stored as F16 (not another label scheme)",
       [&] { return written("head-f16", with_tensor(weight, at::zeros({3, 16}, at::kHalf))); },
       CheckpointErrorKind::WrongDtype, "'head.coarse.weight' is F16, expected F32"},
      {"head flattened to 1-D (not another label scheme)",
       [&] { return written("head-flat", with_tensor(weight, at::zeros({48}))); }, CheckpointErrorKind::WrongShape,
       "'head.coarse.weight' has shape [48]"},
      {"wrong shape", [&] {
         checkpoint::save_model(dir.file("shape.safetensors"), *net_with([](auto& c) { c.dims = {8, 16, 24}; }), kMetadata);
         return dir.file("shape.safetensors");
       },
       CheckpointErrorKind::WrongShape, "has shape"},
      {"unexpected tensor", [&] {
         checkpoint::NamedTensors t = checkpoint::module_tensors(*a);
         t.emplace_back("extra.weight", at::zeros({2}));
         return written("extra", t);
       },
       CheckpointErrorKind::UnexpectedKey, "unexpected tensor 'extra.weight'"},
      {"another label scheme", [&] {
         checkpoint::save_model(dir.file("labels.safetensors"), *net_with([](auto& c) {
           c.num_coarse = 2;
           c.fine_to_coarse = {0, 1};
         }), kMetadata);
         return dir.file("labels.safetensors");
       },
       CheckpointErrorKind::LabelsMismatch, "'head.coarse.weight' has 2 classes in the weights but the label scheme gives it 3"},
      {"NaN weights",
       [&] {
         at::Tensor w = a->named_parameters()["stem.conv1.weight"].detach().clone();
         w.view(-1)[5] = std::numeric_limits<float>::quiet_NaN();
         return written("nan", with_tensor("stem.conv1.weight", w));
       },
       CheckpointErrorKind::NonFinite, "'stem.conv1.weight' holds NaN or infinite values"},
      {"infinite buffer",
       [&] { return written("inf", with_tensor("norm.running_var", at::full({16}, INFINITY))); },
       CheckpointErrorKind::NonFinite, "'norm.running_var'"},
      {"newer version", [&] { return with_metadata("version", "format_version", "2"); },
       CheckpointErrorKind::UnsupportedVersion, "format_version '2' is not supported"},
      {"version as text", [&] { return with_metadata("version-text", "format_version", "one"); },
       CheckpointErrorKind::UnsupportedVersion, "'one'"},
      {"another format", [&] { return with_metadata("format", "format", "pytorch"); }, CheckpointErrorKind::NotMerba,
       "'pytorch'"},
  };
  FOR_EACH_CASE(cases, [&](const Case& c) {
    const std::string path = c.file();
    expect_checkpoint_error([&] { checkpoint::load_model(path, *target, false); }, c.kind, c.message, __LINE__);
    EXPECT_TRUE(same_tensors(*target, *untouched));  // refused before anything was loaded
  });

  // An unexpected tensor is accepted when explicitly allowed.
  model::MerbaNet lenient = small_net(2);
  checkpoint::load_model(dir.file("extra"), *lenient, /*allow_unexpected=*/true);
  EXPECT_TRUE(same_tensors(*lenient, *a));
}

TEST(a_resumed_training_run_matches_an_uninterrupted_one) {
  // Once with spec §5's step, once with the recipe switches that keep state or draw random numbers: mixup,
  // the weight average, label smoothing, and per-sample zero levels for the augmentation.
  for (bool recipe : {false, true}) {
    TempDir dir;
    train::TrainingOptions o;
    o.learning_rate = 2e-3;
    o.total_steps = 8;
    o.warmup_steps = 2;
    if (recipe) {
      o.mixup_alpha = 0.4;
      o.ema_decay = 0.9;
      o.label_smoothing = 0.1;
    }
    at::manual_seed(0);
    const at::Tensor x = at::rand({16, 3, 28, 28});
    const at::Tensor y = at::tensor(std::vector<int64_t>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0});
    const at::Tensor zeros = recipe ? at::rand({16, 3}) : at::Tensor();

    // Uninterrupted: 8 steps.
    model::MerbaNet full = small_net(5);
    train::TrainSession full_session(full, o, 11);
    for (int i = 0; i < 8; ++i) full_session.step(x, y, zeros);

    // Interrupted after 4 steps: the training state (weights included) saved, then a new network with other
    // weights and a new session continue from that one file.
    model::MerbaNet first = small_net(5);
    train::TrainSession first_session(first, o, 11);
    for (int i = 0; i < 4; ++i) first_session.step(x, y, zeros);
    checkpoint::save_model(dir.file("run.safetensors"), *first, kMetadata);
    checkpoint::write_checkpoint(dir.file("run.train.safetensors"), checkpoint::kTrainingStateFormat,
                                 first_session.state(), {});

    model::MerbaNet resumed = small_net(99);
    train::TrainSession resumed_session(resumed, o, 12345);  // another seed: the saved generator state wins
    checkpoint::SafetensorsFile state_file =
        checkpoint::open_checkpoint(dir.file("run.train.safetensors"), checkpoint::kTrainingStateFormat);
    const checkpoint::NamedTensors state = resumed_session.state_template();
    checkpoint::load_tensors(state_file, state, false);
    resumed_session.restore_state(state);
    EXPECT_EQ(resumed_session.steps_taken(), int64_t(4));
    for (int i = 0; i < 4; ++i) resumed_session.step(x, y, zeros);

    auto expect_same = [](const model::MerbaNet& expected, const model::MerbaNet& actual, const std::string& what) {
      const auto a = checkpoint::module_tensors(*expected), b = checkpoint::module_tensors(*actual);
      for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].second.is_floating_point()) {
          EXPECT_CLOSE(b[i].second, a[i].second, 1e-6, (what + " " + a[i].first).c_str());
        } else {
          EXPECT_TRUE(at::equal(a[i].second, b[i].second));
        }
      }
    };
    expect_same(full, resumed, "weights");
    if (recipe) {
      EXPECT_TRUE(resumed_session.has_weight_average());
      full_session.swap_weight_average();
      resumed_session.swap_weight_average();
      expect_same(full, resumed, "weight average");
      EXPECT_THROWS_WITH(full_session.step(x, y, zeros), c10::Error, "swap it back first");
    }
    // Without the state (fresh moments and generator) the result differs: the test can fail.
    model::MerbaNet naive = small_net(99);
    checkpoint::load_model(dir.file("run.safetensors"), *naive, false);
    train::TrainSession naive_session(naive, o, 12345);
    for (int i = 0; i < 4; ++i) naive_session.step(x, y, zeros);
    EXPECT_TRUE(!same_tensors(*naive, *full));
  }
}

TEST(a_training_state_is_not_a_model_checkpoint) {
  TempDir dir;
  model::MerbaNet net = small_net(1);
  train::TrainSession session(net, train::TrainingOptions(), 1);
  checkpoint::write_checkpoint(dir.file("s.train.safetensors"), checkpoint::kTrainingStateFormat, session.state(), {});
  EXPECT_CHECKPOINT_ERROR(checkpoint::load_model(dir.file("s.train.safetensors"), *net, false), NotMerba,
                          "'merba-train'");
}

TEST(empty_and_zero_dimensional_tensors_round_trip) {
  TempDir dir;
  const checkpoint::NamedTensors tensors{{"a.empty", at::zeros({0, 4})},
                                         {"b.scalar", at::scalar_tensor(7, at::kLong)},
                                         {"c.also_empty", at::zeros({3, 0})},
                                         {"d.values", at::arange(6, at::kFloat).view({2, 3})}};
  checkpoint::write_checkpoint(dir.file("e.safetensors"), checkpoint::kModelFormat, tensors, {});
  checkpoint::SafetensorsFile file = checkpoint::SafetensorsFile::open(dir.file("e.safetensors"));
  EXPECT_EQ(file.entries().size(), size_t(4));
  const checkpoint::NamedTensors into{{"a.empty", at::ones({0, 4})},
                                      {"b.scalar", at::zeros({}, at::kLong)},
                                      {"c.also_empty", at::ones({3, 0})},
                                      {"d.values", at::zeros({2, 3})}};
  checkpoint::load_tensors(file, into, false);
  EXPECT_EQ(into[1].second.item<int64_t>(), int64_t(7));
  EXPECT_TRUE(at::equal(into[3].second, tensors[3].second));
}

TEST(a_shape_larger_than_the_file_is_refused_without_overflow) {
  TempDir dir;
  checkpoint::write_checkpoint(dir.file("s.safetensors"), checkpoint::kModelFormat, {{"x", at::zeros({4})}}, {});
  const std::string bytes = read_bytes(dir.file("s.safetensors"));
  util::Json::Object h = header_of(bytes).as_object("header");
  util::Json::Object x = h["x"].as_object("x");
  // 2^31 × 2^30 float64 elements: the byte count wraps to 0 in 64 bits.
  x["shape"] = util::Json(util::Json::Array{util::Json(int64_t(1) << 31), util::Json(int64_t(1) << 30)});
  x["dtype"] = util::Json("F64");
  h["x"] = util::Json(x);
  write_bytes(dir.file("big.safetensors"), with_header(bytes, util::Json(h)));
  EXPECT_CHECKPOINT_ERROR(checkpoint::SafetensorsFile::open(dir.file("big.safetensors")), BadOffsets,
                          "more elements than the file has bytes for");
}
