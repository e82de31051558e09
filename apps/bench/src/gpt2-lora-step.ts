// One LoRA training step of GPT-2 (random weights, LoRA on q and v, AdamW): tokens/s and peak device memory.
//
//   node --conditions=@lorats/source --import tsx apps/bench/src/gpt2-lora-step.ts --preset gpt2-medium \
//     --batch 8 --seq 512 --rank 4 --steps 5 [--backend torch --device cuda:0 --bf16] [--name gpt2-medium-lora-gpu]
//
// Shapes: B batch, T tokens, C width, V vocabulary.
import { PerformanceObserver } from 'node:perf_hooks';

import * as tf from '@tensorflow/tfjs-core';
import { countParameters, markOnlyLoraAsTrainable, namedTrainableVariables } from '@lorats/core';
import { AdamW } from '@lorats/experiment';
import { GPT2_PRESETS, Gpt2LMModel } from '@lorats/gpt2';
import type { Gpt2PresetName, LmBatchLike } from '@lorats/gpt2';
import { backendOptionsFromArgs, setupBackend } from '@lorats/runtime';
import { resetTorchPeakMemory, syncTorch, torchAttentionStats, torchMemoryStats } from '@lorats/tfjs-backend-torch';

import { intFlag, readFlags, stringFlag } from './args.js';
import { median, writeRecord } from './record.js';

const flags = readFlags(process.argv.slice(2), {
  preset: 'string', layers: 'string', batch: 'string', seq: 'string', rank: 'string', alpha: 'string', steps: 'string',
  warmup: 'string', backend: 'string', device: 'string', bf16: 'boolean', name: 'string', out: 'string', lr: 'string',
  profile: 'boolean', embd: 'string', heads: 'string', vocab: 'string',
});
const presetName = (stringFlag(flags, 'preset') ?? 'gpt2-medium') as Gpt2PresetName;
if (!(presetName in GPT2_PRESETS)) throw new Error(`--preset must be one of ${Object.keys(GPT2_PRESETS).join(', ')}`);
// --layers/--embd/--heads/--vocab override the preset (e.g. the GPT-2 Medium layer structure at a tiny width, to
// measure host-side dispatch cost per kernel on the CPU where device time is negligible).
const preset = GPT2_PRESETS[presetName];
const config = {
  ...preset,
  nLayer: intFlag(flags, 'layers', preset.nLayer),
  nEmbd: intFlag(flags, 'embd', preset.nEmbd),
  nHead: intFlag(flags, 'heads', preset.nHead),
  vocabSize: intFlag(flags, 'vocab', preset.vocabSize),
};
const B = intFlag(flags, 'batch', 8);
const T = intFlag(flags, 'seq', 512);
const rank = intFlag(flags, 'rank', 4);
const alpha = intFlag(flags, 'alpha', 32);
const steps = intFlag(flags, 'steps', 5);
const warmup = intFlag(flags, 'warmup', 2);
const lr = Number(stringFlag(flags, 'lr') ?? '2e-4');

const setup = await setupBackend(backendOptionsFromArgs(flags));
const onTorch = setup.backend === 'torch';
console.log(`backend: ${setup.description}`);

// Random weights drawn on the device where the backend can (GPT-2 Medium has 355M of them).
const randomNormal = (shape: number[], std: number): tf.Tensor =>
  tf.getKernel('LoratsRandomNormal', tf.getBackend())
    ? (tf.engine().runKernel('LoratsRandomNormal', {}, { shape, mean: 0, stdDev: std }) as tf.Tensor)
    : tf.randomNormal(shape, 0, std);

const model = new Gpt2LMModel(config, { rank, alpha, dropout: 0 });
for (const [name, v] of model.namedParameters()) {
  if (name.includes('lora_')) continue;
  const value = name.endsWith('.bias') ? tf.zeros(v.shape) : /\.ln_(1|2|f)\./.test(name) ? tf.ones(v.shape) : randomNormal(v.shape, 0.02);
  v.assign(value);
  value.dispose();
}
markOnlyLoraAsTrainable(model);
const params = namedTrainableVariables(model);
const counts = countParameters(model);
const opt = new AdamW(params, { weightDecay: 0.01 });

