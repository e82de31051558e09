// Reference implementations of the fused-op kernels of docs/fused-ops.md, in plain loops over host arrays.
// They let the kernel path of @lorats/core's op front-ends (runKernel + gradient) be tested on any backend that
// stores data on the host (cpu), and they are a second, independent derivation of each formula.
// Shapes: B batch, H heads, T/S query/key length, D head size, C features, V vocabulary, N rows.
import * as tf from '@tensorflow/tfjs-core';

type Inputs = Record<string, tf.TensorInfo>;
type Attrs = tf.NamedAttrMap;

/** The kernel names of the fused-op contract (docs/fused-ops.md). */
export const FUSED_KERNEL_NAMES = [
  'LoratsLayerNorm',
  'LoratsLayerNormGrad',
  'LoratsGelu',
  'LoratsGeluGrad',
  'LoratsAttention',
  'LoratsAttentionGrad',
  'LoratsPackedAttention',
  'LoratsPackedAttentionGrad',
  'LoratsLinear',
  'LoratsLinearGrad',
  'LoratsLoraLinear',
  'LoratsLoraLinearGrad',
  'LoratsCrossEntropy',
  'LoratsCrossEntropyGrad',
] as const;

interface Ctx {
  backend: tf.KernelBackend;
}

function read(ctx: Ctx, t: tf.TensorInfo | undefined): Float32Array {
  if (t == null) throw new Error('reference kernel: missing input');
  const v = ctx.backend.readSync(t.dataId);
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

function readInt(ctx: Ctx, t: tf.TensorInfo): Int32Array {
  const v = ctx.backend.readSync(t.dataId);
  return v instanceof Int32Array ? v : Int32Array.from(v as ArrayLike<number>);
}

function out(ctx: Ctx, values: Float32Array, shape: number[]): tf.TensorInfo {
  return { dataId: ctx.backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
}


// --- layer norm: y = gamma·(x−mean)/sqrt(var+eps)+beta over the last axis, biased variance -------------------
function layerNorm(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo {
  const x = read(ctx, inputs.x);
  const gamma = read(ctx, inputs.gamma);
  const beta = read(ctx, inputs.beta);
  const eps = attrs.epsilon as number;
  const C = gamma.length;
  const y = new Float32Array(x.length);
  for (let r = 0; r < x.length / C; r++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[r * C + c];
    mean /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[r * C + c] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / C + eps);
    for (let c = 0; c < C; c++) y[r * C + c] = gamma[c] * (x[r * C + c] - mean) * inv + beta[c];
  }
  return out(ctx, y, inputs.x.shape);
}

function layerNormGrad(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo[] {
  const dy = read(ctx, inputs.dy);
  const x = read(ctx, inputs.x);
  const gamma = read(ctx, inputs.gamma);
  const eps = attrs.epsilon as number;
  const C = gamma.length;
  const dx = new Float32Array(x.length);
  const dgamma = new Float32Array(C);
  const dbeta = new Float32Array(C);
  const xhat = new Float64Array(C);
  const g = new Float64Array(C);
  for (let r = 0; r < x.length / C; r++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[r * C + c];
    mean /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[r * C + c] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / C + eps);
    let meanG = 0;
    let meanGX = 0;
    for (let c = 0; c < C; c++) {
      xhat[c] = (x[r * C + c] - mean) * inv;
      g[c] = dy[r * C + c] * gamma[c];
      meanG += g[c] / C;
      meanGX += (g[c] * xhat[c]) / C;
      dgamma[c] += dy[r * C + c] * xhat[c];
      dbeta[c] += dy[r * C + c];
    }
    for (let c = 0; c < C; c++) dx[r * C + c] = inv * (g[c] - meanG - xhat[c] * meanGX);
  }
  return [out(ctx, dx, inputs.x.shape), out(ctx, dgamma, [C]), out(ctx, dbeta, [C])];
}

// --- gelu -----------------------------------------------------------------------------------------------------
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** erf to ~1e-15 (series near 0, continued fraction for the tail). */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf x = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc x = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))) evaluated bottom-up
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

function geluScalar(x: number, approximate: string): number {
  if (approximate === 'tanh') return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)));
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

function geluGradScalar(x: number, approximate: string): number {
  if (approximate === 'tanh') {
    const t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x ** 3));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
  }
  return 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
}

