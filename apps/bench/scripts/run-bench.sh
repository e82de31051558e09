#!/bin/sh
# The backend benchmarks as nx targets (results under results/bench/):
#   nx run bench:gpt2-lora-gpu   GPT-2 Medium LoRA step on cuda:0, lorats (TF32 and bf16) next to PyTorch + PEFT
#   nx run bench:gpt2-lora-cpu   2-layer GPT-2 (full vocabulary) LoRA step: torch backend (cpu) vs tfjs cpu backend
#   nx run bench:dispatch        per-op dispatch overhead, lorats (tfjs + addon) vs PyTorch eager
# PYTHON (default python3) must have torch (and transformers + peft for gpt2-lora-gpu).
set -e
cd "$(dirname "$0")/../../.."
# the first Python that has torch
PY=""
for c in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$c" -c "import torch" >/dev/null 2>&1; then PY=$c; break; fi
done
[ -n "$PY" ] || { echo "run-bench: no Python with torch found (set PYTHON)" >&2; exit 1; }
TS="node --conditions=@lorats/source --import tsx"
R=results/bench
case "$1" in
  gpt2-lora-gpu)
    M="--preset gpt2-medium --batch 8 --seq 512 --rank 4 --alpha 32 --steps 5 --warmup 2 --backend torch --device ${DEVICE:-cuda:0}"
    P="--layers 24 --embd 1024 --heads 16 --batch 8 --seq 512 --rank 4 --alpha 32 --steps 5 --warmup 2 --device ${DEVICE:-cuda:0}"
    $TS apps/bench/src/gpt2-lora-step.ts $M --out $R/gpt2-medium-lora-gpu-lorats.json
    $PY apps/bench/python/peft_gpt2_lora.py $R/gpt2-medium-lora-gpu-peft.json $P
    $TS apps/bench/src/gpt2-lora-step.ts $M --bf16 --out $R/gpt2-medium-lora-gpu-lorats-bf16.json
    $PY apps/bench/python/peft_gpt2_lora.py $R/gpt2-medium-lora-gpu-peft-bf16.json $P --bf16
    ;;
  gpt2-lora-cpu)
    C="--preset gpt2-small --layers 2 --batch 2 --seq 64 --rank 4 --alpha 32"
    $TS apps/bench/src/gpt2-lora-step.ts $C --steps 3 --warmup 1 --backend torch --device cpu --out $R/gpt2-2layer-lora-cpu-torch.json
    $TS apps/bench/src/gpt2-lora-step.ts $C --steps 1 --warmup 0 --backend cpu --out $R/gpt2-2layer-lora-cpu-tfjs.json
    ;;
  dispatch)
    D=${DEVICE:-cpu}
    N=$(echo "$D" | tr -d :)
    $TS apps/bench/src/dispatch.ts --device "$D" --out $R/dispatch-$N-lorats.json
    $PY apps/bench/python/torch_dispatch.py $R/dispatch-$N-pytorch.json --device "$D"
    ;;
  *)
    echo "usage: run-bench.sh gpt2-lora-gpu|gpt2-lora-cpu|dispatch" >&2
    exit 2
    ;;
esac
