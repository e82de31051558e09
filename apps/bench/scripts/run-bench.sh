#!/bin/sh
# The backend benchmarks as nx targets (results under results/bench/):
#   nx run bench:gpt2-lora-gpu   GPT-2 Medium LoRA step on cuda:0, lorats (TF32 and bf16) next to PyTorch + PEFT
#   nx run bench:gpt2-lora-cpu   2-layer GPT-2 (full vocabulary) LoRA step: torch backend (cpu) vs tfjs cpu backend
#   nx run bench:dispatch        per-op dispatch overhead, lorats (tfjs + addon) vs PyTorch eager
#   nx run bench:gpt2-decode-gpu beam-10 decoding of the 630 E2E test contexts, GPT-2 Medium shape, on cuda:0: lorats
#                                (fp32 and bf16) next to Hugging Face generate; E2E (default ../shared/data/e2e/test.txt)
#                                and the GPT-2 vocabulary (../shared/data/gpt2) when present, else synthetic contexts
# PYTHON (default python3) must have torch (and transformers + peft for gpt2-lora-gpu and gpt2-decode-gpu).
set -e
cd "$(dirname "$0")/../../.."
# the first Python that imports $1 (comma-separated modules)
python_with() {
  for c in ${PYTHON:-} python3 /usr/bin/python3; do
    if "$c" -c "import $1" >/dev/null 2>&1; then echo "$c"; return; fi
  done
  echo "run-bench: no Python with $1 found (set PYTHON)" >&2
  exit 1
}
TS="node --conditions=@lorats/source --import tsx"
R=results/bench
case "$1" in
  gpt2-lora-gpu)
    PY=$(python_with "torch, transformers, peft")
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
    PY=$(python_with torch)
    D=${DEVICE:-cpu}
    N=$(echo "$D" | tr -d :)
    $TS apps/bench/src/dispatch.ts --device "$D" --out $R/dispatch-$N-lorats.json
    $PY apps/bench/python/torch_dispatch.py $R/dispatch-$N-pytorch.json --device "$D"
    ;;
  gpt2-decode-gpu)
    PY=$(python_with "torch, transformers, peft")
    E2E=${E2E:-../shared/data/e2e/test.txt}
    VOCAB=${VOCAB:-../shared/data/gpt2}
    D=${DEVICE:-cuda:0}
    L=$R/e2e-decode-gpt2-medium-lorats
    $TS apps/bench/src/gpt2-decode.ts --e2e "$E2E" --vocab "$VOCAB" --backend torch --device "$D" --out $L.json
    $PY apps/bench/python/hf_gpt2_decode.py $R/e2e-decode-gpt2-medium-hf.json --contexts $L-contexts.json --device "$D"
    $TS apps/bench/src/gpt2-decode.ts --e2e "$E2E" --vocab "$VOCAB" --backend torch --device "$D" --bf16 --out $L-bf16.json
    $PY apps/bench/python/hf_gpt2_decode.py $R/e2e-decode-gpt2-medium-hf-bf16.json --contexts $L-contexts.json --device "$D" --bf16
    ;;
  *)
    echo "usage: run-bench.sh gpt2-lora-gpu|gpt2-lora-cpu|dispatch|gpt2-decode-gpu" >&2
    exit 2
    ;;
esac