function gelu(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo {
  const x = read(ctx, inputs.x);
  const approximate = attrs.approximate as string;
  return out(ctx, x.map((v) => geluScalar(v, approximate)), inputs.x.shape);
}

function geluGrad(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo {
  const dy = read(ctx, inputs.dy);
  const x = read(ctx, inputs.x);
  const approximate = attrs.approximate as string;
  return out(ctx, x.map((v, i) => dy[i] * geluGradScalar(v, approximate)), inputs.x.shape);
}

// --- attention: y = softmax(q·kᵀ·scale + mask [+ causal])·v, per (b, h) ------------------------------------------
interface AttentionDims {
  B: number;
  H: number;
  T: number;
  S: number;
  D: number;
}

/** Reads a broadcastable additive mask value for position (b, h, t, s). */
function maskReader(ctx: Ctx, mask: tf.TensorInfo | undefined, dims: AttentionDims): (b: number, h: number, t: number, s: number) => number {
  if (mask == null) return () => 0;
  const m = read(ctx, mask);
  const shape = [1, 1, 1, 1].concat(mask.shape).slice(-4);
  const full = [dims.B, dims.H, dims.T, dims.S];
  const strides = [0, 0, 0, 0];
  let stride = 1;
  for (let i = 3; i >= 0; i--) {
    if (shape[i] !== 1 && shape[i] !== full[i]) throw new Error(`reference attention: mask shape [${mask.shape}] does not broadcast`);
    strides[i] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  return (b, h, t, s) => m[b * strides[0] + h * strides[1] + t * strides[2] + s * strides[3]];
}

function attentionProbs(ctx: Ctx, inputs: Inputs, attrs: Attrs): { p: Float64Array; dims: AttentionDims } {
  const [B, H, T, D] = inputs.q.shape;
  const S = inputs.k.shape[2];
  const dims = { B, H, T, S, D };
  if ((attrs.dropout as number) > 0) throw new Error('reference attention kernel: dropout > 0 is not reproducible here');
  const q = read(ctx, inputs.q);
  const k = read(ctx, inputs.k);
  const maskAt = maskReader(ctx, inputs.mask, dims);
  const scale = attrs.scale as number;
  const causal = attrs.causal as boolean;
  const p = new Float64Array(B * H * T * S);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let t = 0; t < T; t++) {
        const row = ((b * H + h) * T + t) * S;
        let max = -Infinity;
        for (let s = 0; s < S; s++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[((b * H + h) * T + t) * D + d] * k[((b * H + h) * S + s) * D + d];
          let score = dot * scale + maskAt(b, h, t, s);
          if (causal && s > t + S - T) score = -Infinity;
          p[row + s] = score;
          max = Math.max(max, score);
        }
        let sum = 0;
        for (let s = 0; s < S; s++) {
          p[row + s] = Math.exp(p[row + s] - max);
          sum += p[row + s];
        }
        for (let s = 0; s < S; s++) p[row + s] /= sum;
      }
  return { p, dims };
}

function attention(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo {
  const { p, dims } = attentionProbs(ctx, inputs, attrs);
  const { B, H, T, S, D } = dims;
  const v = read(ctx, inputs.v);
  const y = new Float32Array(B * H * T * D);
  for (let bh = 0; bh < B * H; bh++)
    for (let t = 0; t < T; t++)
      for (let d = 0; d < D; d++) {
        let acc = 0;
        for (let s = 0; s < S; s++) acc += p[(bh * T + t) * S + s] * v[(bh * S + s) * D + d];
        y[(bh * T + t) * D + d] = acc;
      }
  return out(ctx, y, [B, H, T, D]);
}

function attentionGrad(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo[] {
  const { p, dims } = attentionProbs(ctx, inputs, attrs);
  const { B, H, T, S, D } = dims;
  const dy = read(ctx, inputs.dy);
  const q = read(ctx, inputs.q);
  const k = read(ctx, inputs.k);
  const v = read(ctx, inputs.v);
  const scale = attrs.scale as number;
  const dq = new Float32Array(q.length);
  const dk = new Float32Array(k.length);
  const dv = new Float32Array(v.length);
  const dp = new Float64Array(S);
  for (let bh = 0; bh < B * H; bh++)
    for (let t = 0; t < T; t++) {
      const row = (bh * T + t) * S;
      let dot = 0;
      for (let s = 0; s < S; s++) {
        let acc = 0;
        for (let d = 0; d < D; d++) acc += dy[(bh * T + t) * D + d] * v[(bh * S + s) * D + d];
        dp[s] = acc;
        dot += acc * p[row + s];
        for (let d = 0; d < D; d++) dv[(bh * S + s) * D + d] += p[row + s] * dy[(bh * T + t) * D + d];
      }
      for (let s = 0; s < S; s++) {
        const ds = p[row + s] * (dp[s] - dot) * scale;
        for (let d = 0; d < D; d++) {
          dq[(bh * T + t) * D + d] += ds * k[(bh * S + s) * D + d];
          dk[(bh * S + s) * D + d] += ds * q[(bh * T + t) * D + d];
        }
      }
    }
  return [out(ctx, dq, inputs.q.shape), out(ctx, dk, inputs.k.shape), out(ctx, dv, inputs.v.shape)];
}

// --- packed attention: qkv [B, T, 3·H·D] → y [B, T, H·D], through the attention kernels above ------------------------
/** Runs `f` on q, k, v [B, H, T, D] tensors unpacked from qkv (host copies), disposing them afterwards. */
function withHeads<R>(ctx: Ctx, inputs: Inputs, attrs: Attrs, f: (heads: Inputs) => R): R {
  const qkv = read(ctx, inputs.qkv);
  const [B, T, C3] = inputs.qkv.shape;
  const H = attrs.heads as number;
  const D = C3 / 3 / H;
  const parts = [0, 1, 2].map((j) => {
    const a = new Float32Array(B * H * T * D);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let h = 0; h < H; h++)
          for (let d = 0; d < D; d++) a[((b * H + h) * T + t) * D + d] = qkv[(b * T + t) * C3 + j * H * D + h * D + d];
    return out(ctx, a, [B, H, T, D]);
  });
  const heads: Inputs = { q: parts[0], k: parts[1], v: parts[2] };
  if (inputs.mask != null) heads.mask = inputs.mask;
  try {
    return f(heads);
  } finally {
    for (const t of parts) ctx.backend.disposeData(t.dataId);
  }
}

/** [B, H, T, D] values (host) → [B, T, H·D] at column offset `offset` of rows `width` wide. */
function mergeHeads(src: Float32Array, dst: Float32Array, dims: { B: number; H: number; T: number; D: number }, width: number, offset: number): void {
  const { B, H, T, D } = dims;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let t = 0; t < T; t++)
        for (let d = 0; d < D; d++) dst[(b * T + t) * width + offset + h * D + d] = src[((b * H + h) * T + t) * D + d];
}

function packedAttention(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo {
  const [B, T, C3] = inputs.qkv.shape;
  const H = attrs.heads as number;
  const dims = { B, H, T, D: C3 / 3 / H };
  return withHeads(ctx, inputs, attrs, (heads) => {
    const y = attention(ctx, heads, attrs);
    const merged = new Float32Array(B * T * (C3 / 3));
    mergeHeads(read(ctx, y), merged, dims, C3 / 3, 0);
    ctx.backend.disposeData(y.dataId);
    return out(ctx, merged, [B, T, C3 / 3]);
  });
}

function packedAttentionGrad(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo {
  const [B, T, C3] = inputs.qkv.shape;
  const H = attrs.heads as number;
  const dims = { B, H, T, D: C3 / 3 / H };
  return withHeads(ctx, inputs, attrs, (heads) => {
    // dy [B, T, H·D] → [B, H, T, D]
    const dyIn = read(ctx, inputs.dy);
    const dyHeads = new Float32Array(dyIn.length);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let h = 0; h < H; h++)
          for (let d = 0; d < dims.D; d++) dyHeads[((b * H + h) * T + t) * dims.D + d] = dyIn[(b * T + t) * (C3 / 3) + h * dims.D + d];
    const dy = out(ctx, dyHeads, [B, H, T, dims.D]);
    const grads = attentionGrad(ctx, { ...heads, dy }, attrs);
    const dqkv = new Float32Array(B * T * C3);
    grads.forEach((g, j) => mergeHeads(read(ctx, g), dqkv, dims, C3, (j * C3) / 3));
    for (const t of [dy, ...grads]) ctx.backend.disposeData(t.dataId);
    return out(ctx, dqkv, [B, T, C3]);
  });
}

// --- linear: y = x·Wᵀ + b (+ residual) (weight [out, in], or [in, out] with fanInFanOut) -------------------------------
/** The weight as [out, in] host values (transposing a fanInFanOut [in, out] weight). */
function weightOutIn(ctx: Ctx, weight: tf.TensorInfo, fanInFanOut: boolean): { w: Float32Array; outF: number; inF: number } {
  const raw = read(ctx, weight);
  if (!fanInFanOut) return { w: raw, outF: weight.shape[0], inF: weight.shape[1] };
  const [inF, outF] = weight.shape;
  const w = new Float32Array(raw.length);
  for (let i = 0; i < inF; i++) for (let o = 0; o < outF; o++) w[o * inF + i] = raw[i * outF + o];
  return { w, outF, inF };
}

/** A [out, in] gradient in the weight's own layout. */
function inWeightLayout(dw: Float32Array, outF: number, inF: number, fanInFanOut: boolean): Float32Array {
  if (!fanInFanOut) return dw;
  const t = new Float32Array(dw.length);
  for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) t[i * outF + o] = dw[o * inF + i];
  return t;
}

function linear(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo {
  const x = read(ctx, inputs.x);
  const { w, outF, inF } = weightOutIn(ctx, inputs.weight, attrs.fanInFanOut === true);
  const bias = inputs.bias == null ? null : read(ctx, inputs.bias);
  const residual = inputs.residual == null ? null : read(ctx, inputs.residual);
  const N = x.length / inF;
  const y = new Float32Array(N * outF);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < outF; o++) {
      let acc = (bias == null ? 0 : bias[o]) + (residual == null ? 0 : residual[n * outF + o]);
      for (let i = 0; i < inF; i++) acc += x[n * inF + i] * w[o * inF + i];
      y[n * outF + o] = acc;
    }
  return out(ctx, y, inputs.x.shape.slice(0, -1).concat([outF]));
}

function linearGrad(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo[] {
  const fanInFanOut = attrs.fanInFanOut === true;
  const dy = read(ctx, inputs.dy);
  const x = read(ctx, inputs.x);
  const { w, outF, inF } = weightOutIn(ctx, inputs.weight, fanInFanOut);
  const weightGrad = attrs.weightGrad !== false; // false: dweight is not needed (zeros)
  const biasGrad = attrs.biasGrad !== false;
  const N = x.length / inF;
  const dx = new Float32Array(N * inF);
  const dw = new Float32Array(outF * inF);
  const db = new Float32Array(outF);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < outF; o++) {
      const d = dy[n * outF + o];
      if (biasGrad) db[o] += d;
      for (let i = 0; i < inF; i++) {
        dx[n * inF + i] += d * w[o * inF + i];
        if (weightGrad) dw[o * inF + i] += d * x[n * inF + i];
      }
    }
  const grads = [out(ctx, dx, inputs.x.shape), out(ctx, inWeightLayout(dw, outF, inF, fanInFanOut), inputs.weight.shape), out(ctx, db, [outF])];
  if (attrs.hasResidual === true) grads.push(out(ctx, dy.slice(), inputs.dy.shape)); // d(residual) = dy
  return grads;
}

// --- LoRA linear: y = x·Wᵀ + b + scaling·((x⊙mask)·Aᵀ)·Bᵀ ---------------------------------------------------------
/**
 * B as the [out, rank·E] matrix of a plain computation: B itself without `enableLora`; for MergedLinear groups, the
 * k-th enabled group's rows k·d… of B placed at its output rows g·d… and columns k·rank… (zeros elsewhere).
 */
function expandedB(b: Float32Array, outF: number, rank: number, enable: boolean[] | null): { bm: Float32Array; width: number } {
  if (enable == null) return { bm: b, width: rank };
  const E = enable.filter(Boolean).length;
  const d = outF / enable.length;
  const width = rank * E;
  const bm = new Float32Array(outF * width);
  let k = 0;
  enable.forEach((on, g) => {
    if (!on) return;
    for (let i = 0; i < d; i++) for (let r = 0; r < rank; r++) bm[(g * d + i) * width + k * rank + r] = b[(k * d + i) * rank + r];
    k++;
  });
  return { bm, width };
}

/** The gradient of the expanded B back in B's own [d·E, rank] layout. */
function collapseB(dbm: Float32Array, outF: number, rank: number, enable: boolean[] | null): Float32Array {
  if (enable == null) return dbm;
  const E = enable.filter(Boolean).length;
  const d = outF / enable.length;
  const width = rank * E;
  const db = new Float32Array(d * E * rank);
  let k = 0;
  enable.forEach((on, g) => {
    if (!on) return;
    for (let i = 0; i < d; i++) for (let r = 0; r < rank; r++) db[(k * d + i) * rank + r] = dbm[(g * d + i) * width + k * rank + r];
    k++;
  });
  return db;
}

function loraLinearParts(ctx: Ctx, inputs: Inputs, attrs: Attrs) {
  const x = read(ctx, inputs.x);
  const fanInFanOut = attrs.fanInFanOut === true;
  const { w, outF, inF } = weightOutIn(ctx, inputs.weight, fanInFanOut);
  const enable = attrs.enableLora == null ? null : (attrs.enableLora as boolean[]);
  const a = read(ctx, inputs.loraA);
  const rank = inputs.loraB.shape[1];
  const { bm, width } = expandedB(read(ctx, inputs.loraB), outF, rank, enable); // [out, rank·E]
  const mask = inputs.dropoutMask == null ? null : read(ctx, inputs.dropoutMask);
  const N = x.length / inF;
  const xm = mask == null ? x : x.map((v, i) => v * mask[i]);
  const h = new Float64Array(N * width); // [N, rank·E] = (x⊙mask)·Aᵀ
  for (let n = 0; n < N; n++)
    for (let r = 0; r < width; r++) {
      let acc = 0;
      for (let i = 0; i < inF; i++) acc += xm[n * inF + i] * a[r * inF + i];
      h[n * width + r] = acc;
    }
  return { x, w, a, bm, mask, xm, h, outF, inF, rank, width, enable, fanInFanOut, N };
}

function loraLinear(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo {
  const { x, w, bm, h, outF, inF, width, N } = loraLinearParts(ctx, inputs, attrs);
  const bias = inputs.bias == null ? null : read(ctx, inputs.bias);
  const scaling = attrs.scaling as number;
  const y = new Float32Array(N * outF);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < outF; o++) {
      let acc = bias == null ? 0 : bias[o];
      for (let i = 0; i < inF; i++) acc += x[n * inF + i] * w[o * inF + i];
      let lora = 0;
      for (let r = 0; r < width; r++) lora += h[n * width + r] * bm[o * width + r];
      y[n * outF + o] = acc + scaling * lora;
    }
  return out(ctx, y, inputs.x.shape.slice(0, -1).concat([outF]));
}

function loraLinearGrad(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo[] {
  const { x, w, a, bm, mask, xm, h, outF, inF, rank, width, enable, fanInFanOut, N } = loraLinearParts(ctx, inputs, attrs);
  const dy = read(ctx, inputs.dy);
  const scaling = attrs.scaling as number;
  const weightGrad = attrs.weightGrad !== false; // false: dweight is not needed (zeros)
  const dx = new Float32Array(N * inF);
  const dw = new Float32Array(outF * inF);
  const db = new Float32Array(outF);
  const da = new Float32Array(width * inF);
  const dbm = new Float32Array(outF * width);
  const g = new Float64Array(width); // dy·B for one row
  for (let n = 0; n < N; n++) {
    for (let r = 0; r < width; r++) {
      let acc = 0;
      for (let o = 0; o < outF; o++) acc += dy[n * outF + o] * bm[o * width + r];
      g[r] = acc;
    }
    for (let i = 0; i < inF; i++) {
      let acc = 0;
      for (let o = 0; o < outF; o++) acc += dy[n * outF + o] * w[o * inF + i];
      let lora = 0;
      for (let r = 0; r < width; r++) lora += g[r] * a[r * inF + i];
      dx[n * inF + i] = acc + scaling * lora * (mask == null ? 1 : mask[n * inF + i]);
    }
    for (let o = 0; o < outF; o++) {
      const d = dy[n * outF + o];
      db[o] += d;
      if (weightGrad) for (let i = 0; i < inF; i++) dw[o * inF + i] += d * x[n * inF + i];
      for (let r = 0; r < width; r++) dbm[o * width + r] += scaling * d * h[n * width + r];
    }
    for (let r = 0; r < width; r++) for (let i = 0; i < inF; i++) da[r * inF + i] += scaling * g[r] * xm[n * inF + i];
  }
  return [
    out(ctx, dx, inputs.x.shape),
    out(ctx, inWeightLayout(dw, outF, inF, fanInFanOut), inputs.weight.shape),
    out(ctx, db, [outF]),
    out(ctx, da, inputs.loraA.shape),
    out(ctx, collapseB(dbm, outF, rank, enable), inputs.loraB.shape),
  ];
}

// --- cross entropy: loss = (1−ε)·NLL + ε·mean_v(−log p_v); negative labels give 0 -------------------------------------
function logSoftmaxRow(logits: Float32Array, n: number, V: number): Float64Array {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[n * V + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[n * V + v] - max);
  const lse = max + Math.log(sum);
  const row = new Float64Array(V);
  for (let v = 0; v < V; v++) row[v] = logits[n * V + v] - lse;
  return row;
}

function crossEntropy(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo {
  const logits = read(ctx, inputs.logits);
  const labels = readInt(ctx, inputs.labels);
  const eps = attrs.labelSmoothing as number;
  const [N, V] = inputs.logits.shape;
  const loss = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    if (labels[n] < 0) continue;
    const lp = logSoftmaxRow(logits, n, V);
    let meanNeg = 0;
    for (let v = 0; v < V; v++) meanNeg -= lp[v] / V;
    loss[n] = (1 - eps) * -lp[labels[n]] + eps * meanNeg;
  }
  return out(ctx, loss, [N]);
}

function crossEntropyGrad(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo {
  const dy = read(ctx, inputs.dy);
  const logits = read(ctx, inputs.logits);
  const labels = readInt(ctx, inputs.labels);
  const eps = attrs.labelSmoothing as number;
  const [N, V] = inputs.logits.shape;
  const d = new Float32Array(N * V);
  for (let n = 0; n < N; n++) {
    if (labels[n] < 0) continue;
    const lp = logSoftmaxRow(logits, n, V);
    for (let v = 0; v < V; v++) d[n * V + v] = dy[n] * (Math.exp(lp[v]) - (v === labels[n] ? 1 - eps : 0) - eps / V);
  }
  return out(ctx, d, [N, V]);
}

type RefKernel = (ctx: Ctx, inputs: Inputs, attrs: Attrs) => tf.TensorInfo | tf.TensorInfo[];

const KERNELS: Record<(typeof FUSED_KERNEL_NAMES)[number], RefKernel> = {
  LoratsLayerNorm: layerNorm,
  LoratsLayerNormGrad: layerNormGrad,
  LoratsGelu: gelu,
  LoratsGeluGrad: geluGrad,
  LoratsAttention: attention,
  LoratsAttentionGrad: attentionGrad,
  LoratsPackedAttention: packedAttention,
  LoratsPackedAttentionGrad: packedAttentionGrad,
  LoratsLinear: linear,
  LoratsLinearGrad: linearGrad,
  LoratsLoraLinear: loraLinear,
  LoratsLoraLinearGrad: loraLinearGrad,
  LoratsCrossEntropy: crossEntropy,
  LoratsCrossEntropyGrad: crossEntropyGrad,
};

/**
 * Registers the reference fused kernels on a host-memory backend (default: the active one) for every name it lacks,
 * and returns a function that unregisters exactly those.
 */
export function registerReferenceKernels(backendName: string = tf.getBackend()): () => void {
  const added: string[] = [];
  for (const name of FUSED_KERNEL_NAMES) {
    if (tf.getKernel(name, backendName) != null) continue;
    const impl = KERNELS[name];
    tf.registerKernel({
      kernelName: name,
      backendName,
      kernelFunc: ({ inputs, attrs, backend }) => impl({ backend: backend as tf.KernelBackend }, inputs as Inputs, attrs ?? {}),
    });
    added.push(name);
  }
  return () => {
    for (const name of added) tf.unregisterKernel(name, backendName);
  };
}
