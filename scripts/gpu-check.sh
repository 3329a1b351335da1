#!/usr/bin/env bash
# GPU check of the CUDA selective-scan kernels and the training step, for a machine with an NVIDIA GPU, nvcc,
# CMake, ninja and a CUDA build of PyTorch in python3 (no JVM, no Maven, no network needed). Builds native/
# and its tests with plain CMake against that PyTorch's LibTorch, runs the GPU tests (CUDA vs CPU parity
# for both kernel families, float64 gradcheck, the whole model, the training step), prints the kernel table
# (chunked vs short kernels, bandwidth against a device-to-device copy), profiles both families with Nsight
# Compute, times the training step on the GPU at batch 32 and 256 with each kernel family; with fold plans
# (exported here by `merba loso --export-plan`, carried to the GPU machine), times a short plan with 1, 4, 8
# and 16 folds at once and then the LOSO plan with the fastest count; last, compute-sanitizer's memcheck and
# racecheck on both kernel families. See docs/gpu.md.
#
#   scripts/gpu-check.sh OUT_DIR [build-dir]
#
# OUT_DIR receives gpu-check.log (everything printed), figures.json (the kernel table's, the training
# step's, the fold sweep's and the LOSO's figures, the failed steps), ncu.txt and the benchmarks' raw output
# (at most 8 files: what the GPU lease brings back). build-dir defaults to build/gpu; MERBA_GPU_JOBS sets the
# build's parallel jobs, MERBA_CUDA_ARCHITECTURES the GPU architectures (default 90); MERBA_GPU_PLAN the LOSO
# plan (default build/gpu-plan/loso.safetensors), MERBA_GPU_SWEEP_PLAN the short plan for the worker sweep
# (default build/gpu-plan/sweep.safetensors), each skipped when absent; MERBA_GPU_FOLD_WORKERS fixes the
# LOSO's folds at once instead of the sweep's choice; MERBA_GPU_BUDGET the seconds the whole script may take
# (default 480): the later, optional steps shrink their time limits to it or are skipped. MERBA_GPU_STEPS
# names the steps to run after the build (default: all of tests kernels ncu train sweep loso sanitizer);
# MERBA_GPU_CUDA_GRAPHS=off trains the sweep and the LOSO with eager steps instead of replayed CUDA graphs;
# MERBA_GPU_TRAIN_KERNELS the scan kernel families of the training-step timings (default: chunked short).
#
# A failing test does not stop the run: the timing tables still run, and the script exits non-zero at the
# end, naming what failed.
set -uo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: scripts/gpu-check.sh OUT_DIR [build-dir]" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
# A previous run's outputs would pass for this run's in the summary when this one skips their step.
rm -f "$out"/{gpu-check.log,figures.json,cuda_scan_bench.json,train_bench.txt,ncu.txt,loso.json}
build="${2:-$root/build/gpu}"
jobs="${MERBA_GPU_JOBS:-$(( $(nproc) < 12 ? $(nproc) : 12 ))}"  # nvcc and the LibTorch units need ~2 GB each
start=$SECONDS
budget="${MERBA_GPU_BUDGET:-480}"
all_steps="tests kernels ncu train sweep loso sanitizer"
steps=" ${MERBA_GPU_STEPS:-$all_steps} "
graphs="${MERBA_GPU_CUDA_GRAPHS:-on}"
for name in $steps; do
  if [[ " $all_steps " != *" $name "* ]]; then
    echo "gpu-check: unknown step '$name' in MERBA_GPU_STEPS ($all_steps)" >&2
    exit 2
  fi
done
if [[ "$graphs" != on && "$graphs" != off ]]; then
  echo "gpu-check: MERBA_GPU_CUDA_GRAPHS is on or off, not '$graphs'" >&2
  exit 2
fi
scratch="$build/gpu-check-scratch"  # raw outputs that need not come back (the lease returns 8 files at most)
failed=()
exec > >(tee "$out/gpu-check.log") 2>&1
tee_pid=$!

