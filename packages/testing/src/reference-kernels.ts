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

// --- LoRA linear: y = x·Wᵀ + b + scaling·((x⊙mask)·Aᵀ)·Bᵀ ---------------------------------------------------------
function loraLinearParts(ctx: Ctx, inputs: Inputs) {
  const x = read(ctx, inputs.x);
  const w = read(ctx, inputs.weight);
  const a = read(ctx, inputs.loraA);
  const bm = read(ctx, inputs.loraB);
  const mask = inputs.dropoutMask == null ? null : read(ctx, inputs.dropoutMask);
  const [outF, inF] = inputs.weight.shape;
  const rank = inputs.loraA.shape[0];
  const N = x.length / inF;
  const xm = mask == null ? x : x.map((v, i) => v * mask[i]);
  const h = new Float64Array(N * rank); // [N, rank] = (x⊙mask)·Aᵀ
  for (let n = 0; n < N; n++)
    for (let r = 0; r < rank; r++) {
      let acc = 0;
      for (let i = 0; i < inF; i++) acc += xm[n * inF + i] * a[r * inF + i];
      h[n * rank + r] = acc;
    }
  return { x, w, a, bm, mask, xm, h, outF, inF, rank, N };
}

function loraLinear(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo {
  const { x, w, bm, h, outF, inF, rank, N } = loraLinearParts(ctx, inputs);
  const bias = inputs.bias == null ? null : read(ctx, inputs.bias);
  const scaling = attrs.scaling as number;
  const y = new Float32Array(N * outF);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < outF; o++) {
      let acc = bias == null ? 0 : bias[o];
      for (let i = 0; i < inF; i++) acc += x[n * inF + i] * w[o * inF + i];
      let lora = 0;
      for (let r = 0; r < rank; r++) lora += h[n * rank + r] * bm[o * rank + r];
      y[n * outF + o] = acc + scaling * lora;
    }
  return out(ctx, y, inputs.x.shape.slice(0, -1).concat([outF]));
}

function loraLinearGrad(ctx: Ctx, inputs: Inputs, attrs: Attrs): tf.TensorInfo[] {
  const { x, w, a, bm, mask, xm, h, outF, inF, rank, N } = loraLinearParts(ctx, inputs);
  const dy = read(ctx, inputs.dy);
  const scaling = attrs.scaling as number;
  const weightGrad = attrs.weightGrad !== false; // false: dweight is not needed (zeros)
  const dx = new Float32Array(N * inF);
  const dw = new Float32Array(outF * inF);
  const db = new Float32Array(outF);
  const da = new Float32Array(rank * inF);
  const dbm = new Float32Array(outF * rank);
  const g = new Float64Array(rank); // dy·B for one row
  for (let n = 0; n < N; n++) {
    for (let r = 0; r < rank; r++) {
      let acc = 0;
      for (let o = 0; o < outF; o++) acc += dy[n * outF + o] * bm[o * rank + r];
      g[r] = acc;
    }
    for (let i = 0; i < inF; i++) {
      let acc = 0;
      for (let o = 0; o < outF; o++) acc += dy[n * outF + o] * w[o * inF + i];
      let lora = 0;
      for (let r = 0; r < rank; r++) lora += g[r] * a[r * inF + i];
      dx[n * inF + i] = acc + scaling * lora * (mask == null ? 1 : mask[n * inF + i]);
    }
    for (let o = 0; o < outF; o++) {
      const d = dy[n * outF + o];
      db[o] += d;
      if (weightGrad) for (let i = 0; i < inF; i++) dw[o * inF + i] += d * x[n * inF + i];
      for (let r = 0; r < rank; r++) dbm[o * rank + r] += scaling * d * h[n * rank + r];
    }
    for (let r = 0; r < rank; r++) for (let i = 0; i < inF; i++) da[r * inF + i] += scaling * g[r] * xm[n * inF + i];
  }
  return [out(ctx, dx, inputs.x.shape), out(ctx, dw, [outF, inF]), out(ctx, db, [outF]), out(ctx, da, [rank, inF]), out(ctx, dbm, [outF, rank])];
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
