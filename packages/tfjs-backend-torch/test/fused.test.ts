// The fused lorats kernels (docs/fused-ops.md) on torch against the same formulas written with plain tfjs ops on the
// cpu backend; Grad kernels against tfjs autodiff of those formulas.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { setTorchOptions, torchAttentionStats } from '../src/index.js';
import { DEVICE, ensureTorch, expectClose, rng, torch } from './harness.js';

type Arrays = Record<string, { values: number[]; shape: number[]; dtype?: 'float32' | 'int32' }>;

function randn(shape: number[], seed: number, scale = 1): { values: number[]; shape: number[] } {
  const next = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { values: Array.from({ length: n }, () => (next() * 2 - 1) * scale), shape };
}

function tensors(a: Arrays): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype ?? 'float32')]));
}

/** Runs a kernel on torch; returns its outputs as plain arrays. */
async function onTorch(kernel: string, inputs: Arrays, attrs: tf.NamedAttrMap): Promise<number[][]> {
  await tf.setBackend('torch');
  return tf.tidy(() => {
    const out = tf.engine().runKernel(kernel, tensors(inputs) as tf.NamedTensorMap, attrs) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map((t) => Array.from(t.dataSync()));
  });
}

/** Reference forward and gradients (w.r.t. `wrt`, with upstream dy) from plain ops on the cpu backend. */
async function onCpu(
  inputs: Arrays,
  f: (t: Record<string, tf.Tensor>) => tf.Tensor,
  wrt: string[],
  dy: number[],
): Promise<{ y: number[]; grads: number[][] }> {
  await tf.setBackend('cpu');
  return tf.tidy(() => {
    const t = tensors(inputs);
    const y = f(t);
    const dyT = tf.tensor(dy, y.shape);
    const g = tf.grads((...xs: tf.Tensor[]) => {
      const u = { ...t };
      wrt.forEach((k, i) => (u[k] = xs[i]));
      return tf.sum(tf.mul(f(u), dyT));
    })(wrt.map((k) => t[k]));
    return { y: Array.from(y.dataSync()), grads: g.map((x) => Array.from(x.dataSync())) };
  });
}

function layerNormRef(t: Record<string, tf.Tensor>, eps: number): tf.Tensor {
  const m = tf.moments(t.x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(t.x, m.mean), tf.sqrt(tf.add(m.variance, eps))), t.gamma), t.beta);
}

function geluRef(x: tf.Tensor, approximate: string): tf.Tensor {
  if (approximate === 'tanh') return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
}

function attentionRef(t: Record<string, tf.Tensor>, causal: boolean, scale: number, keep?: tf.Tensor): tf.Tensor {
  const T = Number(t.q.shape[2]);
  const S = Number(t.k.shape[2]);
  let s = tf.mul(tf.matMul(t.q, t.k, false, true), scale);
  if (t.mask) s = tf.add(s, t.mask);
  if (causal) {
    const allowed = tf.linalg.bandPart(tf.ones([T, S]), -1, S - T);
    s = tf.add(s, tf.mul(tf.sub(1, allowed), -1e9));
  }
  let p = tf.softmax(s);
  if (keep) p = tf.mul(p, keep);
  return tf.matMul(p, t.v);
}

function loraRef(t: Record<string, tf.Tensor>, scaling: number): tf.Tensor {
  // on rows [N·T, in]: tfjs's matMul gradient does not reduce broadcast batch dims
  const inF = t.x.shape[t.x.rank - 1];
  const x = t.x.reshape([-1, inF]);
  const xm = t.dropoutMask ? tf.mul(x, t.dropoutMask.reshape([-1, inF])) : x;
  let y = tf.matMul(x, t.weight, false, true);
  if (t.bias) y = tf.add(y, t.bias);
  y = tf.add(y, tf.mul(tf.matMul(tf.matMul(xm, t.loraA, false, true), t.loraB, false, true), scaling));
  return y.reshape([...t.x.shape.slice(0, -1), t.weight.shape[0]]);
}

