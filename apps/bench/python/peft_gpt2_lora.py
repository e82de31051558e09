"""PyTorch + PEFT reference for apps/bench/src/gpt2-lora-step.ts: one LoRA training step of GPT-2 with random
weights (HF GPT2LMHeadModel, SDPA attention), LoRA rank r on c_attn, AdamW; tokens/s and peak GPU memory.

PEFT cannot put LoRA on only the q and v slices of GPT-2's fused c_attn, so it adapts all of c_attn (q, k, v);
lorats adapts q and v as the paper does. The extra k adapter is a rank-r side branch (< 0.1% of the step's FLOPs).
Dropout is 0 on both sides; the loss is cross-entropy against already-shifted random targets on every position.

usage: python3 apps/bench/python/peft_gpt2_lora.py OUT_JSON [--layers 24 --embd 1024 --heads 16 --batch 8 --seq 512
       --rank 4 --alpha 32 --steps 5 --warmup 2 --device cuda:0 --bf16]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--layers", type=int, default=24)
    p.add_argument("--embd", type=int, default=1024)
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--vocab", type=int, default=50257)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--rank", type=int, default=4)
    p.add_argument("--alpha", type=int, default=32)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--device", default="cuda:0")
    p.add_argument("--bf16", action="store_true")
    p.add_argument("--profile", action="store_true", help="one extra step under torch.profiler: kernels, device and host time")
    a = p.parse_args()

    import peft
    import transformers
    from peft import LoraConfig, get_peft_model
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    # The same float32 matmul mode as lorats' torch backend (TF32 on CUDA).
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    cfg = GPT2Config(
        vocab_size=a.vocab, n_positions=1024, n_embd=a.embd, n_layer=a.layers, n_head=a.heads,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )
    model = GPT2LMHeadModel(cfg).to(dev)
    model = get_peft_model(model, LoraConfig(r=a.rank, lora_alpha=a.alpha, target_modules=["c_attn"], lora_dropout=0.0, fan_in_fan_out=True, bias="none"))
    model.train()
    trainable, total = model.get_nb_trainable_parameters()
    opt = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=2e-4, weight_decay=0.01)
    g = torch.Generator().manual_seed(12345)
    ids = torch.randint(0, a.vocab, (a.batch, a.seq), generator=g).to(dev)
    targets = torch.randint(0, a.vocab, (a.batch * a.seq,), generator=g).to(dev)
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    def step() -> float:
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=a.bf16):
            logits = model(input_ids=ids).logits
        loss = F.cross_entropy(logits.reshape(-1, a.vocab).float(), targets)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    losses = [step() for _ in range(a.warmup)]
    sync()
    if cuda:
        torch.cuda.reset_peak_memory_stats(dev)
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        losses.append(step())
        sync()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    profile = None
    if a.profile and cuda:
        try:
            from torch.profiler import ProfilerActivity, profile as torch_profile

            with torch_profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
                step()
                sync()
            events = prof.key_averages()
            dev_us = lambda e: getattr(e, "self_device_time_total", None) or getattr(e, "self_cuda_time_total", 0)
            kernels = [e for e in prof.events() if str(getattr(e, "device_type", "")).endswith("CUDA")]
            profile = {
                "deviceKernels": len(kernels),
                "deviceBusyMs": sum(dev_us(e) for e in events) / 1000,
                "atenOps": sum(e.count for e in events if e.key.startswith("aten::")),
                "top": sorted(({"op": e.key, "calls": e.count, "deviceMs": dev_us(e) / 1000} for e in events), key=lambda r: -r["deviceMs"])[:12],
            }
            print(f"profile: {profile['deviceKernels']} device kernels, device busy {profile['deviceBusyMs']:.1f} ms, {profile['atenOps']} aten ops")
        except Exception as err:  # profiling is optional
            profile = {"error": repr(err)}
    record = {
        "benchmark": os.path.splitext(os.path.basename(a.out))[0],
        "implementation": "pytorch+peft",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "python": sys.version.split()[0],
        "device": a.device,
        "gpu": torch.cuda.get_device_name(dev) if cuda else None,
        "bf16": a.bf16,
        "attention": model.base_model.model.config._attn_implementation,
        "config": {"nLayer": a.layers, "nEmbd": a.embd, "nHead": a.heads, "vocabSize": a.vocab},
        "batch": a.batch,
        "seq": a.seq,
        "rank": a.rank,
        "alpha": a.alpha,
        "loraTargets": "c_attn q,k,v (PEFT target_modules=['c_attn'])",
        "optimizer": "torch.optim.AdamW (lr 2e-4, weight decay 0.01)",
        "dropout": 0,
        "trainableParams": trainable,
        "totalParams": total,
        "warmupSteps": a.warmup,
        "stepSeconds": times,
        "medianStepSeconds": med,
        "tokensPerSecond": a.batch * a.seq / med,
        "peakDeviceBytes": torch.cuda.max_memory_allocated(dev) if cuda else None,
        "losses": losses,
        **({"profile": profile} if profile is not None else {}),
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(record, f, indent=2)
    os.replace(tmp, a.out)
    print(f"peft {a.device}{' bf16' if a.bf16 else ''}: {record['tokensPerSecond']:.0f} tokens/s, step {med:.3f} s, peak {(record['peakDeviceBytes'] or 0) / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
