#!/usr/bin/env bash
# GPU check of the CUDA selective-scan kernels, for a machine with an NVIDIA GPU, nvcc, CMake, ninja and a
# CUDA build of PyTorch in python3 (no Maven, no network needed). Builds native/ and its tests with plain
# CMake against that PyTorch's LibTorch, runs the GPU tests (CUDA vs CPU parity, float64 gradcheck, the
# whole model, the training step), prints the timing table of native/bench/cuda_scan_bench.cpp and times the
# training step on the GPU (native/bench/train_bench.cpp). See docs/gpu.md.
#
#   scripts/gpu-check.sh [build-dir]        (default: build/gpu; MERBA_GPU_JOBS sets parallel jobs,
#                                            MERBA_CUDA_ARCHITECTURES the GPU architectures, default 80;90)
#
# Budget: about 90 s on a 16-core H100 machine with MERBA_CUDA_ARCHITECTURES=90 (build ~55 s, tests ~5 s,
# timings ~25 s).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/gpu}"
jobs="${MERBA_GPU_JOBS:-$(( $(nproc) < 12 ? $(nproc) : 12 ))}"  # nvcc and the LibTorch units need ~2 GB each
start=$SECONDS

step() { printf '\n== %s (%ds)\n' "$*" $(( SECONDS - start )); }

step "environment"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
command -v nvcc >/dev/null || { echo "gpu-check: nvcc not on PATH" >&2; exit 1; }
nvcc --version | tail -n 2
prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "available:", torch.cuda.is_available())'
python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' ||
  { echo "gpu-check: PyTorch sees no CUDA device" >&2; exit 1; }
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

step "configure (MERBA_WITH_CUDA=ON, LibTorch from $prefix)"
# The machine has no network to fetch Gloo's headers, and the GPU checks need no process group: no c10d.
cmake -S "$root/native" -B "$build" ${generator[@]+"${generator[@]}"} -DCMAKE_BUILD_TYPE=Release -DMERBA_WITH_CUDA=ON \
  -DMERBA_WITH_C10D=OFF \
  -DCMAKE_PREFIX_PATH="$prefix" -DMERBA_CUDA_ARCHITECTURES="${MERBA_CUDA_ARCHITECTURES:-80;90}"

step "build the core, the GPU tests and the GPU benchmark ($jobs jobs)"
cmake --build "$build" --parallel "$jobs" --target cuda_test cuda_scan_bench train_bench selective_scan_test

step "CPU operator tests (the reference side of the parity tests)"
ctest --test-dir "$build" -R '^selective_scan_test$' --output-on-failure

step "GPU tests: CUDA vs CPU parity, float64 gradcheck, the whole model, the training step"
ctest --test-dir "$build" -L cuda --output-on-failure --timeout 300

step "timing: kernel vs plain-ops reference on the GPU, bandwidth vs a device-to-device copy"
"$build/bench/cuda_scan_bench" --min-seconds 0.2

step "training step on the GPU (composite-28, batches built on the CPU)"
for batch in 32 256; do "$build/bench/train_bench" --device cuda --batch "$batch" --seconds 5; done

step "done"