// A fixed batch of random tokens; the loss covers every position.
let s = 12345;
const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
const batch: LmBatchLike = {
  batchSize: B,
  seqLength: T,
  input: Int32Array.from({ length: B * T }, () => Math.floor(rand() * config.vocabSize)),
  target: Int32Array.from({ length: B * T }, () => Math.floor(rand() * config.vocabSize)),
  mask: new Float32Array(B * T).fill(1),
};

function step(): number {
  const vars = params.map(([, v]) => v);
  const { value, grads } = tf.variableGrads(() => model.loss(batch), vars);
  opt.step(new Map(params.map(([name, v]) => [name, grads[v.name]])), lr);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

// Garbage-collection time (for the profile).
let gcMs = 0;
if (flags.profile) new PerformanceObserver((list) => list.getEntries().forEach((e) => (gcMs += e.duration))).observe({ entryTypes: ['gc'] });

const losses: number[] = [];
for (let i = 0; i < warmup; i++) losses.push(step());
if (onTorch) {
  syncTorch();
  resetTorchPeakMemory();
}
const times: number[] = [];
const cpu0 = process.cpuUsage();
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  losses.push(step());
  if (onTorch) syncTorch();
  times.push((performance.now() - t0) / 1000);
}
const cpu1 = process.cpuUsage(cpu0);
/** Process CPU time per timed step (user + system, all threads): less sensitive than wall time to a busy machine. */
const cpuSecondsPerStep = (cpu1.user + cpu1.system) / 1e6 / Math.max(steps, 1);
const stepSeconds = median(times);
const mem = onTorch ? torchMemoryStats() : undefined;
const profile = flags.profile ? await profileStep() : undefined;
const record = {
  backend: setup.backend,
  device: setup.device,
  description: setup.description,
  bf16: Boolean(flags.bf16),
  preset: presetName,
  config,
  batch: B,
  seq: T,
  rank,
  alpha,
  loraTargets: 'c_attn q,v (MergedLinear)',
  optimizer: 'AdamW (lr 2e-4, weight decay 0.01)',
  dropout: 0,
  trainableParams: counts.trainable,
  totalParams: counts.total,
  warmupSteps: warmup,
  stepSeconds: times,
  medianStepSeconds: stepSeconds,
  cpuSecondsPerStep,
  tokensPerSecond: (B * T) / stepSeconds,
  peakDeviceBytes: mem?.devicePeak ?? null,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  losses,
  tensorsAfter: tf.memory().numTensors,
  ...(profile && { profile }),
};
/**
 * Where a step's time goes: phases (forward, forward+backward, optimizer) with a sync after each; host-side dispatch
 * per kernel name (no extra syncs); device syncs per step; and per-kernel time with a sync after every kernel
 * (attributes device time, at the cost of ~10 µs per kernel).
 */
