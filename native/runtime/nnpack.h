#pragma once

namespace merba::runtime {

// LibTorch tries NNPACK for convolutions and, on a CPU that NNPACK does not support (on x86-64 it needs AVX2 and
// FMA3), logs "Could not initialize NNPACK! Reason: Unsupported hardware." and falls back. This decides once, from
// the CPU's features, before any convolution: where NNPACK cannot run, LibTorch's own switch turns it off, so
// nothing is tried or printed. Called when the first network is built; a no-op where NNPACK could run.
void configure_nnpack();

// Whether this CPU has what NNPACK needs (AVX2 and FMA3 on x86-64; true elsewhere, where LibTorch decides).
bool cpu_supports_nnpack();

}  // namespace merba::runtime
