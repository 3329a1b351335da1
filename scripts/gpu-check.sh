#!/usr/bin/env bash
# GPU check of the CUDA selective-scan kernels and the training step, for a machine with an NVIDIA GPU, nvcc,
# CMake, ninja and a CUDA build of PyTorch in python3 (no JVM, no Maven, no network needed). Builds native/
# and its tests with plain CMake against that PyTorch's LibTorch, runs the GPU tests (CUDA vs CPU parity
# for both kernel families, float64 gradcheck, the whole model, the training step), prints the kernel table
# (chunked vs short kernels, bandwidth against a device-to-device copy) and times the training step on the
# GPU at batch 32 and 256 with each kernel family; with a fold plan (exported here by `merba loso
# --export-plan`, carried to the GPU machine), times that LOSO in the native fold loop on the GPU. See
# docs/gpu.md.
#
#   scripts/gpu-check.sh OUT_DIR [build-dir]
#
# OUT_DIR receives gpu-check.log (everything printed), figures.json (the kernel table's, the training
# step's and the LOSO's figures, the failed steps) and the benchmarks' raw output. build-dir defaults to
# build/gpu; MERBA_GPU_JOBS sets the build's parallel jobs, MERBA_CUDA_ARCHITECTURES the GPU architectures
# (default 90); MERBA_GPU_PLAN a fold plan file (default build/gpu-plan/loso.safetensors, skipped when absent),
# MERBA_GPU_FOLD_WORKERS the folds trained at once (default 4), MERBA_GPU_LOSO_TIMEOUT its limit (default 240 s).
#
# A failing test does not stop the run: the timing tables still run, and the script exits non-zero at the
# end, naming what failed. Budget: under 8 minutes on a 16-core H200 machine (build ~1.5 min, tests
# ~0.5 min, timings ~1.5 min).
set -uo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: scripts/gpu-check.sh OUT_DIR [build-dir]" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
build="${2:-$root/build/gpu}"
jobs="${MERBA_GPU_JOBS:-$(( $(nproc) < 12 ? $(nproc) : 12 ))}"  # nvcc and the LibTorch units need ~2 GB each
start=$SECONDS
failed=()
exec > >(tee "$out/gpu-check.log") 2>&1
tee_pid=$!

step() { printf '\n== %s (%ds)\n' "$*" $(( SECONDS - start )); }
# Runs a step that may fail without stopping the script; records its name when it does.
check() {
  local name="$1"; shift
  if ! "$@"; then
    echo "gpu-check: FAILED: $name"
    failed+=("$name")
  fi
}
# Writes figures.json and the verdict; runs on every exit (an early configure or build failure included) and
# waits for the log's tee, so the log is complete when the script returns.
finish() {
  local status=$?
  trap - EXIT
  ((status != 0 && ${#failed[@]} == 0)) && failed+=("exit status $status")
  step "summary"
  python3 - "$out" "${failed[@]+"${failed[@]}"}" <<'PY' || failed+=("summary")
import json, pathlib, re, sys
out = pathlib.Path(sys.argv[1])
figures = {"failed": sys.argv[2:]}
kernels = out / "cuda_scan_bench.json"
if kernels.exists():
    figures["kernels"] = json.loads(kernels.read_text())
steps = []
pattern = re.compile(r"on (\S+) \((\S+) scan kernels\), batch (\d+).*p50 ([\d.]+) ms, p90 ([\d.]+) ms, ([\d.]+) samples/s")
log = out / "train_bench.txt"
for line in (log.read_text().splitlines() if log.exists() else []):
    m = pattern.search(line)
    if m:
        steps.append({"device": m[1], "scan_kernels": m[2], "batch": int(m[3]), "p50_ms": float(m[4]),
                      "p90_ms": float(m[5]), "samples_per_s": float(m[6]), "graph": False})
figures["training_step"] = steps
loso = out / "loso.json"
if loso.exists():
    doc = json.loads(loso.read_text())
    figures["loso"] = {k: doc[k] for k in ("accuracy", "uf1", "uar", "samples", "wall_seconds")}
    figures["loso"]["fold_seconds"] = [f["seconds"] for f in doc["folds"]]
(out / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")
print(json.dumps(figures.get("kernels", {}).get("targets", {})))
for s in steps:
    print(f"training step, {s['scan_kernels']} kernels, batch {s['batch']}: {s['samples_per_s']:.0f} samples/s")
if "loso" in figures:
    l = figures["loso"]
    print(f"LOSO: UF1 {l['uf1']:.3f}, UAR {l['uar']:.3f} over {l['samples']} samples in {l['wall_seconds']:.0f} s")
PY
  local verdict=0
  if ((${#failed[@]})); then
    echo "gpu-check: ${#failed[@]} step(s) failed: ${failed[*]}"
    verdict=1
  else
    echo "gpu-check: all steps passed ($(( SECONDS - start )) s)"
  fi
  exec 1>&- 2>&-
  wait "$tee_pid"
  exit "$verdict"
}
trap finish EXIT

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
  -DCMAKE_PREFIX_PATH="$prefix" -DMERBA_CUDA_ARCHITECTURES="${MERBA_CUDA_ARCHITECTURES:-90}" || exit 1

step "build the core, the GPU tests, the GPU benchmarks and the fold driver ($jobs jobs)"
cmake --build "$build" --parallel "$jobs" --target cuda_test cuda_scan_bench train_bench selective_scan_test merba_folds ||
  exit 1

step "CPU operator tests (the reference side of the parity tests)"
check "selective_scan_test" ctest --test-dir "$build" -R '^selective_scan_test$' --output-on-failure

step "GPU tests: both kernel families vs the CPU operator, float64 gradcheck, the whole model, the training step"
check "cuda_test" ctest --test-dir "$build" -L cuda --output-on-failure --timeout 300

step "timing: chunked and short kernels vs the plain-ops reference; bandwidth vs a device-to-device copy"
check "cuda_scan_bench" timeout 300 "$build/bench/cuda_scan_bench" --min-seconds 0.2 --json "$out/cuda_scan_bench.json"

step "training step on the GPU (composite-28, eager; batches built on the CPU)"
: > "$out/train_bench.txt"
for kernels in chunked short; do
  for batch in 32 256; do
    check "train_bench $kernels $batch" bash -o pipefail -c \
      "timeout 120 '$build/bench/train_bench' --device cuda --batch $batch --seconds 5 --scan-kernels $kernels | tee -a '$out/train_bench.txt'"
  done
done

plan="${MERBA_GPU_PLAN:-$root/build/gpu-plan/loso.safetensors}"
if [[ -f "$plan" ]]; then
  step "LOSO from $plan in the native fold loop on the GPU (${MERBA_GPU_FOLD_WORKERS:-4} folds at once)"
  check "merba_folds" timeout "${MERBA_GPU_LOSO_TIMEOUT:-240}" "$build/tools/merba_folds" "$plan" --device cuda \
    --workers "${MERBA_GPU_FOLD_WORKERS:-4}" --threads 2 --json "$out/loso.json"
else
  step "no fold plan at $plan: the timed LOSO is skipped (merba loso --export-plan writes one)"
fi

exit 0  # the EXIT trap (finish) writes the summary and sets the status
