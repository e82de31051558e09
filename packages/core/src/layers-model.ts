// LoRA for tfjs-layers users: wraps the Dense, Embedding and Conv2D layers of an existing tf.LayersModel (Sequential
// or functional) in LoRA layers and returns a new model whose only trainable weights are the LoRA factors.
// Factors use the same layouts as the rest of @lorats/core: A [rank, in], B [out, rank] (Dense; Dense's kernel is
// [in, out]), A [rank, inputDim], B [outputDim, rank] (Embedding), loralib's A [rank·k, in·k], B [out·k, rank·k]
// (Conv2D, square kernels). Import from '@lorats/core/layers' (needs the optional peer @tensorflow/tfjs-layers).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { dropoutMask } from './dropout.js';
import { loraScaling } from './adapters.js';
import { matchesTargets } from './inject.js';

type Kwargs = Record<string, unknown>;
type Shape = Array<number | null>;

/** Arguments shared by the LoRA wrapper layers. */
export interface LoraLayerArgs {
  /** The wrapped layer (shared, frozen); when absent it is rebuilt from baseClassName/baseConfig (deserialization). */
  base?: tfl.layers.Layer;
  baseClassName?: string;
  baseConfig?: tf.serialization.ConfigDict;
  /** Input shape the base was built with (saved so a loaded base builds outside this layer's name scope). */
  baseInputShape?: Shape;
  rank: number;
  alpha: number;
  /** Dropout on the LoRA input (Dense and Conv2D). */
  dropout?: number;
  useRsLora?: boolean;
  name?: string;
}

function deserializeLayer(className: string, config: tf.serialization.ConfigDict): tfl.layers.Layer {
  // saved model JSON camel-cases string values ('Embedding' comes back as 'embedding'): match case-insensitively
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  const key = Object.keys(map).find((k) => k.toLowerCase() === className.toLowerCase());
  const entry = key == null ? undefined : map[key];
  if (entry == null) throw new Error(`LoRA layer: unknown base layer class "${className}"`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as unknown as tfl.layers.Layer;
}

function variableNamed(layer: tfl.layers.Layer, suffix: string): tfl.LayerVariable | null {
  return layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix) ?? null;
}

function activationOf(config: tf.serialization.ConfigDict): tfl.layers.Layer | null {
  const a = config.activation;
  if (a == null || a === 'linear') return null;
  return tfl.layers.activation({ activation: a as 'relu' });
}

/** Common part: the shared base layer, rank/alpha, the two factors and weight bookkeeping. */
abstract class LoraWrapper extends tfl.layers.Layer {
  readonly base: tfl.layers.Layer;
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly useRsLora: boolean;
  readonly scaling: number;
  protected loraA: tfl.LayerVariable | null = null;
  protected loraB: tfl.LayerVariable | null = null;
  private readonly ownsBase: boolean;

  constructor(args: LoraLayerArgs) {
    const base = args.base ?? deserializeLayer(args.baseClassName as string, args.baseConfig as tf.serialization.ConfigDict);
    super({ name: args.name ?? `${base.name}_lora` });
    if (!Number.isInteger(args.rank) || args.rank <= 0) throw new Error(`${this.getClassName()} "${this.name}": rank must be a positive integer, got ${args.rank}`);
    this.base = base;
    this.ownsBase = args.base == null;
    this.rank = args.rank;
    this.alpha = args.alpha;
    this.dropout = args.dropout ?? 0;
    this.useRsLora = args.useRsLora ?? false;
    this.scaling = loraScaling(this.rank, this.alpha, this.useRsLora);
    this.supportsMasking = base.supportsMasking;
    // a deserialized base builds here, so its weights keep their saved names (`emb/embeddings`, not `emb_lora/emb/…`)
    if (this.ownsBase && args.baseInputShape != null && !base.built) base.apply(tfl.input({ batchShape: args.baseInputShape }));
    this.baseInputShape = args.baseInputShape ?? null;
  }

  private baseInputShape: Shape | null;