/** x [..., in]·Wᵀ + b (+ residual) on rows; weight [out, in] or, with fanInFanOut, [in, out]. */
function linearRef(t: Record<string, tf.Tensor>, fanInFanOut: boolean): tf.Tensor {
  const inF = t.x.shape[t.x.rank - 1] as number;
  const outF = t.weight.shape[fanInFanOut ? 1 : 0] as number;
  let y = tf.matMul(t.x.reshape([-1, inF]), t.weight, false, !fanInFanOut);
  if (t.bias) y = tf.add(y, t.bias);
  if (t.residual) y = tf.add(y, t.residual.reshape([-1, outF]));
  return y.reshape([...t.x.shape.slice(0, -1), outF]);
}

/** A MergedLinear adapter's B [d·E, rank] expanded to [out, rank·E] (group k's block at its rows and columns). */
function expandB(b: tf.Tensor, enable: boolean[], rank: number): tf.Tensor {
  const E = enable.filter(Boolean).length;
  const d = b.shape[0] / E;
  let k = 0;
  const blocks = enable.map((on) => {
    if (!on) return tf.zeros([d, rank * E]);
    const block = tf.pad(tf.slice(b, [k * d, 0], [d, rank]), [[0, 0], [k * rank, (E - k - 1) * rank]]);
    k++;
    return block;
  });
  return tf.concat(blocks, 0);
}

/** Packed q | k | v [B, T, 3·H·D] → heads [B, H, T, D] each, through attentionRef, merged back to [B, T, H·D]. */
function packedAttentionRef(qkv: tf.Tensor, heads: number, causal: boolean, scale: number): tf.Tensor {
  const [B, T, C3] = qkv.shape;
  const D = C3 / 3 / heads;
  const [q, k, v] = tf.split(qkv, 3, 2).map((p) => tf.transpose(tf.reshape(p, [B, T, heads, D]), [0, 2, 1, 3]));
  return tf.reshape(tf.transpose(attentionRef({ q, k, v }, causal, scale), [0, 2, 1, 3]), [B, T, heads * D]);
}

function crossEntropyRef(t: Record<string, tf.Tensor>, eps: number): tf.Tensor {
  const [N, V] = t.logits.shape;
  const lp = tf.logSoftmax(t.logits);
  const valid = tf.greaterEqual(t.labels, 0);
  const safe = tf.where(valid, t.labels, tf.zerosLike(t.labels));
  const nll = tf.neg(tf.sum(tf.mul(lp, tf.oneHot(safe, V)), -1));
  const smooth = tf.neg(tf.mean(lp, -1));
  const loss = tf.add(tf.mul(nll, 1 - eps), tf.mul(smooth, eps));
  return tf.where(valid, loss, tf.zeros([N]));
}

