#include "model/stage.h"

#include "model/window_partition.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <vector>

namespace merba::model {

StageOptions stage_options(const ModelConfig& c, int64_t i) {
  int64_t first_block = 0;
  for (int64_t s = 0; s < i; ++s) first_block += c.depths[s];
  const int64_t total = c.total_blocks();
  std::vector<double> rates;
  for (int64_t j = 0; j < c.depths[i]; ++j) {
    // Stochastic depth grows linearly over all blocks of the network, 0 → drop_path.
    const int64_t global = first_block + j;
    rates.push_back(total > 1 ? c.drop_path * static_cast<double>(global) / static_cast<double>(total - 1) : 0.0);
  }
  return StageOptions(LocalExtractorBlockOptions(c.dims[i], c.window_sizes[i])
                          .scans(c.scans)
                          .d_state(c.d_state)
                          .d_conv(c.d_conv)
                          .mlp_ratio(c.mlp_ratio),
                      std::move(rates))
      .heads(c.heads[i])
      .num_windows(c.num_windows(i))
      .inter_window_attention(c.inter_window_attention)
      .out_channels(i + 1 < c.num_stages() ? c.dims[i + 1] : 0);
}

StageImpl::StageImpl(const StageOptions& o) : window_size_(o.block().window_size()) {
  const int64_t channels = o.block().channels();
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (double rate : o.block_drop_paths()) blocks->push_back(LocalExtractorBlock(LocalExtractorBlockOptions(o.block()).drop_path(rate)));
  if (o.inter_window_attention()) {
    iwa = register_module("iwa", InterWindowAttention(InterWindowAttentionOptions(channels, o.heads(), o.num_windows())
                                                          .mlp_ratio(o.block().mlp_ratio())));
  }
  if (o.out_channels() > 0) {
    downsample = register_module(
        "downsample",
        torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, o.out_channels(), 3).stride(2).padding(1).bias(false)));
  }
}

at::Tensor StageImpl::run_blocks(const at::Tensor& windows) {
  auto run = [this](at::Tensor w) {
    for (const auto& block : *blocks) w = block->as<LocalExtractorBlockImpl>()->forward(w);
    return w;
  };
  const int64_t n = windows.size(0), threads = at::get_num_threads();
  // Inference only: windows are independent in the Local Extractor blocks, so each thread runs whole blocks
  // on its share of windows with single-threaded ops. One parallel region per stage instead of one per op
  // (MERba's ops are small), and the matrix products run in parallel too. Training keeps one graph.
  if (at::GradMode::is_enabled() || threads < 2 || n < 2 || at::in_parallel_region() || !windows.is_cpu()) {
    return run(windows);
  }
  const int64_t chunks = std::min(n, threads);
  std::vector<at::Tensor> parts(chunks);
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    at::NoGradGuard no_grad;  // grad mode is thread-local: say it again in the worker
    for (int64_t c = begin; c < end; ++c) {
      const int64_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
      parts[c] = run(windows.narrow(0, lo, hi - lo));
    }
  });
  return at::cat(parts, 0);
}

at::Tensor StageImpl::forward(const at::Tensor& x) {
  const int64_t B = x.size(0), H = x.size(2), W = x.size(3);
  const at::Tensor padded = pad_to_multiple(x, window_size_);
  const int64_t Hp = padded.size(2), Wp = padded.size(3);
  at::Tensor windows = run_blocks(window_partition(padded, window_size_));
  // IWA runs on the windows before they are reversed: the same tokens as "on the padded grid".
  if (iwa) windows = iwa(windows, B);
  at::Tensor y = window_reverse(windows, window_size_, B, Hp, Wp);
  if (Hp != H || Wp != W) y = y.narrow(2, 0, H).narrow(3, 0, W);
  return downsample ? downsample(y) : y;
}

}  // namespace merba::model