  /** The LoRA factors (trainable). */
  loraWeights(): tfl.LayerVariable[] {
    return [this.loraA, this.loraB].filter((w): w is tfl.LayerVariable => w != null);
  }

  protected buildBase(inputShape: Shape | Shape[]): void {
    if (!this.base.built) this.base.build(inputShape as Shape);
    this.baseInputShape = (inputShape as Shape).slice();
    this.nonTrainableWeights = this.base.weights.slice(); // shared with the base layer; frozen here
  }

  protected newFactor(name: string, shape: number[], init: ReturnType<typeof tfl.initializers.zeros>): tfl.LayerVariable {
    return this.addWeight(name, shape, 'float32', init, undefined, true);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return this.base.computeOutputShape(inputShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      rank: this.rank,
      alpha: this.alpha,
      dropout: this.dropout,
      useRsLora: this.useRsLora,
      baseClassName: this.base.getClassName(),
      baseConfig: this.base.getConfig(),
      baseInputShape: this.baseInputShape,
    };
  }

  /** Frees the LoRA factors, and the base weights only when this layer created them. */
  protected override disposeWeights(): number {
    let n = 0;
    for (const w of this.loraWeights()) {
      w.dispose();
      n += 1;
    }
    if (this.ownsBase) {
      for (const w of this.base.weights) {
        w.dispose();
        n += 1;
      }
    }
    return n;
  }

  /** The LoRA input mask when training with dropout, else null. */
  protected inputMask(x: tf.Tensor, kwargs: Kwargs): tf.Tensor | null {
    return kwargs.training === true && this.dropout > 0 ? dropoutMask(x.shape, this.dropout) : null;
  }
}

/** tfjs-layers Dense with LoRA: y = act(x·W + b + scaling·(dropout(x)·Aᵀ)·Bᵀ), W [in, out] frozen. */
export class LoraDense extends LoraWrapper {
  static readonly className = 'LoraDense';
  private activation: tfl.layers.Layer | null = null;

  override build(inputShape: Shape | Shape[]): void {
    this.buildBase(inputShape);
    const config = this.base.getConfig();
    const inF = (inputShape as Shape)[(inputShape as Shape).length - 1] as number;
    const outF = config.units as number;
    this.activation = activationOf(config);
    // A Kaiming-uniform(a=√5) = U(±1/√in), B = 0 (loralib)
    this.loraA = this.newFactor('lora_A', [this.rank, inF], tfl.initializers.randomUniform({ minval: -1 / Math.sqrt(inF), maxval: 1 / Math.sqrt(inF) }));
    this.loraB = this.newFactor('lora_B', [outF, this.rank], tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const kernel = (variableNamed(this.base, 'kernel') as tfl.LayerVariable).read(); // [in, out]
      const bias = variableNamed(this.base, 'bias');
      const inF = kernel.shape[0];
      const x2 = tf.reshape(x, [-1, inF]); // [N, in]
      let y = tf.matMul(x2, kernel); // [N, out]
      if (bias != null) y = tf.add(y, bias.read());
      const mask = this.inputMask(x, kwargs);
      const xin = mask == null ? x2 : tf.mul(x2, tf.reshape(mask, [-1, inF]));
      const h = tf.matMul(xin, (this.loraA as tfl.LayerVariable).read(), false, true); // [N, rank]
      y = tf.add(y, tf.mul(tf.matMul(h, (this.loraB as tfl.LayerVariable).read(), false, true), this.scaling));
      y = tf.reshape(y, [...x.shape.slice(0, -1), kernel.shape[1] as number]);
      return this.activation == null ? y : (this.activation.apply(y) as tf.Tensor);
    });
  }
}

/** tfjs-layers Embedding with LoRA: y = E[ids] + scaling·Aᵀ[ids]·Bᵀ (A = 0, B ~ N(0, 1) at init, as loralib). */
export class LoraEmbedding extends LoraWrapper {
  static readonly className = 'LoraEmbedding';