describe.skipIf(!torch.available)('fused kernels on torch', () => {
  beforeAll(() => ensureTorch());

  it.each([[[2, 3, 16]], [[5, 8]], [[1, 1, 4]]])('LoratsLayerNorm and its Grad match the composed formula for x %j', async (shape) => {
    const C = shape[shape.length - 1];
    const inputs: Arrays = { x: randn(shape, 1, 3), gamma: randn([C], 2), beta: randn([C], 3) };
    const dy = randn(shape, 4).values;
    const ref = await onCpu(inputs, (t) => layerNormRef(t, 1e-5), ['x', 'gamma', 'beta'], dy);
    const [y] = await onTorch('LoratsLayerNorm', inputs, { epsilon: 1e-5 });
    expectClose(y, ref.y, 1e-4, 1e-3, 'y');
    const grads = await onTorch('LoratsLayerNormGrad', { dy: { values: dy, shape }, x: inputs.x, gamma: inputs.gamma }, { epsilon: 1e-5 });
    grads.forEach((g, i) => expectClose(g, ref.grads[i], 1e-3, 1e-3, ['dx', 'dgamma', 'dbeta'][i]));
  });

  it.each(['tanh', 'none'])('LoratsGelu (%s) and its Grad match the formula', async (approximate) => {
    const inputs: Arrays = { x: randn([4, 7], 5, 4) };
    const dy = randn([4, 7], 6).values;
    const ref = await onCpu(inputs, (t) => geluRef(t.x, approximate), ['x'], dy);
    expectClose((await onTorch('LoratsGelu', inputs, { approximate }))[0], ref.y, 1e-5, 1e-4, 'y');
    const [dx] = await onTorch('LoratsGeluGrad', { dy: { values: dy, shape: [4, 7] }, x: inputs.x }, { approximate });
    expectClose(dx, ref.grads[0], 1e-5, 1e-4, 'dx');
  });

  const attentionCases: Array<[string, number, number, boolean, boolean]> = [
    ['causal, T = S', 5, 5, true, false],
    ['causal, T < S (queries at the end)', 3, 6, true, false],
    ['padding mask', 4, 6, false, true],
    ['causal with padding mask', 4, 4, true, true],
  ];
  it.each(attentionCases)('LoratsAttention %s matches softmax(q·kᵀ·scale + mask)·v and its Grad', async (_name, T, S, causal, masked) => {
    const [B, H, D] = [2, 3, 8];
    const inputs: Arrays = { q: randn([B, H, T, D], 7), k: randn([B, H, S, D], 8), v: randn([B, H, S, D], 9) };
    if (masked) inputs.mask = { values: Array.from({ length: B * S }, (_, i) => (i % S >= S - 1 - (i >= S ? 1 : 0) ? -1e9 : 0)), shape: [B, 1, 1, S] };
    const scale = 1 / Math.sqrt(D);
    const dy = randn([B, H, T, D], 10).values;
    const ref = await onCpu(inputs, (t) => attentionRef(t, causal, scale), ['q', 'k', 'v'], dy);
    const attrs = { causal, scale, dropout: 0, seed: 0 };
    expectClose((await onTorch('LoratsAttention', inputs, attrs))[0], ref.y, 1e-4, 1e-3, 'y');
    const grads = await onTorch('LoratsAttentionGrad', { dy: { values: dy, shape: [B, H, T, D] }, ...inputs }, attrs);
    grads.forEach((g, i) => expectClose(g, ref.grads[i], 1e-4, 1e-3, ['dq', 'dk', 'dv'][i]));
  });

  it('LoratsAttention dropout: the same seed draws the same mask in forward and Grad, another seed another mask', async () => {
    // v = identity (D = S) makes y the dropped-out probabilities themselves, which exposes the keep mask.
    const [B, H, T, S] = [1, 2, 6, 6];
    const eye = tf.tidy(() => Array.from(tf.eye(S).dataSync()));
    const inputs: Arrays = { q: randn([B, H, T, S], 11), k: randn([B, H, S, S], 12), v: { values: Array.from({ length: B * H }, () => eye).flat(), shape: [B, H, S, S] } };
    const attrs = { causal: false, scale: 0.5, dropout: 0.3, seed: 1234 };
    const [y] = await onTorch('LoratsAttention', inputs, attrs);
    const [again] = await onTorch('LoratsAttention', inputs, attrs);
    const [other] = await onTorch('LoratsAttention', inputs, { ...attrs, seed: 99 });
    expect(again).toEqual(y);
    expect(other).not.toEqual(y);
    const keep = y.map((v) => (v === 0 ? 0 : 1 / 0.7));
    const dropped = keep.filter((k) => k === 0).length / keep.length;
    expect(dropped).toBeGreaterThan(0.1);
    expect(dropped).toBeLessThan(0.5);
    const dy = randn([B, H, T, S], 13).values;
    const withKeep = { ...inputs, keep: { values: keep, shape: [B, H, T, S] } };
    const ref = await onCpu(withKeep, (t) => attentionRef(t, false, 0.5, t.keep), ['q', 'k', 'v'], dy);
    expectClose(y, ref.y, 1e-4, 1e-3, 'y');
    const grads = await onTorch('LoratsAttentionGrad', { dy: { values: dy, shape: [B, H, T, S] }, ...inputs }, attrs);
    grads.forEach((g, i) => expectClose(g, ref.grads[i], 1e-4, 1e-3, ['dq', 'dk', 'dv'][i]));
  });

  it.each([
    ['with bias and dropout mask', true, true],
    ['without bias or mask', false, false],
  ])('LoratsLoraLinear %s matches x·Wᵀ + b + scaling·((x⊙m)·Aᵀ)·Bᵀ and its Grad', async (_name, withBias, withMask) => {
    const [N, T, inF, outF, rank] = [2, 3, 6, 5, 2];
    const inputs: Arrays = { x: randn([N, T, inF], 14), weight: randn([outF, inF], 15), loraA: randn([rank, inF], 16), loraB: randn([outF, rank], 17) };
    if (withBias) inputs.bias = randn([outF], 18);
    if (withMask) inputs.dropoutMask = { values: randn([N, T, inF], 19).values.map((v) => (v > -0.4 ? 1 / 0.7 : 0)), shape: [N, T, inF] };
    const scaling = 2;
    const dy = randn([N, T, outF], 20).values;
    const wrt = ['x', 'weight', ...(withBias ? ['bias'] : []), 'loraA', 'loraB'];
    const ref = await onCpu(inputs, (t) => loraRef(t, scaling), wrt, dy);
    expectClose((await onTorch('LoratsLoraLinear', inputs, { scaling }))[0], ref.y, 1e-4, 1e-3, 'y');
    const { bias: _bias, ...gradInputs } = inputs;
    const [dx, dW, db, dA, dB] = await onTorch('LoratsLoraLinearGrad', { dy: { values: dy, shape: [N, T, outF] }, ...gradInputs }, { scaling, hasBias: withBias });
    const named = Object.fromEntries(wrt.map((k, i) => [k, ref.grads[i]]));
    expectClose(dx, named.x, 1e-4, 1e-3, 'dx');
    expectClose(dW, named.weight, 1e-4, 1e-3, 'dweight');
    if (withBias) expectClose(db, named.bias, 1e-4, 1e-3, 'dbias');
    expectClose(dA, named.loraA, 1e-4, 1e-3, 'dloraA');
    expectClose(dB, named.loraB, 1e-4, 1e-3, 'dloraB');
    const skipped = await onTorch('LoratsLoraLinearGrad', { dy: { values: dy, shape: [N, T, outF] }, ...gradInputs }, { scaling, hasBias: withBias, weightGrad: false });
    expect(skipped[1].every((v) => v === 0)).toBe(true);
    expectClose(skipped[3], named.loraA, 1e-4, 1e-3, 'dloraA without dweight');
  });

  it.each([
    ['[out, in] with bias and residual', false, true, true],
    ['[in, out] (fanInFanOut) with bias', true, true, false],
    ['[in, out] with residual, no bias', true, false, true],
  ])('LoratsLinear %s matches x·W + b (+ residual) and its Grad', async (_name, fanInFanOut, withBias, withResidual) => {
    const [N, T, inF, outF] = [2, 3, 6, 5];
    const inputs: Arrays = { x: randn([N, T, inF], 70), weight: randn(fanInFanOut ? [inF, outF] : [outF, inF], 71) };
    if (withBias) inputs.bias = randn([outF], 72);
    if (withResidual) inputs.residual = randn([N, T, outF], 73);
    const dy = randn([N, T, outF], 74).values;
    const wrt = ['x', 'weight', ...(withBias ? ['bias'] : []), ...(withResidual ? ['residual'] : [])];
    const ref = await onCpu(inputs, (t) => linearRef(t, fanInFanOut), wrt, dy);
    expectClose((await onTorch('LoratsLinear', inputs, { fanInFanOut }))[0], ref.y, 1e-4, 1e-3, 'y');
    const named = Object.fromEntries(wrt.map((k, i) => [k, ref.grads[i]]));
    const gradInputs: Arrays = { dy: { values: dy, shape: [N, T, outF] }, x: inputs.x, weight: inputs.weight };
    const grads = await onTorch('LoratsLinearGrad', gradInputs, { fanInFanOut, hasResidual: withResidual });
    expect(grads).toHaveLength(withResidual ? 4 : 3);
    expectClose(grads[0], named.x, 1e-4, 1e-3, 'dx');
    expectClose(grads[1], named.weight, 1e-4, 1e-3, 'dweight');
    if (withBias) expectClose(grads[2], named.bias, 1e-4, 1e-3, 'dbias');
    if (withResidual) expectClose(grads[3], named.residual, 1e-6, 1e-6, 'dresidual');
    // frozen weight and bias: only dx is computed, the others are zeros of their shapes
    const frozen = await onTorch('LoratsLinearGrad', gradInputs, { fanInFanOut, weightGrad: false, biasGrad: false });
    expectClose(frozen[0], named.x, 1e-4, 1e-3, 'dx (frozen weight)');
    expect(frozen[1]).toEqual(new Array(inF * outF).fill(0));
    expect(frozen[2]).toEqual(new Array(outF).fill(0));
  });

  it.each([
    ['q, v of [q | k | v] (GPT-2 c_attn), [in, out] weight', [true, false, true], true],
    ['one group of two, [out, in] weight', [false, true], false],
  ])('LoratsLoraLinear with enableLora groups: %s', async (_name, enable, fanInFanOut) => {
    const [N, inF, rank] = [4, 6, 2];
    const G = enable.length;
    const E = enable.filter(Boolean).length;
    const d = 3;
    const outF = d * G;
    const inputs: Arrays = {
      x: randn([N, inF], 80),
      weight: randn(fanInFanOut ? [inF, outF] : [outF, inF], 81),
      bias: randn([outF], 82),
      loraA: randn([rank * E, inF], 83),
      loraB: randn([d * E, rank], 84),
    };
    const scaling = 1.5;
    const dy = randn([N, outF], 85).values;
    const ref = await onCpu(
      inputs,
      (t) => tf.add(linearRef({ x: t.x, weight: t.weight, bias: t.bias }, fanInFanOut), tf.mul(tf.matMul(tf.matMul(t.x, t.loraA, false, true), expandB(t.loraB, enable, rank), false, true), scaling)),
      ['x', 'loraA', 'loraB'],
      dy,
    );
    const attrs = { scaling, fanInFanOut, enableLora: enable };
    expectClose((await onTorch('LoratsLoraLinear', inputs, attrs))[0], ref.y, 1e-4, 1e-3, 'y');
    const { bias: _bias, ...gradInputs } = inputs;
    const [dx, dW, db, dA, dB] = await onTorch('LoratsLoraLinearGrad', { dy: { values: dy, shape: [N, outF] }, ...gradInputs }, { ...attrs, hasBias: true, weightGrad: false, biasGrad: false });
    expectClose(dx, ref.grads[0], 1e-4, 1e-3, 'dx');
    expectClose(dA, ref.grads[1], 1e-4, 1e-3, 'dloraA');
    expectClose(dB, ref.grads[2], 1e-4, 1e-3, 'dloraB');
    expect(dW.every((v) => v === 0) && db.every((v) => v === 0)).toBe(true);
  });

  it.each([
    ['causal', true],
    ['not causal', false],
  ])('LoratsPackedAttention (%s) over q | k | v [B, T, 3·H·D] matches split heads, attention, merge, and its Grad', async (_name, causal) => {
    const [B, T, H, D] = [2, 5, 3, 8]; // D = 8: within the fused CUDA kernels' alignment
    const inputs: Arrays = { qkv: randn([B, T, 3 * H * D], 90) };
    const scale = 0.4;
    const dy = randn([B, T, H * D], 91).values;
    const ref = await onCpu(inputs, (t) => packedAttentionRef(t.qkv, H, causal, scale), ['qkv'], dy);
    const attrs = { heads: H, causal, scale, dropout: 0, seed: 0 };
    const forward = await onTorch('LoratsPackedAttention', inputs, attrs);
    expectClose(forward[0], ref.y, 1e-4, 1e-3, 'y');
    const gradInputs: Arrays = { dy: { values: dy, shape: [B, T, H * D] }, ...inputs };
    const [dqkv] = await onTorch('LoratsPackedAttentionGrad', gradInputs, attrs);
    expectClose(dqkv, ref.grads[0], 1e-4, 1e-3, 'dqkv');
    // On CUDA (float32) the memory-efficient kernel returns [y, stats]: the gradient from them, without recomputing
    expect(forward).toHaveLength(DEVICE.startsWith('cuda') ? 2 : 1);
    if (forward.length === 2) {
      const reusedBefore = torchAttentionStats().reused;
      await tf.setBackend('torch');
      const [dqkvReused] = tf.tidy(() => {
        const t = tensors(gradInputs);
        const [y, stats] = tf.engine().runKernel('LoratsPackedAttention', { qkv: t.qkv }, attrs) as tf.Tensor[];
        const g = tf.engine().runKernel('LoratsPackedAttentionGrad', { ...t, y, stats }, attrs) as tf.Tensor;
        return [Array.from(g.dataSync())];
      });
      expectClose(dqkvReused, ref.grads[0], 1e-4, 1e-3, 'dqkv from the saved forward');
      expect(torchAttentionStats().reused).toBe(reusedBefore + 1);
    }
  });

  it.each([0, 0.1])('LoratsCrossEntropy (label smoothing %s) ignores negative labels and its Grad matches autodiff', async (eps) => {
    const [N, V] = [6, 9];
    const inputs: Arrays = { logits: randn([N, V], 21, 3), labels: { values: [3, -100, 0, 8, -1, 5], shape: [N], dtype: 'int32' } };
    const dy = randn([N], 22).values;
    const ref = await onCpu(inputs, (t) => crossEntropyRef(t, eps), ['logits'], dy);
    const [loss] = await onTorch('LoratsCrossEntropy', inputs, { labelSmoothing: eps });
    expectClose(loss, ref.y, 1e-5, 1e-4, 'loss');
    expect(loss[1]).toBe(0);
    const [dl] = await onTorch('LoratsCrossEntropyGrad', { dy: { values: dy, shape: [N] }, ...inputs }, { labelSmoothing: eps });
    expectClose(dl, ref.grads[0], 1e-5, 1e-4, 'dlogits');
  });

  it('LoratsCrossEntropy rejects a label outside the vocabulary with a JS error', async () => {
    await expect(onTorch('LoratsCrossEntropy', { logits: randn([2, 4], 23), labels: { values: [1, 4], shape: [2], dtype: 'int32' } }, { labelSmoothing: 0 })).rejects.toThrow();
  });
});

