// Checkpoint boundary for DeBERTa-v2: HF model folders (config.json + safetensors or pytorch_model.bin, sharded or
// not) and LoRA adapters (PEFT folders and loralib torch.save files). @lorats/checkpoints reads the files and
// @lorats/core applies adapters; HF key spellings and which head parts go together live only here.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { labelsInConfig, readHfWeights, readJson, readLoraAdapter as readAdapter, toFloat32, type HostTensor, type LoraAdapterFile } from '@lorats/checkpoints';
import { initWeights } from '@lorats/core';
import { debertaV2ConfigFromHf, type DebertaV2Config } from './config.js';
import { DebertaV2ForSequenceClassification } from './model.js';

export { labelsInConfig, readHfWeights, readJson } from '@lorats/checkpoints';
export type { LoraAdapterFile } from '@lorats/checkpoints';
export { adapterStateDict, applyLoraAdapter, coreStateDict } from '@lorats/core';
export type { ApplyAdapterOptions } from '@lorats/core';

const IGNORED = [/^lm_predictions\./, /^cls\./, /^mask_predictions\./, /\.position_ids$/];

/** Renames HF DeBERTa-v2 keys to this package's module paths (`deberta.…`, `pooler.…`, `classifier.…`); undefined = unused. */
export function debertaKey(key: string): string | undefined {
  if (IGNORED.some((re) => re.test(key))) return undefined;
  if (key.startsWith('pooler.') || key.startsWith('classifier.')) return key;
  return key.startsWith('deberta.') ? key : `deberta.${key}`;
}

/** What `loadDebertaV2` did: which file it read, and which head parts were missing (so freshly initialised). */
export interface LoadReport {
  file: string;
  /** The checkpoint had no (usable) classifier; it starts from N(0, initializer_range). */
  newHead: boolean;
  /** The checkpoint had no pooler (a pre-trained, not fine-tuned, model). */
  newPooler: boolean;
}

/** Options for `loadDebertaV2`. */
export interface LoadDebertaOptions {
  /** Label count (default: config.json's id2label, else 2); a checkpoint classifier of another size is dropped. */
  numLabels?: number;
  /** Dropout before the classifier (examples/NLU's `--cls_dropout`); default config.json's cls_dropout. */
  clsDropout?: number;
}

/** Loads `DebertaV2ForSequenceClassification` from an HF folder (deberta-v2-xxlarge, a fine-tuned model). */
export async function loadDebertaV2(
  folder: string,
  options: LoadDebertaOptions = {},
): Promise<{ model: DebertaV2ForSequenceClassification; config: DebertaV2Config; report: LoadReport }> {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`${folder}: not a model folder`);
  const configFile = join(folder, 'config.json');
  const json = readJson(configFile);
  const parsed = debertaV2ConfigFromHf(json, configFile);
  const config = options.clsDropout === undefined ? parsed : { ...parsed, clsDropout: options.clsDropout };
  const numLabels = options.numLabels ?? labelsInConfig(json) ?? 2;
  const { file, tensors } = await readHfWeights(folder);
  const model = new DebertaV2ForSequenceClassification(config, numLabels);
  initWeights(model, config.initializerRange);
  const own = model.stateDict();
  const dict = new Map<string, HostTensor>();
  for (const [key, value] of tensors) {
    const k = debertaKey(key);
    // HF ignores absolute position embeddings a relative-only model does not use.
    if (k === undefined || (k.endsWith('embeddings.position_embeddings.weight') && !config.positionBiasedInput)) continue;
    dict.set(k, toFloat32(value));
  }
  const classifierFits = ['classifier.weight', 'classifier.bias'].every((k) => !dict.has(k) || sameShape(own.get(k)?.shape ?? [], dict.get(k)?.shape ?? []));
  if (!classifierFits) for (const k of ['classifier.weight', 'classifier.bias']) dict.delete(k);
  const unexpected = [...dict.keys()].filter((k) => !own.has(k));
  if (unexpected.length > 0) throw new Error(`${file}: keys this DeBERTa-v2 does not have: ${unexpected.slice(0, 8).join(', ')}`);
  for (const [k, v] of dict) {
    const want = own.get(k)?.shape ?? [];
    if (!sameShape(want, v.shape)) throw new Error(`${file}: "${k}" has shape [${v.shape}], config.json implies [${want}]`);
  }
  const { missingKeys } = model.loadStateDict(dict, { strict: false });
  const missingBody = missingKeys.filter((k) => !k.startsWith('classifier.') && !k.startsWith('pooler.'));
  if (missingBody.length > 0) throw new Error(`${file}: missing weights: ${missingBody.slice(0, 8).join(', ')}`);
  return {
    model,
    config,
    report: { file, newHead: missingKeys.some((k) => k.startsWith('classifier.')), newPooler: missingKeys.some((k) => k.startsWith('pooler.')) },
  };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Reads a PEFT adapter folder or a loralib file (`@lorats/checkpoints`' `readLoraAdapter`) under this package's keys. */
export function readLoraAdapter(path: string, rename: (key: string) => string | undefined = debertaKey): Promise<LoraAdapterFile> {
  return readAdapter(path, rename);
}

/** DeBERTa's head group: a classifier that does not fit is dropped, the pooler kept (examples/NLU `_pre_load_hook`). */
export function debertaHeadGroup(key: string): string[] | undefined {
  return key.startsWith('classifier.') ? ['classifier.weight', 'classifier.bias'] : undefined;
}
