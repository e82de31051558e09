import * as tf from '@tensorflow/tfjs';
import { expectNoTensorLeak, expectTensorsClose } from '@lorats/testing';
import { describe, expect, it } from 'vitest';
import { OP_PATHS, useOpPath } from '../../test/op-paths.js';
import { attention, crossEntropy, gelu, layerNorm, linear, loraLinear, packedAttention } from '../index.js';

// Hand-computed references in float64 on the host, independent of both paths.
function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse; use the series, which converges fast for |x| < 4.
  let term = x;
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('test backend', () => {
  it('is the one LORATS_TEST_BACKEND names (cpu by default)', () => {
    expect(tf.getBackend()).toBe(process.env.LORATS_TEST_BACKEND ?? 'cpu');
  });
});

describe.each(OP_PATHS)('fused ops (%s path)', (path) => {
  useOpPath(path);

  it('layerNorm matches the hand-computed formula and its gradient sums', () => {
    const x = tf.tensor2d([[1, 2, 3, 4], [-1, 0, 5, 0.5]]);
    const gamma = tf.tensor1d([1, 0.5, -2, 3]);
    const beta = tf.tensor1d([0, 1, 0.25, -1]);
    const xs = x.arraySync() as number[][];
    const want = xs.map((row) => {
      const mean = row.reduce((a, b) => a + b, 0) / 4;
      const v = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
      return row.map((xv, c) => ([1, 0.5, -2, 3][c] * (xv - mean)) / Math.sqrt(v + 1e-5) + [0, 1, 0.25, -1][c]);
    });
    expectTensorsClose(layerNorm(x, gamma, beta), want);
    // d/dbeta of sum(y) is the row count; d/dx of sum(y) with gamma = 1 is 0 (normalisation is shift-invariant).
    const [, , dbeta] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(layerNorm(a, g, b)))([x, gamma, beta]);
    expectTensorsClose(dbeta, [2, 2, 2, 2]);
    const [dx] = tf.grads((a: tf.Tensor) => tf.sum(layerNorm(a, tf.ones([4]), tf.zeros([4]))))([x]);
    expectTensorsClose(dx, tf.zeros([2, 4]), { atol: 1e-5 });
  });

  it('layerNorm gradients agree with central finite differences', () => {
    const x = rand([3, 5], 1);
    const gamma = rand([5], 2);
    const beta = rand([5], 3);
    const w = rand([3, 5], 4);
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layerNorm(a, g, b), w));
    const [dx] = tf.grads(f)([x, gamma, beta]);
    const xs = x.dataSync().slice();
    const fd = new Float32Array(xs.length);
    const h = 1e-2;
    for (let i = 0; i < xs.length; i++) {
      const plus = xs.slice();
      plus[i] += h;
      const minus = xs.slice();
      minus[i] -= h;
      fd[i] = (f(tf.tensor2d(plus, [3, 5]), gamma, beta).dataSync()[0] - f(tf.tensor2d(minus, [3, 5]), gamma, beta).dataSync()[0]) / (2 * h);
    }
    expectTensorsClose(dx, tf.tensor2d(fd, [3, 5]), { atol: 2e-3, rtol: 2e-3 });
  });

  it('gelu (exact and tanh) matches the formulas, with derivative', () => {
    const xs = [-3, -1, -0.5, 0, 0.3, 1, 2.5];
    const x = tf.tensor1d(xs);
    expectTensorsClose(gelu(x), xs.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))));
    const k = Math.sqrt(2 / Math.PI);
    expectTensorsClose(gelu(x, 'tanh'), xs.map((v) => 0.5 * v * (1 + Math.tanh(k * (v + 0.044715 * v ** 3)))));
    const dExact = xs.map((v) => 0.5 * (1 + erf(v / Math.SQRT2)) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI));
    expectTensorsClose(tf.grad((a: tf.Tensor) => tf.sum(gelu(a)))(x), dExact, { atol: 1e-5 });
    const dTanh = xs.map((v) => {
      const t = Math.tanh(k * (v + 0.044715 * v ** 3));
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v);
    });
    expectTensorsClose(tf.grad((a: tf.Tensor) => tf.sum(gelu(a, 'tanh')))(x), dTanh, { atol: 1e-5 });
    expect(() => gelu(x, 'fast' as 'none')).toThrow(/unknown approximate "fast"/);
  });

  it('attention matches softmax(q·kᵀ·scale + mask)·v with causal offset S − T', () => {
    const [B, H, T, S, D] = [1, 2, 2, 3, 4];
    const q = rand([B, H, T, D], 5);
    const k = rand([B, H, S, D], 6);
    const v = rand([B, H, S, D], 7);
    const mask = tf.tensor4d([0, -1e9, 0], [1, 1, 1, S]); // hide key 1 everywhere
    const qa = q.arraySync() as number[][][][];
    const ka = k.arraySync() as number[][][][];
    const va = v.arraySync() as number[][][][];
    const expected = (causal: boolean, masked: boolean, scale: number): number[][][][] =>
      qa.map((qb, b) =>
        qb.map((qh, h) =>
          qh.map((qt, t) => {
            const scores = ka[b][h].map((ks, s) => {
              if (causal && s > t + S - T) return -Infinity;
              if (masked && s === 1) return -Infinity;
              return qt.reduce((acc, qv, d) => acc + qv * ks[d], 0) * scale;
            });
            const max = Math.max(...scores);
            const e = scores.map((sc) => Math.exp(sc - max));
            const sum = e.reduce((a, x) => a + x, 0);
            return Array.from({ length: D }, (_, d) => e.reduce((acc, p, s) => acc + (p / sum) * va[b][h][s][d], 0));
          }),
        ),
      );
    expectTensorsClose(attention(q, k, v), expected(false, false, 0.5));
    expectTensorsClose(attention(q, k, v, { causal: true }), expected(true, false, 0.5));
    expectTensorsClose(attention(q, k, v, { causal: true, mask, scale: 0.3 }), expected(true, true, 0.3));
  });

  it('attention gradients agree with finite differences', () => {
    const q = rand([1, 1, 3, 2], 8);
    const k = rand([1, 1, 3, 2], 9);
    const v = rand([1, 1, 3, 2], 10);
    const w = rand([1, 1, 3, 2], 11);
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Scalar => tf.sum(tf.mul(attention(a, b, c, { causal: true }), w));
    const grads = tf.grads(f)([q, k, v]);
    const inputs = [q, k, v];
    for (let which = 0; which < 3; which++) {
      const base = inputs[which].dataSync().slice();
      const fd = new Float32Array(base.length);
      for (let i = 0; i < base.length; i++) {
        const at = (delta: number): number => {
          const moved = base.slice();
          moved[i] += delta;
          const args = inputs.map((t, j) => (j === which ? tf.tensor(moved, t.shape) : t)) as [tf.Tensor, tf.Tensor, tf.Tensor];
          return f(...args).dataSync()[0];
        };
        fd[i] = (at(1e-2) - at(-1e-2)) / 2e-2;
      }
      expectTensorsClose(grads[which], tf.tensor(fd, inputs[which].shape), { atol: 2e-3, rtol: 2e-3, label: `d${'qkv'[which]}` });
    }
  });

  it('attention with maskGrad passes the gradient to a learned mask (as DeBERTa’s relative-position bias needs)', () => {
    const q = rand([1, 2, 3, 2], 30);
    const k = rand([1, 2, 3, 2], 31);
    const v = rand([1, 2, 3, 2], 32);
    const bias = rand([1, 2, 3, 3], 33);
    const w = rand([1, 2, 3, 2], 34);
    // the same function with the bias added to the scores by hand: the reference for every gradient
    const byHand = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, m: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(tf.matMul(tf.softmax(tf.add(tf.mul(tf.matMul(a, b, false, true), 0.5), m)), c), w));
    const fused = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, m: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(attention(a, b, c, { mask: m, maskGrad: true, scale: 0.5 }), w));
    const want = tf.grads(byHand)([q, k, v, bias]);
    const got = tf.grads(fused)([q, k, v, bias]);
    want.forEach((g, i) => expectTensorsClose(got[i], g, { atol: 1e-5, rtol: 1e-4, label: `d${['q', 'k', 'v', 'mask'][i]}` }));
    expect(Math.max(...Array.from(tf.abs(got[3]).dataSync()))).toBeGreaterThan(1e-3);
    // packedAttention too: q | k | v packed on the last axis, heads merged in the result
    const qkv = tf.concat([q, k, v].map((t) => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [1, 3, 4])), 2); // [1, 3, 12]
    const wMerged = tf.reshape(tf.transpose(w, [0, 2, 1, 3]), [1, 3, 4]);
    const packed = (x: tf.Tensor, m: tf.Tensor): tf.Scalar => tf.sum(tf.mul(packedAttention(x, 2, { mask: m, maskGrad: true, scale: 0.5 }), wMerged));
    const [, dMaskPacked] = tf.grads(packed)([qkv, bias]);
    expectTensorsClose(dMaskPacked, want[3], { atol: 1e-5, rtol: 1e-4, label: 'packed dmask' });
  });

  it('loraLinear matches x·Wᵀ + b + scaling·(x⊙m)·Aᵀ·Bᵀ and its gradients', () => {
    const x = rand([2, 3, 4], 12); // [..., in]
    const w = rand([5, 4], 13); // [out, in]
    const b = rand([5], 14);
    const a = rand([2, 4], 15); // [rank, in]
    const bm = rand([5, 2], 16); // [out, rank]
    const m = tf.mul(tf.cast(tf.greater(rand([2, 3, 4], 17), 0), 'float32'), 2);
    const want = (withBias: boolean, withMask: boolean): tf.Tensor =>
      tf.tidy(() => {
        const xm = withMask ? tf.mul(x, m) : x;
        const base = tf.matMul(tf.reshape(x, [6, 4]), w, false, true);
        const lora = tf.matMul(tf.matMul(tf.reshape(xm, [6, 4]), a, false, true), bm, false, true);
        const y = tf.add(withBias ? tf.add(base, b) : base, tf.mul(lora, 0.75));
        return tf.reshape(y, [2, 3, 5]);
      });
    expectTensorsClose(loraLinear(x, w, b, a, bm, { scaling: 0.75 }), want(true, false));
    expectTensorsClose(loraLinear(x, w, null, a, bm, { scaling: 0.75, dropoutMask: m }), want(false, true));
    const g = rand([2, 3, 5], 18);
    for (const withBias of [true, false]) {
      const fused = tf.grads((xi: tf.Tensor, wi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(loraLinear(xi, wi, withBias ? b : null, ai, bi, { scaling: 0.75, dropoutMask: m }), g)),
      )([x, w, a, bm]);
      const plain = tf.grads((xi: tf.Tensor, wi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.add(
              tf.matMul(tf.reshape(xi, [6, 4]), wi, false, true),
              tf.mul(tf.matMul(tf.matMul(tf.reshape(tf.mul(xi, m), [6, 4]), ai, false, true), bi, false, true), 0.75),
            ),
            tf.reshape(g, [6, 5]),
          ),
        ),
      )([x, w, a, bm]);
      fused.forEach((t, i) => expectTensorsClose(t, plain[i], { atol: 1e-4, label: `grad ${i}` }));
    }
    const db = tf.grad((bi: tf.Tensor) => tf.sum(tf.mul(loraLinear(x, w, bi, a, bm, { scaling: 0.75 }), g)))(b);
    expectTensorsClose(db, tf.sum(g, [0, 1]), { atol: 1e-5 });
  });

  it('loraLinear with a frozen weight variable gives the same gradients for x, A, B and bias', () => {
    const x = rand([3, 4], 30);
    const w = tf.variable(rand([5, 4], 31), false); // frozen: no dweight requested
    const b = rand([5], 32);
    const a = rand([2, 4], 33);
    const bm = rand([5, 2], 34);
    const g = rand([3, 5], 35);
    const f = (xi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor, bias: tf.Tensor): tf.Scalar => tf.sum(tf.mul(loraLinear(xi, w, bias, ai, bi, { scaling: 1.5 }), g));
    const plain = (xi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor, bias: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(tf.add(tf.add(tf.matMul(xi, w, false, true), bias), tf.mul(tf.matMul(tf.matMul(xi, ai, false, true), bi, false, true), 1.5)), g));
    const got = tf.grads(f)([x, a, bm, b]);
    const want = tf.grads(plain)([x, a, bm, b]);
    got.forEach((t, i) => expectTensorsClose(t, want[i], { atol: 1e-5, label: `grad ${i}` }));
    w.dispose();
  });

  it('loraLinear rejects mismatched shapes', () => {
    const x = tf.zeros([2, 4]);
    expect(() => loraLinear(x, tf.zeros([5, 3]), null, tf.zeros([2, 4]), tf.zeros([5, 2]), { scaling: 1 })).toThrow(/does not match weight/);
    expect(() => loraLinear(x, tf.zeros([5, 4]), null, tf.zeros([2, 3]), tf.zeros([5, 2]), { scaling: 1 })).toThrow(/loraA \[2,3\] must be \[rank, 4\]/);
    expect(() => loraLinear(x, tf.zeros([5, 4]), null, tf.zeros([2, 4]), tf.zeros([5, 3]), { scaling: 1 })).toThrow(/loraB \[5,3\] must be \[5, 2\]/);
  });

  it('linear matches x·Wᵀ + b + residual in both weight layouts, with the gradients of the composed ops', () => {
    const x = rand([2, 3, 4], 40); // [..., in]
    const w = rand([5, 4], 41); // [out, in]
    const wt = tf.transpose(w); // [in, out]
    const b = rand([5], 42);
    const r = rand([2, 3, 5], 43);
    const g = rand([2, 3, 5], 44);
    const plain = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor, ri: tf.Tensor): tf.Tensor =>
      tf.add(tf.reshape(tf.add(tf.matMul(tf.reshape(xi, [6, 4]), wi, false, true), bi), [2, 3, 5]), ri);
    const want = plain(x, w, b, r);
    expectTensorsClose(linear(x, w, b, true, r), want, { atol: 1e-5 });
    expectTensorsClose(linear(x, wt, b, false, r), want, { atol: 1e-5 });
    expectTensorsClose(linear(x, w, null), tf.reshape(tf.matMul(tf.reshape(x, [6, 4]), w, false, true), [2, 3, 5]), { atol: 1e-5 });
    const loss = (f: (...a: tf.Tensor[]) => tf.Tensor) => (...a: tf.Tensor[]): tf.Scalar => tf.sum(tf.mul(f(...a), g));
    const want4 = tf.grads(loss(plain))([x, w, b, r]);
    tf.grads(loss((xi, wi, bi, ri) => linear(xi, wi, bi, true, ri)))([x, w, b, r]).forEach((t, i) => expectTensorsClose(t, want4[i], { atol: 1e-4, label: `[out, in] grad ${i}` }));
    const [dx, dwt, db, dr] = tf.grads(loss((xi, wi, bi, ri) => linear(xi, wi, bi, false, ri)))([x, wt, b, r]);
    expectTensorsClose(dx, want4[0], { atol: 1e-4, label: 'dx' });
    expectTensorsClose(dwt, tf.transpose(want4[1]), { atol: 1e-4, label: 'dweight [in, out]' });
    expectTensorsClose(db, want4[2], { atol: 1e-4, label: 'dbias' });
    expectTensorsClose(dr, g, { atol: 1e-6, label: 'dresidual' });
    // frozen weight and bias variables: constants of the op, the same gradients for x and the residual
    const fw = tf.variable(wt, false);
    const fb = tf.variable(b, false);
    const [fdx, fdr] = tf.grads(loss((xi, ri) => linear(xi, fw, fb, false, ri)))([x, r]);
    expectTensorsClose(fdx, want4[0], { atol: 1e-4, label: 'dx (frozen)' });
    expectTensorsClose(fdr, g, { atol: 1e-6, label: 'dresidual (frozen)' });
    expect(() => linear(x, w, b, true, tf.zeros([2, 3, 4]))).toThrow(/residual \[2,3,4\] must match the output \[2,3,5\]/);
    expect(() => linear(x, tf.zeros([4, 4]), null, false, null)).not.toThrow();
    expect(() => linear(x, tf.zeros([5, 3]), null)).toThrow(/does not match weight/);
    tf.dispose([fw, fb]);
  });

  it('a frozen weight reassigned between the forward pass and its gradient is an error, not a silent wrong gradient', () => {
    const w = tf.variable(rand([3, 4], 45), false);
    const x = rand([2, 4], 46);
    const f = (xi: tf.Tensor): tf.Scalar => {
      const y = tf.sum(linear(xi, w, null)) as tf.Scalar;
      w.assign(tf.zeros([3, 4]));
      return y;
    };
    const run = () => tf.grad(f)(x);
    if (path === 'kernel') expect(run).toThrow(/frozen variable .* was reassigned or disposed/);
    else run(); // the fallback keeps its own copy (tfjs saves the matmul's inputs)
    w.dispose();
  });

  it('loraLinear with MergedLinear groups and a [in, out] weight equals the zero-padded expanded B, with gradients', () => {
    const [N, inF, rank, d] = [3, 4, 2, 2];
    const enable = [true, false, true]; // GPT-2's c_attn: q and v of [q | k | v]
    const x = rand([N, inF], 50);
    const wt = rand([inF, 3 * d], 51); // [in, out]
    const b = rand([3 * d], 52);
    const a = rand([rank * 2, inF], 53); // [rank·E, in]
    const bm = rand([d * 2, rank], 54); // [d·E, rank]
    const g = rand([N, 3 * d], 55);
    // B expanded by hand: group q (k = 0) → rows 0…d, columns 0…rank; group v (k = 1) → rows 2d…3d, columns rank…2rank
    const expanded = (bi: tf.Tensor): tf.Tensor =>
      tf.concat([tf.pad(tf.slice(bi, [0, 0], [d, rank]), [[0, 0], [0, rank]]), tf.zeros([d, 2 * rank]), tf.pad(tf.slice(bi, [d, 0], [d, rank]), [[0, 0], [rank, 0]])], 0);
    const plain = (xi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor): tf.Tensor =>
      tf.add(tf.add(tf.matMul(xi, wt), b), tf.mul(tf.matMul(tf.matMul(xi, ai, false, true), expanded(bi), false, true), 0.5));
    const fused = (xi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor): tf.Tensor => loraLinear(xi, wt, b, ai, bi, { scaling: 0.5, fanInFanOut: true, enableLora: enable });
    expectTensorsClose(fused(x, a, bm), plain(x, a, bm), { atol: 1e-5 });
    const loss = (f: typeof plain) => (xi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor): tf.Scalar => tf.sum(tf.mul(f(xi, ai, bi), g));
    const want = tf.grads(loss(plain))([x, a, bm]);
    tf.grads(loss(fused))([x, a, bm]).forEach((t, i) => expectTensorsClose(t, want[i], { atol: 1e-4, label: `grad ${i}` }));
    expect(() => loraLinear(x, wt, b, tf.zeros([rank, inF]), bm, { scaling: 1, fanInFanOut: true, enableLora: enable })).toThrow(/loraB \[4,2\] must be \[4, 1\]/);
    expect(() => loraLinear(x, wt, b, a, bm, { scaling: 1, fanInFanOut: true, enableLora: [true, true, true, true] })).toThrow(/enableLora .* divide 6 output features/);
  });

  it('packedAttention over q | k | v [B, T, 3·H·D] equals split heads + attention + merge, with the gradient', () => {
    const [B, T, H, D] = [2, 3, 2, 2];
    const qkv = rand([B, T, 3 * H * D], 60);
    const g = rand([B, T, H * D], 61);
    const plain = (t: tf.Tensor): tf.Tensor => {
      const [q, k, v] = tf.split(t, 3, 2).map((p) => tf.transpose(tf.reshape(p, [B, T, H, D]), [0, 2, 1, 3]));
      return tf.reshape(tf.transpose(attention(q, k, v, { causal: true, scale: 0.6 }), [0, 2, 1, 3]), [B, T, H * D]);
    };
    const packed = (t: tf.Tensor): tf.Tensor => packedAttention(t, H, { causal: true, scale: 0.6 });
    expectTensorsClose(packed(qkv), plain(qkv), { atol: 1e-5 });
    const loss = (f: (t: tf.Tensor) => tf.Tensor) => (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(f(t), g));
    expectTensorsClose(tf.grad(loss(packed))(qkv), tf.grad(loss(plain))(qkv), { atol: 1e-4 });
    expect(() => packedAttention(tf.zeros([2, 3, 10]), 2)).toThrow(/qkv must be \[B, T, 3·heads·D\] for 2 heads/);
  });

  it.runIf(path === 'kernel')("packedAttention hands a kernel's extra stats output and y back to its gradient kernel", () => {
    // wraps the registered kernels: the forward adds a stats output, the gradient records what it was given
    const backend = tf.getBackend();
    const [fwd, grad] = ['LoratsPackedAttention', 'LoratsPackedAttentionGrad'].map((n) => tf.getKernel(n, backend) as tf.KernelConfig);
    const given: Array<{ y?: number[]; stats?: number[] }> = [];
    const read = (b: tf.KernelBackend, t?: tf.TensorInfo) => (t == null ? undefined : Array.from(b.readSync(t.dataId) as Float32Array));
    const swap = (configs: tf.KernelConfig[]) =>
      configs.forEach((k) => {
        tf.unregisterKernel(k.kernelName, backend);
        tf.registerKernel(k);
      });
    swap([
      {
        ...fwd,
        kernelFunc: (args) => {
          const out = fwd.kernelFunc(args) as tf.TensorInfo | tf.TensorInfo[];
          const y = Array.isArray(out) ? out[0] : out;
          if (Array.isArray(out)) (args.backend as tf.KernelBackend).disposeData(out[1].dataId);
          return [y, { dataId: (args.backend as tf.KernelBackend).write(new Float32Array([42]), [1], 'float32'), shape: [1], dtype: 'float32' }];
        },
      },
      {
        ...grad,
        kernelFunc: (args) => {
          const b = args.backend as tf.KernelBackend;
          given.push({ y: read(b, args.inputs.y), stats: read(b, args.inputs.stats) });
          const { y: _y, stats: _stats, ...rest } = args.inputs;
          return grad.kernelFunc({ ...args, inputs: rest });
        },
      },
    ]);
    try {
      const qkv = rand([1, 3, 6], 65);
      const [y, dqkv] = tf.tidy(() => {
        const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => tf.sum(tf.square(packedAttention(t, 1, { causal: true }))))([qkv]);
        value.dispose();
        return [Array.from(packedAttention(qkv, 1, { causal: true }).dataSync()), grads[0]];
      });
      expect(given).toHaveLength(1);
      expect(given[0].stats).toEqual([42]);
      expect(given[0].y).toEqual(y);
      swap([fwd, grad]);
      const plain = tf.grad((t: tf.Tensor) => tf.sum(tf.square(packedAttention(t, 1, { causal: true }))))(qkv);
      expectTensorsClose(dqkv, plain, { atol: 1e-6 });
    } finally {
      swap([fwd, grad]);
    }
  });

  it("frees saved tensors and gradients as the backward pass goes, but never a caller's dy", () => {
    const x = rand([2, 3, 4], 62);
    const w = rand([4, 4], 63);
    const dy = rand([2, 3, 4], 64);
    const f = (xi: tf.Tensor): tf.Tensor => gelu(layerNorm(linear(xi, w, null, true, xi), tf.ones([4]), tf.zeros([4])), 'tanh');
    const [g] = tf.grads(f)([x], dy);
    expect(dy.isDisposed).toBe(false);
    expect(dy.dataSync()).toHaveLength(24);
    expect(g.shape).toEqual([2, 3, 4]);
    // under an outer tape (a gradient computed inside another's function) the inner backward keeps what it saved
    const inner = (xi: tf.Tensor): tf.Tensor => tf.grad((xj: tf.Tensor) => tf.sum(f(xj)))(xi);
    const s = tf.scalar(2);
    const [ds] = tf.grads((si: tf.Tensor) => tf.add(tf.mul(si, si), tf.sum(inner(x))))([s]);
    expectTensorsClose(ds, tf.scalar(4));
    expectTensorsClose(inner(x), tf.grads(f)([x], tf.onesLike(dy))[0], { atol: 1e-6 });
  });

  it('crossEntropy: label smoothing, ignored labels, gradient softmax − target', () => {
    const logits = tf.tensor2d([[1, 2, 0.5], [0, 0, 0], [3, -1, 2]]);
    const labels = tf.tensor1d([1, -1, 0], 'int32');
    const eps = 0.1;
    const rows = logits.arraySync() as number[][];
    const lsm = rows.map((r) => {
      const max = Math.max(...r);
      const lse = max + Math.log(r.reduce((a, v) => a + Math.exp(v - max), 0));
      return r.map((v) => v - lse);
    });
    const lab = [1, -1, 0];
    const want = lsm.map((lp, n) => (lab[n] < 0 ? 0 : (1 - eps) * -lp[lab[n]] + (eps * -lp.reduce((a, v) => a + v, 0)) / 3));
    expectTensorsClose(crossEntropy(logits, labels, { labelSmoothing: eps }), want);
    const wantPlain = lsm.map((lp, n) => (lab[n] < 0 ? 0 : -lp[lab[n]]));
    expectTensorsClose(crossEntropy(logits, labels), wantPlain);
    const dy = tf.tensor1d([0.5, 2, -1]);
    const grad = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(crossEntropy(l, labels, { labelSmoothing: eps }), dy)))(logits);
    const dyv = [0.5, 2, -1];
    const wantGrad = lsm.map((lp, n) => lp.map((v, j) => (lab[n] < 0 ? 0 : dyv[n] * (Math.exp(v) - (j === lab[n] ? 1 - eps : 0) - eps / 3))));
    expectTensorsClose(grad, wantGrad);
    // [B, T, V] logits with [B, T] labels
    const l3 = tf.reshape(logits, [1, 3, 3]);
    expectTensorsClose(crossEntropy(l3, tf.reshape(labels, [1, 3])), [wantPlain]);
    expect(() => crossEntropy(logits, tf.tensor1d([1, 2, 0]))).toThrow(/labels must be int32/);
  });

  it('ops leak no tensors across repeated forward and backward', async () => {
    const x = rand([2, 4], 19);
    const w = rand([3, 4], 20);
    const a = rand([2, 4], 21);
    const b = rand([3, 2], 22);
    const labels = tf.tensor1d([0, 2], 'int32');
    await expectNoTensorLeak(() => {
      tf.tidy(() => {
        const f = (xi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor): tf.Scalar => {
          const h = linear(loraLinear(layerNorm(xi, tf.ones([4]), tf.zeros([4])), w, null, ai, bi, { scaling: 2 }), tf.eye(3), null, true, tf.ones([2, 3]));
          const q = tf.reshape(gelu(h, 'tanh'), [1, 1, 2, 3]);
          const y = tf.add(tf.reshape(attention(q, q, q, { causal: true }), [2, 3]), tf.reshape(packedAttention(tf.tile(tf.reshape(q, [1, 2, 3]), [1, 1, 3]), 1), [2, 3]));
          return tf.sum(crossEntropy(y, labels, { labelSmoothing: 0.1 }));
        };
        tf.grads(f)([x, a, b]);
      });
    });
  });
});
