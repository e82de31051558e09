#!/bin/sh
# nx run bench:gpt2-decode-gpu: beam-10 decoding of the 630 E2E test contexts, GPT-2 Medium shape, on cuda:0:
# lorats (fp32 and bf16) next to Hugging Face generate (fp32 and bf16). Results under results/bench/.
# E2E (default ../shared/data/e2e/test.txt) and the GPT-2 vocabulary (../shared/data/gpt2) are used when present,
# else synthetic contexts with the same lengths. PYTHON must have torch, transformers and peft.
set -e
cd "$(dirname "$0")/../../.."
PY=""
for c in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$c" -c "import torch, transformers, peft" >/dev/null 2>&1; then PY=$c; break; fi
done
[ -n "$PY" ] || { echo "run-decode-bench: no Python with torch, transformers and peft (set PYTHON)" >&2; exit 1; }
TS="node --conditions=@lorats/source --import tsx"
R=results/bench
E2E=${E2E:-../shared/data/e2e/test.txt}
VOCAB=${VOCAB:-../shared/data/gpt2}
D=${DEVICE:-cuda:0}
$TS apps/bench/src/gpt2-decode.ts --e2e "$E2E" --vocab "$VOCAB" --backend torch --device "$D" --out $R/e2e-decode-gpt2-medium-lorats.json
$PY apps/bench/python/hf_gpt2_decode.py $R/e2e-decode-gpt2-medium-hf.json --contexts $R/e2e-decode-gpt2-medium-lorats-contexts.json --device "$D"
$TS apps/bench/src/gpt2-decode.ts --e2e "$E2E" --vocab "$VOCAB" --backend torch --device "$D" --bf16 --out $R/e2e-decode-gpt2-medium-lorats-bf16.json
$PY apps/bench/python/hf_gpt2_decode.py $R/e2e-decode-gpt2-medium-hf-bf16.json --contexts $R/e2e-decode-gpt2-medium-lorats-contexts.json --device "$D" --bf16