step() { printf '\n== %s (%ds)\n' "$*" $(( SECONDS - start )); }
wanted() { [[ "$steps" == *" $1 "* ]]; }
# Seconds an optional step may take: its own cap, less whatever would overrun the budget (0 = skip it).
allowed() {
  local left=$(( budget - (SECONDS - start) - 15 ))
  (( left < 20 )) && { echo 0; return; }
  echo $(( left < $1 ? left : $1 ))
}
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
  python3 - "$out" "$scratch" "${failed[@]+"${failed[@]}"}" <<'PY' || failed+=("summary")
import json, pathlib, re, sys
out, scratch = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
figures = {"failed": sys.argv[3:]}
kernels = out / "cuda_scan_bench.json"
if kernels.exists():
    figures["kernels"] = json.loads(kernels.read_text())
steps = []
pattern = re.compile(r"on (\S+) \((\S+) scan kernels(, CUDA graph)?\), batch (\d+).*p50 ([\d.]+) ms, p90 ([\d.]+) ms, "
                     r"([\d.]+) samples/s")
log = out / "train_bench.txt"
for line in (log.read_text().splitlines() if log.exists() else []):
    m = pattern.search(line)
    if m:
        steps.append({"device": m[1], "scan_kernels": m[2], "graph": bool(m[3]), "batch": int(m[4]),
                      "p50_ms": float(m[5]), "p90_ms": float(m[6]), "samples_per_s": float(m[7])})
figures["training_step"] = steps
# The worker sweep: wall time per count, and how many predictions equal the one-at-a-time run's.
runs = {int(p.stem.split("-")[1]): json.loads(p.read_text()) for p in scratch.glob("workers-*.json")}
def predictions(doc):
    return {i: p for f in doc["folds"] for i, p in zip(f["test"], f["predicted"])}
sweep = []
for w in sorted(runs):
    row = {"workers": w, "wall_seconds": runs[w]["wall_seconds"], "uf1": runs[w]["uf1"]}
    if 1 in runs:
        one, this = predictions(runs[1]), predictions(runs[w])
        row["same_predictions_as_1"] = sum(this.get(i) == p for i, p in one.items()) / len(one)
    sweep.append(row)
figures["fold_workers"] = sweep
loso = out / "loso.json"
if loso.exists():
    doc = json.loads(loso.read_text())
    figures["loso"] = {k: doc[k] for k in ("accuracy", "uf1", "uar", "samples", "wall_seconds")}
    figures["loso"]["fold_seconds"] = [f["seconds"] for f in doc["folds"]]
