// The two model families behind one interface the GLUE runner and the CLI use: build or load a classifier, its
// tokenizer, where LoRA goes, which modules train fully and are saved with the adapter, and how a saved head that
// does not fit is dropped.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '@lorats/checkpoints';
import { DEFAULT_ADAPTER, Linear, type Module, applyLoraAdapter, initWeights, normal } from '@lorats/core';
import { DebertaV2Tokenizer, debertaHeadGroup, loadDebertaV2, readLoraAdapter as readDebertaAdapter } from '@lorats/deberta-v2';
import {
  ROBERTA_BASE,
  ROBERTA_SPECIAL_TOKENS,
  RobertaForSequenceClassification,
  RobertaTokenizer,
  loadRoberta,
  readLoraAdapter as readRobertaAdapter,
  robertaHeadGroup,
  type EncoderInputs,
  type RobertaConfig,
} from '@lorats/roberta';
import { ByteLevelBpe, trainByteLevelBpe, type EncodedInput, type TruncationStrategy } from '@lorats/tokenizers';
import type * as tf from '@tensorflow/tfjs-core';

export type Family = 'roberta' | 'deberta-v2';

/** A sequence classifier of either family. */
export interface Classifier extends Module {
  readonly numLabels: number;
  forward(inputs: EncoderInputs): tf.Tensor;
  loss(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar;
}

/** Text → input ids for either family. */
export interface PairTokenizer {
  readonly padId: number;
  encodeInput(a: string, b?: string, options?: { maxLength?: number; truncation?: TruncationStrategy }): EncodedInput;
}

/** A classifier with its tokenizer and family rules. */
export interface NluModel {
  family: Family;
  model: Classifier;
  tokenizer: PairTokenizer;
  /** Where the weights came from (a folder), or `random`. */
  source: string;
}

/** Modules trained fully and saved with the adapter: RoBERTa's head; DeBERTa's pooler and classifier. */
export function isHeadKey(family: Family, key: string): boolean {
  return key.startsWith('classifier.') || (family === 'deberta-v2' && key.startsWith('pooler.'));
}

/** The family a model folder holds, from config.json's model_type. */
export function familyOf(folder: string): Family {
  const json = readJson(join(folder, 'config.json')) as { model_type?: string };
  if (json.model_type === 'roberta') return 'roberta';
  if (json.model_type === 'deberta-v2') return 'deberta-v2';
  throw new Error(`${join(folder, 'config.json')}: model_type ${JSON.stringify(json.model_type)} is not roberta or deberta-v2`);
}

/** The preset name a loaded model corresponds to (for picking the experiment): by family and width. */
export function presetOf(family: Family, hiddenSize: number): string {
  if (family === 'deberta-v2') return hiddenSize === 1536 ? 'deberta-v2-xxlarge' : 'deberta-v2';
  return hiddenSize === 1024 ? 'roberta-large' : hiddenSize === 768 ? 'roberta-base' : 'roberta';
}

/** Loads an HF folder (roberta-base, deberta-v2-xxlarge, …) as a classifier with `numLabels` outputs. */
export async function loadNluModel(folder: string, numLabels: number, options: { clsDropout?: number | null } = {}): Promise<NluModel & { hiddenSize: number }> {
  if (!existsSync(join(folder, 'config.json'))) throw new Error(`${folder}: no config.json (expected an HF model folder)`);
  const family = familyOf(folder);
  if (family === 'roberta') {
    const { model, config } = await loadRoberta(folder, { numLabels });
    return { family, model, tokenizer: RobertaTokenizer.fromFolder(folder), source: folder, hiddenSize: config.hiddenSize };
  }
  const { model, config } = await loadDebertaV2(folder, { numLabels, clsDropout: options.clsDropout ?? undefined });
  return { family, model, tokenizer: DebertaV2Tokenizer.fromFolder(folder), source: folder, hiddenSize: config.hiddenSize };
}

/** roberta-base's shape at toy size: 2 layers, width 32, 4 heads. */
export const TINY_ROBERTA: Omit<RobertaConfig, 'vocabSize' | 'padTokenId' | 'bosTokenId' | 'eosTokenId'> = {
  ...ROBERTA_BASE,
  hiddenSize: 32,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  intermediateSize: 64,
  maxPositionEmbeddings: 130,
};

/** A random tiny RoBERTa with a byte-level BPE trained on `corpus` (the embedded default's model). */
// With HF's N(0, 0.02) a random 2-layer model barely moves the <s> state with the input; N(0, 0.1) lets a few dozen
// updates of LoRA and the head learn the synthetic tasks.
export function tinyRoberta(corpus: readonly string[], numLabels: number, initStd = 0.1): NluModel {
  const bpe = trainByteLevelBpe(corpus, { vocabSize: 400, specialTokens: ROBERTA_SPECIAL_TOKENS });
  // RoBERTa's layout: <s> <pad> </s> <unk> <mask> are ids 0-4 (position ids count on from the pad id).
  const vocab = new Map<string, number>(ROBERTA_SPECIAL_TOKENS.map((t, i) => [t, i]));
  for (const [token] of [...bpe.vocab].sort((x, y) => x[1] - y[1])) if (!vocab.has(token)) vocab.set(token, vocab.size);
  const tokenizer = new RobertaTokenizer(new ByteLevelBpe(vocab, bpe.merges, { specialTokens: ROBERTA_SPECIAL_TOKENS }));
  const config: RobertaConfig = {
    ...TINY_ROBERTA,
    vocabSize: tokenizer.vocabSize,
    padTokenId: tokenizer.padId,
    bosTokenId: tokenizer.bosId,
    eosTokenId: tokenizer.eosId,
  };
  const model = new RobertaForSequenceClassification(config, numLabels);
  initWeights(model, initStd);
  return { family: 'roberta', model, tokenizer, source: 'random' };
}

/** LoRA settings as an experiment gives them. */
export interface LoraSpec {
  rank: number;
  alpha: number;
  dropout: number;
  targets: readonly string[];
  mergeWeights: boolean;
  initStd: number | null;
}

/**
 * Adds a fresh adapter to every Linear whose name is a target (examples/NLU: query/value, query_proj/value_proj);
 * B = 0, A Kaiming-uniform (loralib) or N(0, initStd) (DeBERTa). Returns the adapted layer paths.
 */
export function addLora(model: Module, spec: LoraSpec): string[] {
  const paths: string[] = [];
  for (const [path, m] of model.namedModules()) {
    const name = path.split('.').pop() ?? '';
    if (!(m instanceof Linear) || !spec.targets.includes(name)) continue;
    const adapter = m.addAdapter(DEFAULT_ADAPTER, { rank: spec.rank, alpha: spec.alpha, dropout: spec.dropout });
    if (spec.initStd !== null) {
      const a = normal(adapter.loraA.shape, spec.initStd);
      adapter.loraA.assign(a);
      a.dispose();
    }
    m.mergeWeights = spec.mergeWeights;
    paths.push(path);
  }
  if (paths.length === 0) throw new Error(`no Linear layer is named ${spec.targets.join(' or ')}`);
  return paths;
}

/** Loads a PEFT folder or loralib file into the model; a head of another label count is dropped as examples/NLU does. */
export async function loadAdapter(
  nlu: NluModel,
  path: string,
  options: { alpha?: number; mergeWeights?: boolean } = {},
): Promise<{ droppedKeys: string[]; rank: number; alpha: number }> {
  const roberta = nlu.family === 'roberta';
  const adapter = roberta ? await readRobertaAdapter(path) : await readDebertaAdapter(path);
  const r = applyLoraAdapter(nlu.model, adapter, { ...options, headGroup: roberta ? robertaHeadGroup : debertaHeadGroup });
  return { ...r, rank: adapter.rank, alpha: (options.alpha ?? adapter.alpha) as number };
}

/** Freezes everything but LoRA A/B and the head (examples/NLU: every non-backbone parameter trains). */
export function markTrainable(nlu: NluModel): Array<[string, tf.Variable]> {
  const out: Array<[string, tf.Variable]> = [];
  for (const [name, v] of nlu.model.namedParameters()) {
    v.trainable = /\.lora_[AB]$/.test(name) || isHeadKey(nlu.family, name);
    if (v.trainable) out.push([name, v]);
  }
  return out;
}