async function profileStep(): Promise<Record<string, unknown>> {
  const sync = () => (onTorch ? syncTorch() : undefined);
  const timeIt = (f: () => void): number => {
    sync();
    const t0 = performance.now();
    f();
    sync();
    return performance.now() - t0;
  };
  const vars = params.map(([, v]) => v);
  const forwardMs = timeIt(() => tf.tidy(() => model.loss(batch)).dataSync());
  let grads: tf.NamedTensorMap = {};
  const forwardBackwardMs = timeIt(() => {
    const r = tf.variableGrads(() => model.loss(batch), vars);
    r.value.dataSync();
    r.value.dispose();
    grads = r.grads;
  });
  const optimizerMs = timeIt(() => opt.step(new Map(params.map(([n, v]) => [n, grads[v.name]])), lr));
  tf.dispose(Object.values(grads));

  const engine = tf.engine();
  const original = engine.runKernel.bind(engine);
  // Exclusive times: a kernel call made inside another (tfjs's Identity clones of tensors saved for the gradient, a
  // kernel that runs others) counts for itself, not for its caller.
  const perKernel = async (syncEach: boolean) => {
    const table = new Map<string, { calls: number; ms: number }>();
    let nested = 0;
    engine.runKernel = ((name: string, inputs: tf.NamedTensorMap, attrs?: tf.NamedAttrMap) => {
      const outer = nested;
      nested = 0;
      const t0 = performance.now();
      const out = original(name, inputs, attrs);
      if (syncEach) sync();
      const ms = performance.now() - t0;
      const e = table.get(name) ?? { calls: 0, ms: 0 };
      e.calls += 1;
      e.ms += ms - nested;
      table.set(name, e);
      nested = outer + ms;
      return out;
    }) as typeof engine.runKernel;
    const syncsBefore = onTorch ? torchMemoryStats().syncs : 0;
    await new Promise((r) => setTimeout(r, 10)); // deliver earlier GC entries first
    const gcBefore = gcMs;
    sync();
    const t0 = performance.now();
    let hostMs = 0;
    try {
      const vars2 = params.map(([, v]) => v);
      const { value, grads: g } = tf.variableGrads(() => model.loss(batch), vars2);
      opt.step(new Map(params.map(([n, v]) => [n, g[v.name]])), lr);
      hostMs = performance.now() - t0;
      value.dataSync();
      tf.dispose([value, ...Object.values(g)]);
    } finally {
      engine.runKernel = original;
    }
    sync();
    const totalMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 10)); // GC entries arrive asynchronously
    const kernels = [...table].sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => ({ kernel: k, calls: v.calls, ms: +v.ms.toFixed(3) }));
    const calls = kernels.reduce((n, k) => n + k.calls, 0);
    const kernelMs = kernels.reduce((n, k) => n + k.ms, 0);
    const syncs = onTorch ? torchMemoryStats().syncs - syncsBefore : 0;
    return { totalMs, hostMs, kernelMs, gcMs: gcMs - gcBefore, calls, syncs, kernels };
  };
  const attentionBefore = onTorch ? torchAttentionStats() : undefined;
  const host = await perKernel(false);
  const attentionAfter = onTorch ? torchAttentionStats() : undefined;
  const synced = await perKernel(true);
  console.log(`profile: forward ${forwardMs.toFixed(1)} ms, forward+backward ${forwardBackwardMs.toFixed(1)} ms, optimizer ${optimizerMs.toFixed(1)} ms`);
  console.log(`profile: ${host.calls} kernel calls/step, host dispatch ${host.hostMs.toFixed(1)} ms of ${host.totalMs.toFixed(1)} ms, ${host.syncs} device syncs`);
  console.log(
    `profile: host inside kernels ${host.kernelMs.toFixed(1)} ms (${((1000 * host.kernelMs) / host.calls).toFixed(1)} µs/call), outside ${(host.hostMs - host.kernelMs).toFixed(1)} ms, GC ${host.gcMs.toFixed(1)} ms; host µs/kernel (step host time / calls) ${((1000 * host.hostMs) / host.calls).toFixed(1)}`,
  );
  if (attentionBefore && attentionAfter) {
    const d = (k: 'direct' | 'reused' | 'autograd') => attentionAfter[k] - attentionBefore[k];
    console.log(`profile: attention gradients this step: ${d('reused')} fused kernel reusing the forward, ${d('direct')} fused kernel recomputing it, ${d('autograd')} SDPA under autograd`);
    if (attentionAfter.lastFallback) console.log(`profile: last fused-attention fallback: ${attentionAfter.lastFallback}`);
  }
  console.log('profile: top kernels by host time (exclusive):');
  for (const k of host.kernels.slice(0, 16)) console.log(`  ${k.kernel.padEnd(24)} ${String(k.calls).padStart(5)} calls ${k.ms.toFixed(1).padStart(8)} ms ${((1000 * k.ms) / k.calls).toFixed(1).padStart(8)} µs/call`);
  console.log(`profile: with a sync per kernel ${synced.totalMs.toFixed(1)} ms; top kernels (ms incl. device time):`);
  for (const k of synced.kernels.slice(0, 12)) console.log(`  ${k.kernel.padEnd(24)} ${String(k.calls).padStart(5)} calls ${k.ms.toFixed(1).padStart(8)} ms`);
  const attention = attentionBefore && attentionAfter ? { before: attentionBefore, after: attentionAfter } : undefined;
  return { forwardMs, forwardBackwardMs, optimizerMs, host, synced, attention };
}

const name = stringFlag(flags, 'name') ?? `${presetName}-lora-${setup.backend}-${setup.device.replace(':', '')}${flags.bf16 ? '-bf16' : ''}`;
const path = writeRecord(name, record, stringFlag(flags, 'out'));
console.log(`${name}: ${record.tokensPerSecond.toFixed(0)} tokens/s, step ${stepSeconds.toFixed(3)} s, peak ${mem?.devicePeak ? (mem.devicePeak / 2 ** 30).toFixed(2) + ' GiB' : 'n/a'} -> ${path}`);