(out / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")
print(json.dumps(figures.get("kernels", {}).get("targets", {})))
for r in sweep:
    print(f"fold sweep: {r['workers']} at once, {r['wall_seconds']:.1f} s wall, "
          f"predictions equal to 1 at once: {r.get('same_predictions_as_1', float('nan')):.3f}")
for s in steps:
    print(f"training step, {s['scan_kernels']} kernels{', CUDA graph' if s['graph'] else ''}, batch {s['batch']}: "
          f"{s['samples_per_s']:.0f} samples/s")
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

if wanted tests; then
  step "CPU operator tests (the reference side of the parity tests)"
  check "selective_scan_test" ctest --test-dir "$build" -R '^selective_scan_test$' --output-on-failure

  step "GPU tests: both kernel families vs the CPU operator, float64 gradcheck, the whole model, the training" \
    "step (eager and graphed)"
  check "cuda_test" ctest --test-dir "$build" -L cuda --output-on-failure --timeout 180
fi

if wanted kernels; then
  step "timing: chunked and short kernels vs the plain-ops reference; bandwidth vs a device-to-device copy"
  check "cuda_scan_bench" timeout 300 "$build/bench/cuda_scan_bench" --min-seconds 0.2 \
    --json "$out/cuda_scan_bench.json"
fi

ncu_bin="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -n 1)"
wanted ncu && step "kernel profile: Nsight Compute on one call of each family at (2048, 32, 49, 8) fp32 (ncu.txt)"
if ! wanted ncu; then
  :
elif [[ -n "$ncu_bin" ]]; then
  check "ncu" bash -o pipefail -c "timeout 150 '$ncu_bin' --clock-control none --set detailed -k regex:scan_ \
    '$build/bench/cuda_scan_bench' --profile > '$out/ncu.txt' 2>&1"
  fields='scan_[a-z_]*kernel<|Duration|Registers Per Thread|Theoretical Occupancy|Achieved Occupancy'
  fields+='|DRAM Throughput|Issue Slots Busy|Executed Ipc A|Executed Instructions  |Warp Cycles Per Issued'
  fields+='|No Eligible|Block Limit Shared Mem|Block Limit Registers|Dynamic Shared Memory Per Block'
  grep -E "$fields" "$out/ncu.txt" | head -n 120
else
  echo "gpu-check: no ncu found; the profile is skipped"
fi

if wanted train; then
  step "training step on the GPU (composite-28, eager and graphed; batches built on the CPU)"
  : > "$out/train_bench.txt"
  for kernels in ${MERBA_GPU_TRAIN_KERNELS:-chunked short}; do
    for batch in 32 256; do
      for graph in off on; do
        limit=$(allowed 60)
        if (( limit == 0 )); then
          echo "gpu-check: budget spent, train_bench $kernels $batch graph $graph skipped"
          continue
        fi
        check "train_bench $kernels $batch graph $graph" bash -o pipefail -c \
          "timeout $limit '$build/bench/train_bench' --device cuda --batch $batch --seconds 5 --scan-kernels $kernels \
           --cuda-graphs $graph | tee -a '$out/train_bench.txt'"
      done
    done
  done
fi

mkdir -p "$scratch" && rm -f "$scratch"/workers-*.json
workers="${MERBA_GPU_FOLD_WORKERS:-}"
sweep_plan="${MERBA_GPU_SWEEP_PLAN:-$root/build/gpu-plan/sweep.safetensors}"
if wanted sweep && [[ -f "$sweep_plan" && -z "$workers" ]]; then
  step "fold workers: $sweep_plan with 1, 4, 8 and 16 folds at once"
  for w in 1 4 8 16; do
    limit=$(allowed 150)
    (( limit == 0 )) && { echo "gpu-check: budget spent, sweep stops before $w"; break; }
    check "merba_folds sweep $w" timeout "$limit" "$build/tools/merba_folds" "$sweep_plan" --device cuda \
      --workers "$w" --threads 1 --cuda-graphs "$graphs" --json "$scratch/workers-$w.json"
  done
  workers="$(python3 - "$scratch" <<'PY'
import json, pathlib, sys
runs = {int(p.stem.split("-")[1]): json.loads(p.read_text())["wall_seconds"]
        for p in pathlib.Path(sys.argv[1]).glob("workers-*.json")}
print(min(runs, key=runs.get) if runs else 4)
PY
)"
fi
workers="${workers:-4}"

plan="${MERBA_GPU_PLAN:-$root/build/gpu-plan/loso.safetensors}"
limit=$(allowed 300)
if ! wanted loso; then
  step "the timed LOSO is not in MERBA_GPU_STEPS"
elif [[ ! -f "$plan" ]]; then
  step "no fold plan at $plan: the timed LOSO is skipped (merba loso --export-plan writes one)"
elif (( limit == 0 )); then
  step "the timed LOSO is skipped: the budget of $budget s is spent"
else
  step "LOSO from $plan in the native fold loop on the GPU ($workers folds at once, CUDA graphs $graphs," \
    "at most $limit s)"
  check "merba_folds" timeout "$limit" "$build/tools/merba_folds" "$plan" --device cuda \
    --workers "$workers" --threads 1 --cuda-graphs "$graphs" --json "$out/loso.json"
fi

sanitizer="$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null | head -n 1)"
wanted sanitizer && step "compute-sanitizer memcheck and racecheck on one call of each kernel family"
if ! wanted sanitizer; then
  :
elif [[ -z "$sanitizer" ]]; then
  echo "gpu-check: no compute-sanitizer found; skipped"
else
  for tool in memcheck racecheck; do
    limit=$(allowed 90)
    (( limit == 0 )) && { echo "gpu-check: budget spent, $tool skipped"; continue; }
    check "compute-sanitizer $tool" bash -o pipefail -c "timeout $limit '$sanitizer' --tool $tool --error-exitcode 3 \
      '$build/bench/cuda_scan_bench' --profile 2>&1 | tail -n 20"
  done
fi

exit 0  # the EXIT trap (finish) writes the summary and sets the status