  override build(inputShape: Shape | Shape[]): void {
    this.buildBase(inputShape);
    const config = this.base.getConfig();
    this.loraA = this.newFactor('lora_A', [this.rank, config.inputDim as number], tfl.initializers.zeros());
    this.loraB = this.newFactor('lora_B', [config.outputDim as number, this.rank], tfl.initializers.randomNormal({ mean: 0, stddev: 1 }));
    this.built = true;
  }

  override computeMask(inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return this.base.computeMask(inputs, mask);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ids = tf.cast(Array.isArray(inputs) ? inputs[0] : inputs, 'int32');
      const table = (variableNamed(this.base, 'embeddings') as tfl.LayerVariable).read(); // [num, dim]
      const y = tf.gather(table, ids); // [..., dim]
      const afterA = tf.gather(tf.transpose((this.loraA as tfl.LayerVariable).read()), ids); // [..., rank]
      const delta = tf.matMul(tf.reshape(afterA, [-1, this.rank]), (this.loraB as tfl.LayerVariable).read(), false, true);
      return tf.add(y, tf.mul(tf.reshape(delta, y.shape), this.scaling));
    });
  }
}

/** tfjs-layers Conv2D with LoRA: y = act(conv(x, W + scaling·ΔW) + b), ΔW = (B·A) in loralib's conv layout. */
export class LoraConv2D extends LoraWrapper {
  static readonly className = 'LoraConv2D';
  private activation: tfl.layers.Layer | null = null;

  override build(inputShape: Shape | Shape[]): void {
    this.buildBase(inputShape);
    const config = this.base.getConfig();
    const kernel = variableNamed(this.base, 'kernel') as tfl.LayerVariable; // [kh, kw, in, out]
    const [kh, kw, inC, outC] = kernel.shape as number[];
    if (kh !== kw) throw new Error(`LoraConv2D "${this.name}": LoRA needs a square kernel, got ${kh}×${kw}`);
    this.activation = activationOf(config);
    const bound = 1 / Math.sqrt(inC * kh);
    this.loraA = this.newFactor('lora_A', [this.rank * kh, inC * kh], tfl.initializers.randomUniform({ minval: -bound, maxval: bound }));
    this.loraB = this.newFactor('lora_B', [outC * kh, this.rank * kh], tfl.initializers.zeros());
    this.built = true;
  }

  /** ΔW·scaling in the tfjs kernel layout [kh, kw, in, out]. */
  deltaKernel(): tf.Tensor {
    return tf.tidy(() => {
      const [kh, kw, inC, outC] = (variableNamed(this.base, 'kernel') as tfl.LayerVariable).shape as number[];
      const delta = tf.reshape(tf.matMul((this.loraB as tfl.LayerVariable).read(), (this.loraA as tfl.LayerVariable).read()), [outC, inC, kh, kw]);
      return tf.mul(tf.transpose(delta, [2, 3, 1, 0]), this.scaling);
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const config = this.base.getConfig();
      let x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const channelsFirst = config.dataFormat === 'channelsFirst';
      if (channelsFirst) x = tf.transpose(x, [0, 2, 3, 1]);
      const kernel = (variableNamed(this.base, 'kernel') as tfl.LayerVariable).read() as tf.Tensor4D;
      const strides = config.strides as [number, number];
      const dilations = (config.dilationRate as [number, number]) ?? [1, 1];
      const pad = config.padding as 'same' | 'valid';
      const delta = this.deltaKernel() as tf.Tensor4D;
      const mask = this.inputMask(x, kwargs);
      let y =
        mask == null
          ? tf.conv2d(x, tf.add(kernel, delta) as tf.Tensor4D, strides, pad, 'NHWC', dilations)
          : tf.add(tf.conv2d(x, kernel, strides, pad, 'NHWC', dilations), tf.conv2d(tf.mul(x, mask) as tf.Tensor4D, delta, strides, pad, 'NHWC', dilations));
      const bias = variableNamed(this.base, 'bias');
      if (bias != null) y = tf.add(y, bias.read());
      if (channelsFirst) y = tf.transpose(y, [0, 3, 1, 2]);
      return this.activation == null ? y : (this.activation.apply(y) as tf.Tensor);
    });
  }
}

let registered = false;