describe.runIf(torch.available && DEVICE.startsWith('cuda'))('bf16 autocast on CUDA', () => {
  beforeAll(() => ensureTorch());

  // bf16 keeps 8 bits of mantissa: a relative error around 1e-2 of the result's scale
  const near = (a: number[], e: number[], what: string) => {
    const scale = Math.max(...e.map(Math.abs));
    expectClose(a, e, 3e-2 * scale, 3e-2, what);
  };

  it('the GPT-2 layer kernels (linear with residual, grouped LoRA, packed attention) stay within bf16 error of float32', async () => {
    setTorchOptions({ bf16: true });
    try {
      await bf16LayerKernels();
    } finally {
      setTorchOptions({ bf16: false });
    }
  });

  async function bf16LayerKernels(): Promise<void> {
    const [B, T, H, D] = [2, 64, 4, 64];
    const C = H * D;
    const enable = [true, false, true];
    const qkvInputs: Arrays = { qkv: randn([B, T, 3 * C], 100) };
    const dyA = randn([B, T, C], 101).values;
    const refA = await onCpu(qkvInputs, (t) => packedAttentionRef(t.qkv, H, true, 1 / Math.sqrt(D)), ['qkv'], dyA);
    const attrs = { heads: H, causal: true, scale: 1 / Math.sqrt(D), dropout: 0, seed: 0 };
    near((await onTorch('LoratsPackedAttention', qkvInputs, attrs))[0], refA.y, 'attention y');
    near((await onTorch('LoratsPackedAttentionGrad', { dy: { values: dyA, shape: [B, T, C] }, ...qkvInputs }, attrs))[0], refA.grads[0], 'attention dqkv');
    // bf16 too runs the memory-efficient kernel with its log-sum-exp, and the gradient reuses them
    const reusedBefore = torchAttentionStats().reused;
    await tf.setBackend('torch');
    const [yReused, dqkvReused] = tf.tidy(() => {
      const t = tensors({ dy: { values: dyA, shape: [B, T, C] }, ...qkvInputs });
      const outs = tf.engine().runKernel('LoratsPackedAttention', { qkv: t.qkv }, attrs) as tf.Tensor[];
      expect(outs.length, `forward outputs (last fallback: ${torchAttentionStats().lastFallback})`).toBe(2);
      const g = tf.engine().runKernel('LoratsPackedAttentionGrad', { ...t, y: outs[0], stats: outs[1] }, attrs) as tf.Tensor;
      return [Array.from(outs[0].dataSync()), Array.from(g.dataSync())];
    });
    near(yReused, refA.y, 'attention y (kept forward)');
    near(dqkvReused, refA.grads[0], 'attention dqkv from the saved forward');
    expect(torchAttentionStats().reused).toBe(reusedBefore + 1);

    const lin: Arrays = { x: randn([B, T, C], 102), weight: randn([C, C], 103, 0.1), bias: randn([C], 104), residual: randn([B, T, C], 105) };
    const dyL = randn([B, T, C], 106).values;
    const refL = await onCpu(lin, (t) => linearRef(t, true), ['x'], dyL);
    near((await onTorch('LoratsLinear', lin, { fanInFanOut: true }))[0], refL.y, 'linear y');
    near((await onTorch('LoratsLinearGrad', { dy: { values: dyL, shape: [B, T, C] }, x: lin.x, weight: lin.weight }, { fanInFanOut: true, weightGrad: false, biasGrad: false }))[0], refL.grads[0], 'linear dx');

    const rank = 4;
    const lora: Arrays = { x: lin.x, weight: randn([C, 3 * C], 107, 0.1), bias: randn([3 * C], 108), loraA: randn([2 * rank, C], 109, 0.1), loraB: randn([2 * C, rank], 110, 0.1) };
    const dyR = randn([B, T, 3 * C], 111).values;
    const loraRefFn = (t: Record<string, tf.Tensor>) => {
      const x2 = t.x.reshape([-1, C]);
      const y = tf.add(tf.add(tf.matMul(x2, t.weight), t.bias), tf.mul(tf.matMul(tf.matMul(x2, t.loraA, false, true), expandB(t.loraB, enable, rank), false, true), 2));
      return y.reshape([B, T, 3 * C]);
    };
    const refR = await onCpu(lora, loraRefFn, ['x', 'loraA', 'loraB'], dyR);
    const loraAttrs = { scaling: 2, fanInFanOut: true, enableLora: enable };
    near((await onTorch('LoratsLoraLinear', lora, loraAttrs))[0], refR.y, 'lora y');
    const { bias: _b, ...loraGradInputs } = lora;
    const g = await onTorch('LoratsLoraLinearGrad', { dy: { values: dyR, shape: [B, T, 3 * C] }, ...loraGradInputs }, { ...loraAttrs, hasBias: true, weightGrad: false, biasGrad: false });
    near(g[0], refR.grads[0], 'lora dx');
    near(g[3], refR.grads[1], 'lora dA');
    near(g[4], refR.grads[2], 'lora dB');
  }
});

