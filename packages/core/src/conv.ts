// Conv1d / Conv2d / Conv3d: torch.nn.ConvNd (weight [out, in/groups, *kernel], input [N, C, *spatial]) that are also
// loralib's lora.ConvNd when given a rank. LoRA: A [rank·k, in·k], B [out/groups·k^(n−1), rank·k] and
// ΔW = (B·A) viewed as the weight: loralib's layout for Conv2d, and the fix of microsoft/LoRA#157 for Conv1d and
// Conv3d (loralib's own view fails there for k > 1, issue #115).
import * as tf from '@tensorflow/tfjs-core';
import { type AdapterInit, type AdapterOptions, DEFAULT_ADAPTER, type LoraAdapter, LoraLayer } from './adapters.js';
import { initLinearAdapter } from './init-lora.js';
import { fanIn, kaimingUniform, uniform } from './init.js';

/** Options for `Conv1d`, `Conv2d` and `Conv3d` (PyTorch's and loralib's arguments). */
export interface ConvOptions {
  /** Stride per spatial dim (default 1). */
  stride?: number | number[];
  /** Zero padding per spatial dim, or 'valid' (0) / 'same' (stride 1 only); default 0. */
  padding?: number | number[] | 'valid' | 'same';
  /** Dilation per spatial dim (default 1; gradients need 1). */
  dilation?: number | number[];
  /** Channel groups (default 1). */
  groups?: number;
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  /** LoRA rank; 0 (default) adds no adapter. */
  rank?: number;
  /** scaling = alpha / rank (default 1). */
  alpha?: number;
  /** Dropout on the LoRA branch input (loralib ignores it; here the LoRA branch then runs as a separate conv). */
  dropout?: number;
  /** loralib's merge_weights (default true). */
  mergeWeights?: boolean;
  /** rsLoRA scaling alpha / √rank. */
  useRsLora?: boolean;
  /** Adapter init: true (A Kaiming-uniform a=√5, B zero), false or 'gaussian'. */
  init?: AdapterOptions['init'];
}

function perDim(name: string, v: number | number[], n: number): number[] {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : v.slice();
  if (arr.length !== n || arr.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`Conv${n}d: ${name} must be an int or ${n} ints, got ${JSON.stringify(v)}`);
  return arr;
}