/** Registers LoraDense, LoraEmbedding and LoraConv2D for tf.loadLayersModel (called by addLoraToLayersModel). */
export function registerLoraLayers(): void {
  if (registered) return;
  for (const cls of [LoraDense, LoraEmbedding, LoraConv2D]) tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
  registered = true;
}

/** Options for `addLoraToLayersModel`. */
export interface LayersLoraConfig {
  rank: number;
  alpha: number;
  dropout?: number;
  useRsLora?: boolean;
  /** Layer names to adapt (exact names, or a regex string); default every Dense, Embedding and Conv2D. */
  targets?: string[] | string;
  /** Layer names to skip (names or regex). */
  exclude?: string[] | string;
}

const KINDS: Record<string, new (args: LoraLayerArgs) => LoraWrapper> = { Dense: LoraDense, Embedding: LoraEmbedding, Conv2D: LoraConv2D };

/**
 * A new model computing `model` with LoRA on its Dense, Embedding and Conv2D layers (all, or `targets`); the base
 * layers are shared with `model` and frozen, so the new model's trainable weights are exactly the LoRA factors.
 */
export function addLoraToLayersModel(model: tfl.LayersModel, config: LayersLoraConfig): tfl.LayersModel {
  registerLoraLayers();
  const selected = new Map<tfl.layers.Layer, LoraWrapper>();
  const named = new Set<string>();
  for (const layer of model.layers) {
    const kind = KINDS[layer.getClassName()];
    const byName = config.targets == null || matchesTargets(layer.name, typeof config.targets === 'string' ? config.targets : config.targets);
    if (config.targets != null && byName) named.add(layer.name);
    if (kind == null || !byName || (config.exclude != null && matchesTargets(layer.name, config.exclude))) continue;
    selected.set(layer, new kind({ base: layer, rank: config.rank, alpha: config.alpha, dropout: config.dropout, useRsLora: config.useRsLora }));
  }
  if (Array.isArray(config.targets)) {
    for (const t of config.targets) {
      const layer = model.layers.find((l) => l.name === t);
      if (layer == null) throw new Error(`LoRA target layer "${t}" not found in the model (layers: ${model.layers.map((l) => l.name).join(', ')})`);
      if (KINDS[layer.getClassName()] == null) throw new Error(`LoRA target layer "${t}" is a ${layer.getClassName()}; LoRA supports Dense, Embedding and Conv2D`);
    }
  }
  if (selected.size === 0) throw new Error(`LoRA: no Dense, Embedding or Conv2D layer selected in the model (targets ${JSON.stringify(config.targets ?? 'all')})`);
  const inputs = model.inputs;
  const memo = new Map<tfl.SymbolicTensor, tfl.SymbolicTensor>();
  const rebuild = (t: tfl.SymbolicTensor): tfl.SymbolicTensor => {
    const done = memo.get(t);
    if (done != null) return done;
    if (inputs.includes(t)) return t;
    const layer = t.sourceLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    const ins = node.inputTensors.map(rebuild);
    const replacement = selected.get(layer) ?? layer;
    const out = replacement.apply(ins.length === 1 ? ins[0] : ins, node.callArgs) as tfl.SymbolicTensor | tfl.SymbolicTensor[];
    const outs = Array.isArray(out) ? out : [out];
    node.outputTensors.forEach((o, i) => memo.set(o, outs[i]));
    return memo.get(t) as tfl.SymbolicTensor;
  };
  const outputs = model.outputs.map(rebuild);
  for (const layer of model.layers) if (!selected.has(layer)) layer.trainable = false;
  return tfl.model({ inputs, outputs, name: `${model.name}_lora` });
}

/** The LoRA factors of a model made by `addLoraToLayersModel`, by layer name (`<layer>/lora_A`). */
export function layersLoraWeights(model: tfl.LayersModel): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const layer of model.layers) {
    if (!(layer instanceof LoraWrapper)) continue;
    const [a, b] = layer.loraWeights();
    out.set(`${layer.base.name}.lora_A`, a.read());
    out.set(`${layer.base.name}.lora_B`, b.read());
  }
  return out;
}