describe.skipIf(!torch.available)('LoratsAdamW on torch', () => {
  beforeAll(() => ensureTorch());

  it('updates every parameter and both moments as AdamW does, leaving its inputs unchanged', async () => {
    const shapes = [[3, 4], [5], [2, 1, 2]];
    const [beta1, beta2, eps] = [0.9, 0.999, 1e-6];
    const stepSizes = [0.01, 0.02, 0.005];
    const decays = [1e-3, 0, 2e-2];
    const inputs: Arrays = {};
    shapes.forEach((shape, i) => {
      inputs[`param${i}`] = randn(shape, 30 + i);
      inputs[`grad${i}`] = randn(shape, 40 + i);
      inputs[`m${i}`] = randn(shape, 50 + i, 0.1);
      inputs[`v${i}`] = { values: randn(shape, 60 + i).values.map((x) => x * x * 0.01), shape };
    });
    const out = await onTorch('LoratsAdamW', inputs, { beta1, beta2, eps, stepSizes, decays });
    expect(out).toHaveLength(3 * shapes.length);
    shapes.forEach((_, i) => {
      const p = inputs[`param${i}`].values;
      const g = inputs[`grad${i}`].values;
      const m = inputs[`m${i}`].values.map((x, k) => beta1 * x + (1 - beta1) * g[k]);
      const v = inputs[`v${i}`].values.map((x, k) => beta2 * x + (1 - beta2) * g[k] * g[k]);
      const next = p.map((x, k) => (x - (stepSizes[i] * m[k]) / (Math.sqrt(v[k]) + eps)) * (1 - decays[i]));
      expectClose(out[i], next, 1e-6, 1e-5, `param ${i}`);
      expectClose(out[shapes.length + i], m, 1e-6, 1e-5, `m ${i}`);
      expectClose(out[2 * shapes.length + i], v, 1e-8, 1e-5, `v ${i}`);
    });
  });
});

