// Checkpoint boundary for RoBERTa: HF model folders (config.json + safetensors or pytorch_model.bin, sharded or
// not) and LoRA adapters (PEFT folders and loralib torch.save files). @lorats/checkpoints reads the files and
// @lorats/core applies adapters; HF key spellings and which head parts go together live only here.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { labelsInConfig, readHfWeights, readJson, readLoraAdapter as readAdapter, toFloat32, type HostTensor, type LoraAdapterFile } from '@lorats/checkpoints';
import { initWeights } from '@lorats/core';
import { robertaConfigFromHf, type RobertaConfig } from './config.js';
import { RobertaForSequenceClassification } from './model.js';

export { labelsInConfig, readHfWeights, readJson } from '@lorats/checkpoints';
export type { LoraAdapterFile } from '@lorats/checkpoints';
export { adapterStateDict, applyLoraAdapter, coreStateDict } from '@lorats/core';
export type { ApplyAdapterOptions } from '@lorats/core';

const IGNORED = [/^lm_head\./, /(^|\.)pooler\./, /\.position_ids$/, /\.token_type_ids$/];

/** Renames HF RoBERTa keys to this package's module paths (`roberta.…`, `classifier.…`); undefined = not used. */
export function robertaKey(key: string): string | undefined {
  if (IGNORED.some((re) => re.test(key))) return undefined;
  const k = key.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
  if (k.startsWith('classifier.')) return k;
  return k.startsWith('roberta.') ? k : `roberta.${k}`;
}

/** What `loadRoberta` did: which file it read, and whether the head was missing (so freshly initialised). */
export interface LoadReport {
  file: string;
  /** The checkpoint had no (usable) classification head; the head starts from N(0, 0.02). */
  newHead: boolean;
}

/** Options for `loadRoberta`. */
export interface LoadRobertaOptions {
  /** Label count (default: config.json's id2label, else 2); a checkpoint head of another size is dropped. */
  numLabels?: number;
}

/** Loads `RobertaForSequenceClassification` from an HF folder (roberta-base, roberta-large, a fine-tuned model). */
export async function loadRoberta(
  folder: string,
  options: LoadRobertaOptions = {},
): Promise<{ model: RobertaForSequenceClassification; config: RobertaConfig; report: LoadReport }> {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`${folder}: not a model folder`);
  const configFile = join(folder, 'config.json');
  const json = readJson(configFile);
  const config = robertaConfigFromHf(json, configFile);
  const numLabels = options.numLabels ?? labelsInConfig(json) ?? 2;
  const { file, tensors } = await readHfWeights(folder);
  const model = new RobertaForSequenceClassification(config, numLabels);
  initWeights(model);
  const own = model.stateDict();
  const dict = new Map<string, HostTensor>();
  for (const [key, value] of tensors) {
    const k = robertaKey(key);
    if (k !== undefined) dict.set(k, toFloat32(value));
  }
  const headFits = [...dict.keys()]
    .filter((k) => k.startsWith('classifier.'))
    .every((k) => sameShape(own.get(k)?.shape ?? [], dict.get(k)?.shape ?? []));
  if (!headFits) for (const k of [...dict.keys()]) if (k.startsWith('classifier.')) dict.delete(k);
  const unexpected = [...dict.keys()].filter((k) => !own.has(k));
  if (unexpected.length > 0) throw new Error(`${file}: keys this RoBERTa does not have: ${unexpected.slice(0, 8).join(', ')}`);
  for (const [k, v] of dict) {
    const want = own.get(k)?.shape ?? [];
    if (!sameShape(want, v.shape)) throw new Error(`${file}: "${k}" has shape [${v.shape}], config.json implies [${want}]`);
  }
  const { missingKeys } = model.loadStateDict(dict, { strict: false });
  const missingBody = missingKeys.filter((k) => !k.startsWith('classifier.'));
  if (missingBody.length > 0) throw new Error(`${file}: missing weights: ${missingBody.slice(0, 8).join(', ')}`);
  return { model, config, report: { file, newHead: missingKeys.length > 0 } };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Reads a PEFT adapter folder or a loralib file (`@lorats/checkpoints`' `readLoraAdapter`) under this package's keys. */
export function readLoraAdapter(path: string, rename: (key: string) => string | undefined = robertaKey): Promise<LoraAdapterFile> {
  return readAdapter(path, rename);
}

/** RoBERTa's head group: when any classifier key does not fit, all four go (examples/NLU `_pre_load_hook`). */
export function robertaHeadGroup(key: string): string[] | undefined {
  if (!key.startsWith('classifier.')) return undefined;
  return ['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias'];
}
