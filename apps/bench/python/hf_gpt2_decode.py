"""Hugging Face reference for apps/bench/src/gpt2-decode.ts: beam-10 decoding of the same contexts with
GPT2LMHeadModel.generate (random weights of the same shape, LoRA r 4 on c_attn through PEFT, unmerged, as lorats
keeps it unmerged), the paper's E2E settings: 64 new tokens, length penalty 0.8, no-repeat 4-grams, EOS {50256, 628}.
Contexts are left-padded (as HF decoder-only generation needs), batched like the lorats side.

Differences that remain by design: HF stops a batch early when every beam of every context has finished (gpt2_beam.py
never stops early; with random weights EOS is rare, so both run about all 64 steps), and HF's beam bookkeeping keeps
num_beams live hypotheses after one finishes (gpt2_beam.py keeps the finished beam's slot at -inf).

usage: python3 apps/bench/python/hf_gpt2_decode.py OUT_JSON --contexts CONTEXTS_JSON [--layers 24 --embd 1024
       --heads 16 --batch-contexts 63 --beams 10 --max-new-tokens 64 --device cuda:0 --bf16 --no-lora]
"""
import argparse
import json
import os
import time

import torch


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--contexts", required=True)
    p.add_argument("--layers", type=int, default=24)
    p.add_argument("--embd", type=int, default=1024)
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--vocab", type=int, default=50257)
    p.add_argument("--batch-contexts", type=int, default=63)
    p.add_argument("--beams", type=int, default=10)
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--device", default="cuda:0")
    p.add_argument("--bf16", action="store_true")
    p.add_argument("--no-lora", action="store_true")
    a = p.parse_args()

    import transformers
    from transformers import GPT2Config, GPT2LMHeadModel

    contexts = json.load(open(a.contexts))["contexts"]
    torch.manual_seed(7)
    conf = GPT2Config(vocab_size=a.vocab, n_positions=1024, n_embd=a.embd, n_layer=a.layers, n_head=a.heads,
                      resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, activation_function="gelu_new")
    model = GPT2LMHeadModel(conf)
    lora = "none"
    if not a.no_lora:
        import peft
        model = peft.get_peft_model(model, peft.LoraConfig(r=4, lora_alpha=32, target_modules=["c_attn"], fan_in_fan_out=True, lora_dropout=0.0))
        lora = "PEFT r 4 on c_attn (q, k, v), unmerged, peft %s" % peft.__version__
    dtype = torch.bfloat16 if a.bf16 else torch.float32
    model = model.to(device=a.device, dtype=dtype).eval()
    settings = dict(num_beams=a.beams, max_new_tokens=a.max_new_tokens, length_penalty=0.8, no_repeat_ngram_size=4,
                    eos_token_id=[50256, 628], pad_token_id=50256, do_sample=False, early_stopping=False)

    def batch(ctxs):
        width = max(len(c) for c in ctxs)
        ids = torch.full((len(ctxs), width), 50256, dtype=torch.long)
        mask = torch.zeros((len(ctxs), width), dtype=torch.long)
        for i, c in enumerate(ctxs):
            ids[i, width - len(c):] = torch.tensor(c)
            mask[i, width - len(c):] = 1
        return ids.to(a.device), mask.to(a.device)

    order = sorted(range(len(contexts)), key=lambda i: (len(contexts[i]), i))
    with torch.no_grad():
        ids, mask = batch([contexts[i] for i in order[:2]])
        model.generate(input_ids=ids, attention_mask=mask, **{**settings, "max_new_tokens": 4})
        if a.device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        generated = 0
        for i in range(0, len(order), a.batch_contexts):
            chunk = [contexts[j] for j in order[i:i + a.batch_contexts]]
            ids, mask = batch(chunk)
            outs = model.generate(input_ids=ids, attention_mask=mask, **settings)
            new = outs[:, ids.shape[1]:].tolist()
            for row in new:
                n = len(row)
                for k, t in enumerate(row):
                    if t in (50256, 628):
                        n = k + 1
                        break
                generated += n
        if a.device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start

    record = {
        "benchmark": os.path.splitext(os.path.basename(a.out))[0],
        "implementation": "transformers %s generate" % transformers.__version__,
        "torch": torch.__version__,
        "device": a.device if not a.device.startswith("cuda") else torch.cuda.get_device_name(a.device),
        "dtype": str(dtype),
        "model": {"nLayer": a.layers, "nEmbd": a.embd, "nHead": a.heads, "vocabSize": a.vocab, "weights": "random (HF init)", "lora": lora},
        "decode": {**{k: v for k, v in settings.items()}, "batchContexts": a.batch_contexts},
        "contexts": len(contexts),
        "seconds": seconds,
        "contextsPerSecond": len(contexts) / seconds,
        "outputTokensPerSecond": generated / seconds,
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + ".tmp", "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    os.replace(a.out + ".tmp", a.out)
    print("%.2f contexts/s (%.1f s) -> %s" % (record["contextsPerSecond"], seconds, a.out))


if __name__ == "__main__":
    main()
