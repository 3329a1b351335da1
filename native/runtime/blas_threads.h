#pragma once

namespace merba::runtime {

// LibTorch's CPU build used here runs matrix products on OpenBLAS, whose own thread pool competes with
// LibTorch's OpenMP pool for the same cores; on MERba's small matrices that oversubscription made a
// forward pass 40× slower (measured: 248 ms vs 6 ms per sample on 2 cores). This sets OpenBLAS to one
// thread — parallelism comes from LibTorch's pool — unless OPENBLAS_NUM_THREADS says otherwise. Called
// once, when the first network is built; a no-op where OpenBLAS is not loaded.
void configure_blas_threads();

}  // namespace merba::runtime