describe.skipIf(!torch.available)('random kernels on torch', () => {
  beforeAll(() => ensureTorch());

  it('LoratsRandomUniform / LoratsRandomNormal have the asked range and moments, and a seed repeats', async () => {
    const [u] = await onTorch('LoratsRandomUniform', {}, { shape: [20000], minval: -2, maxval: 3, seed: 7 });
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
    expect(u.reduce((a, b) => a + b, 0) / u.length).toBeCloseTo(0.5, 1);
    const [again] = await onTorch('LoratsRandomUniform', {}, { shape: [20000], minval: -2, maxval: 3, seed: 7 });
    expect(again).toEqual(u);
    const [n] = await onTorch('LoratsRandomNormal', {}, { shape: [20000], mean: 1, stdDev: 2 });
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const sd = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
    expect(mean).toBeCloseTo(1, 1);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('LoratsDropoutMask holds 0 or 1/(1-rate), dropping about rate of the entries', async () => {
    const [m] = await onTorch('LoratsDropoutMask', {}, { shape: [100, 100], rate: 0.25, seed: 3 });
    expect(new Set(m.map((v) => v.toFixed(5)))).toEqual(new Set(['0.00000', (1 / 0.75).toFixed(5)]));
    expect(m.filter((v) => v === 0).length / m.length).toBeCloseTo(0.25, 1);
  });
});