/** Base of Conv1d/2d/3d: PyTorch layouts, tfjs's channels-last convolutions underneath. */
export abstract class ConvNd extends LoraLayer {
  readonly dims: 1 | 2 | 3;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same';
  readonly dilation: number[];
  readonly groups: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  protected constructor(dims: 1 | 2 | 3, inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvOptions) {
    super(options.mergeWeights ?? true);
    const name = `Conv${dims}d`;
    this.dims = dims;
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups <= 0 || inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`${name}: inChannels ${inChannels} and outChannels ${outChannels} must be divisible by groups ${groups}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.groups = groups;
    this.kernelSize = perDim('kernelSize', kernelSize, dims);
    if (this.kernelSize.some((k) => k === 0)) throw new Error(`${name}: kernelSize must be positive`);
    this.stride = perDim('stride', options.stride ?? 1, dims);
    this.dilation = perDim('dilation', options.dilation ?? 1, dims);
    const padding = options.padding ?? 0;
    if (padding === 'same') {
      if (this.stride.some((s) => s !== 1)) throw new Error(`${name}: padding 'same' needs stride 1`);
      this.padding = 'same';
    } else this.padding = padding === 'valid' ? new Array<number>(dims).fill(0) : perDim('padding', padding, dims);
    // _ConvNd.reset_parameters: W ~ kaiming_uniform(a=√5), b ~ U(±1/√fan_in)
    const shape = [outChannels, inChannels / groups, ...this.kernelSize]; // [out, in/groups, *k]
    this.weight = this.registerParameter('weight', kaimingUniform(shape));
    this.bias = options.bias ?? true ? this.registerParameter('bias', uniform([outChannels], 1 / Math.sqrt(fanIn(shape)))) : null;
    const rank = options.rank ?? 0;
    if (rank < 0 || !Number.isInteger(rank)) throw new Error(`${name}: rank must be a non-negative integer, got ${rank}`);
    if (rank > 0) {
      this.addAdapter(DEFAULT_ADAPTER, { rank, alpha: options.alpha, dropout: options.dropout, useRsLora: options.useRsLora, init: options.init });
    }
  }

  protected initAdapter(_name: string, options: AdapterOptions, scaling: number): AdapterInit {
    if (options.enableLora != null) throw new Error(`${this.typeName}: enableLora applies to Linear layers only`);
    const k = this.kernelSize[0];
    if (this.kernelSize.some((d) => d !== k)) throw new Error(`${this.typeName}: LoRA needs equal kernel sizes, got [${this.kernelSize}]`);
    const init = options.init ?? true;
    if (typeof init === 'string' && init.startsWith('pissa')) throw new Error(`${this.typeName}: init "${init}" is supported for Linear only`);
    const r = options.rank;
    const shapeA = [r * k, this.inChannels * k]; // [rank·k, in·k]
    const shapeB = [(this.outChannels / this.groups) * k ** (this.dims - 1), r * k]; // [out/groups·k^(n−1), rank·k]
    return initLinearAdapter(this.typeName, shapeA, shapeB, init, { scaling, rank: r });
  }

  protected deltaFrom(adapter: LoraAdapter): tf.Tensor {
    return tf.tidy(() => tf.reshape(tf.matMul(adapter.loraB, adapter.loraA), this.weight.shape));
  }

  /** loralib's ConvLoRA also stores the wrapped conv's tensors as `conv.weight` / `conv.bias`: accept them on load. */
  protected override stateDictAliases(): Map<string, string> {
    return new Map([
      ['conv.weight', 'weight'],
      ['conv.bias', 'bias'],
    ]);
  }

  /** Convolution of x [N, C, *spatial] with a PyTorch-layout weight, no bias → [N, out, *spatial']. */
  private conv(x: tf.Tensor, weight: tf.Tensor): tf.Tensor {
    const n = this.dims;
    const toLast = [0, ...Array.from({ length: n }, (_, i) => i + 2), 1];
    const toFirst = [0, n + 1, ...Array.from({ length: n }, (_, i) => i + 1)];
    let h = tf.transpose(x, toLast); // [N, *spatial, C]
    const pads = this.padding === 'same' ? this.kernelSize.map((k, i) => ((k - 1) * this.dilation[i])) : this.padding.map((p) => 2 * p);
    if (pads.some((p) => p > 0)) {
      const left = (p: number, i: number): number => (this.padding === 'same' ? Math.floor(p / 2) : (this.padding as number[])[i]);
      h = tf.pad(h, [[0, 0], ...pads.map((p, i) => [left(p, i), p - left(p, i)] as [number, number]), [0, 0]]);
    }
    const filter = tf.transpose(weight, [...Array.from({ length: n }, (_, i) => i + 2), 1, 0]); // [*k, in/groups, out]
    const g = this.groups;
    const inG = this.inChannels / g;
    const outG = this.outChannels / g;
    const parts: tf.Tensor[] = [];
    for (let i = 0; i < g; i++) {
      const hi = g === 1 ? h : tf.slice(h, [...new Array<number>(n + 1).fill(0), i * inG], [...new Array<number>(n + 1).fill(-1), inG]);
      const fi = g === 1 ? filter : tf.slice(filter, [...new Array<number>(n + 1).fill(0), i * outG], [...new Array<number>(n + 1).fill(-1), outG]);
      if (n === 1) parts.push(tf.conv1d(hi as tf.Tensor3D, fi as tf.Tensor3D, this.stride[0], 'valid', 'NWC', this.dilation[0]));
      else if (n === 2) {
        parts.push(tf.conv2d(hi as tf.Tensor4D, fi as tf.Tensor4D, this.stride as [number, number], 'valid', 'NHWC', this.dilation as [number, number]));
      } else {
        parts.push(
          tf.conv3d(hi as tf.Tensor5D, fi as tf.Tensor5D, this.stride as [number, number, number], 'valid', 'NDHWC', this.dilation as [number, number, number]),
        );
      }
    }
    const y = parts.length === 1 ? parts[0] : tf.concat(parts, n + 1);
    return tf.transpose(y, toFirst); // [N, out, *spatial']
  }

  /** x [N, in, *spatial] → [N, out, *spatial']. */
  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== this.dims + 2 || x.shape[1] !== this.inChannels) {
      throw new Error(`${this.typeName}: input [${x.shape}] must be [N, ${this.inChannels}, ${new Array<string>(this.dims).fill('*').join(', ')}]`);
    }
    return tf.tidy(() => {
      const pending = this.pendingAdapters();
      let weight: tf.Tensor = this.weight;
      const branches: tf.Tensor[] = [];
      for (const adapter of pending) {
        const delta = tf.mul(this.deltaFrom(adapter), adapter.scaling);
        const mask = this.adapterDropoutMask(adapter, x.shape);
        if (mask == null) weight = tf.add(weight, delta);
        else branches.push(this.conv(tf.mul(x, mask), delta));
      }
      let y = this.conv(x, weight);
      for (const b of branches) y = tf.add(y, b);
      if (this.bias != null) y = tf.add(y, tf.reshape(this.bias, [1, this.outChannels, ...new Array<number>(this.dims).fill(1)]));
      return y;
    });
  }

  protected override extraRepr(): string {
    const base = `${this.inChannels}, ${this.outChannels}, kernel=[${this.kernelSize}], stride=[${this.stride}], padding=${JSON.stringify(this.padding)}, groups=${this.groups}`;
    const lora = super.extraRepr();
    return lora === '' ? base : `${base}, ${lora}`;
  }
}

/** torch.nn.Conv1d with loralib's LoRA: input [N, C, L], weight [out, in/groups, k]. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
}

/** torch.nn.Conv2d with loralib's LoRA: input [N, C, H, W], weight [out, in/groups, kh, kw]. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
}

/** torch.nn.Conv3d with loralib's LoRA: input [N, C, D, H, W], weight [out, in/groups, kd, kh, kw]. */
export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, options);
  }
}
