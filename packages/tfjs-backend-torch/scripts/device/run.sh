#!/bin/bash
# Runs on the GPU machine, from the repo root: bash .device/run.sh [build] [tests] [gpu] [dispatch] [cpu] [decode]
# (no stage named = all). Builds the addon against the machine's PyTorch, runs the torch backend's tests on cuda:0,
# the GPT-2 Medium LoRA step next to PyTorch + PEFT (float32/TF32 and bf16), the dispatch benchmark and the CPU step.
# Writes $OUT/run.log, $OUT/tests.json and $OUT/results.tgz (results/bench/*.json and summary.json).
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$D/out}
R=$D/results
mkdir -p "$OUT" "$R"
exec > >(tee -a "$OUT/run.log") 2>&1
stages=${*:-build tests gpu dispatch cpu}
has() { [[ " $stages " == *" $1 "* ]]; }
PY=${PYTHON:-python3}
NODE=/tmp/lorats-node
BUILD=/tmp/lorats-torch-build
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
# env.sh (device-bundle.mjs, when it found git): LORATS_GIT_COMMIT for the benchmark records.
if [ -f "$D/env.sh" ]; then . "$D/env.sh"; fi

echo "== machine: $(date -u +%FT%TZ)"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm --format=csv,noheader || true
echo "cores $(nproc); $(g++ --version | head -1); $($PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)')"
[ -x "$NODE" ] || { xz -dc "$D/node.xz" > "$NODE" && chmod +x "$NODE"; }
"$NODE" --version

# build (always: a no-op when the sources and flags are unchanged)
echo "== build"
SECONDS=0
NODE_INCLUDE=$D/include/node NAPI_INCLUDE=$D/include/napi "$NODE" "$D/torch/scripts/build-native.mjs" --out "$BUILD" --jobs 8 || { echo "BUILD FAILED"; exit 1; }
echo "build: ${SECONDS}s"
export LORATS_TORCH_ADDON=$BUILD/lorats_torch.node

if has tests; then
  echo "== tests on cuda:0"
  SECONDS=0
  LORATS_TEST_DEVICE=cuda:0 timeout 300 "$NODE" "$D/js/device-tests.mjs" "$OUT/tests.json" || echo "TESTS FAILED (rc $?)"
  echo "tests: ${SECONDS}s"
fi

step() { # name, timeout, args...
  local name=$1 limit=$2; shift 2
  SECONDS=0
  timeout "$limit" "$@" || echo "$name FAILED (rc $?)"
  echo "$name: ${SECONDS}s"
}

if has gpu; then
  echo "== GPT-2 Medium LoRA step (B 8 x T 512, rank 4 on q,v), lorats vs PyTorch + PEFT"
  M="--preset gpt2-medium --batch 8 --seq 512 --rank 4 --alpha 32 --steps 5 --warmup 2 --backend torch --device cuda:0"
  P="--layers 24 --embd 1024 --heads 16 --batch 8 --seq 512 --rank 4 --alpha 32 --steps 5 --warmup 2 --device cuda:0"
  step lorats-fp32 150 "$NODE" "$D/js/gpt2-lora-step.mjs" $M --profile --out "$R/gpt2-medium-lora-gpu-lorats.json"
  step peft-fp32 150 "$PY" "$D/python/peft_gpt2_lora.py" "$R/gpt2-medium-lora-gpu-peft.json" $P --profile
  step lorats-bf16 150 "$NODE" "$D/js/gpt2-lora-step.mjs" $M --bf16 --profile --out "$R/gpt2-medium-lora-gpu-lorats-bf16.json"
  step peft-bf16 150 "$PY" "$D/python/peft_gpt2_lora.py" "$R/gpt2-medium-lora-gpu-peft-bf16.json" $P --bf16 --profile
fi

if has dispatch; then
  echo "== dispatch overhead"
  step dispatch-cuda 90 "$NODE" "$D/js/dispatch.mjs" --device cuda:0 --out "$R/dispatch-cuda-lorats.json"
  step dispatch-cpu 90 "$NODE" "$D/js/dispatch.mjs" --device cpu --out "$R/dispatch-cpu-lorats.json"
  step pytorch-dispatch-cuda 60 "$PY" "$D/python/torch_dispatch.py" "$R/dispatch-cuda-pytorch.json" --device cuda:0
  step pytorch-dispatch-cpu 60 "$PY" "$D/python/torch_dispatch.py" "$R/dispatch-cpu-pytorch.json" --device cpu
fi

if has cpu; then
  echo "== CPU: GPT-2 2 layers (full vocabulary) LoRA step, B 2 x T 64: torch (cpu) vs tfjs cpu backend"
  C="--preset gpt2-small --layers 2 --batch 2 --seq 64 --rank 4 --alpha 32"
  step cpu-torch 120 "$NODE" "$D/js/gpt2-lora-step.mjs" $C --steps 3 --warmup 1 --backend torch --device cpu --out "$R/gpt2-2layer-lora-cpu-torch.json"
  step cpu-tfjs 240 "$NODE" "$D/js/gpt2-lora-step.mjs" $C --steps 1 --warmup 0 --backend cpu --out "$R/gpt2-2layer-lora-cpu-tfjs.json"
fi

if has decode; then
  echo "== E2E beam-10 decode (64 new tokens; fp32 630 contexts, bf16 210), GPT-2 Medium shape: lorats vs HF generate"
  CTX=""; [ -f "$D/data/e2e-contexts.json" ] && CTX="--contexts-file $D/data/e2e-contexts.json"
  L="$R/e2e-decode-gpt2-medium-lorats"
  step decode-lorats-fp32 120 "$NODE" "$D/js/gpt2-decode.mjs" $CTX --backend torch --device cuda:0 --out "$L.json"
  step decode-hf-fp32 120 "$PY" "$D/python/hf_gpt2_decode.py" "$R/e2e-decode-gpt2-medium-hf.json" --contexts "$L-contexts.json" --device cuda:0
  step decode-lorats-bf16 60 "$NODE" "$D/js/gpt2-decode.mjs" $CTX --contexts 210 --backend torch --device cuda:0 --bf16 --out "$L-bf16.json"
  step decode-hf-bf16 60 "$PY" "$D/python/hf_gpt2_decode.py" "$R/e2e-decode-gpt2-medium-hf-bf16.json" --contexts "$L-bf16-contexts.json" --device cuda:0 --bf16
fi

echo "== summary"
"$NODE" "$D/js/summary.mjs" "$R" || true
tar -czf "$OUT/results.tgz" -C "$R" .
ls -la "$OUT"
