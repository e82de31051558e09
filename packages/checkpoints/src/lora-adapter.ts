// A LoRA adapter read for loading into a model by key: a PEFT folder or a loralib file, flattened to
// `<module path>.lora_A` / `.lora_B` (PyTorch layouts) plus the modules saved with it (a classification head), with
// the model's own key names applied by the caller's `rename`. `@lorats/core`'s `applyLoraAdapter` takes the result.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCheckpoint } from './checkpoint.js';
import type { StateDict } from './dtype.js';
import { CorruptCheckpointError, MissingEntryError, UnsupportedFormatError } from './errors.js';
import { ADAPTER_CONFIG_NAME, readPeftAdapter } from './peft.js';
import { toFloat32 } from './tensor.js';

/** A LoRA adapter read from disk, keyed by the model's module paths. */
export interface LoraAdapterFile {
  format: 'peft' | 'loralib';
  /** The weights file read. */
  file: string;
  rank: number;
  /** From adapter_config.json; loralib files do not store it. */
  alpha: number | undefined;
  useRsLora: boolean;
  /** `<module path>.lora_A` [rank, in] and `.lora_B` [out, rank], float32. */
  lora: StateDict;
  /** Fully trained modules saved with the adapter (the head), by model key, float32. */
  modules: StateDict;
}

/**
 * Reads a PEFT adapter folder (adapter_config.json + adapter_model.safetensors|bin) or a loralib file (torch.save of
 * `…lora_A`/`…lora_B` and the head, as examples/NLU writes them). PEFT's wrappers (`base_model.model.`,
 * `modules_to_save.<name>.`, `lora_A.<name>.weight`) and DDP's `module.` are removed before `rename` maps a key to
 * the model's (undefined = a tensor the model does not use). One rank for every module; no DoRA or rank/alpha patterns.
 */
export async function readLoraAdapter(path: string, rename: (key: string) => string | undefined = (key) => key): Promise<LoraAdapterFile> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new MissingEntryError(path, 'no such adapter file or folder');
  let format: 'peft' | 'loralib';
  let file: string;
  let tensors: StateDict;
  let alpha: number | undefined;
  let useRsLora = false;
  if (info.isDirectory()) {
    format = 'peft';
    const configFile = join(path, ADAPTER_CONFIG_NAME);
    const adapter = await readPeftAdapter(path, { raw: false });
    const c = adapter.config;
    if (c.peft_type !== 'LORA') throw new UnsupportedFormatError(configFile, `peft_type ${JSON.stringify(c.peft_type)} is not LORA`);
    for (const key of ['rank_pattern', 'alpha_pattern']) {
      const v = c[key];
      if (v && typeof v === 'object' && Object.keys(v).length > 0) throw new UnsupportedFormatError(configFile, `${key} is not supported`);
    }
    if (c.use_dora === true) throw new UnsupportedFormatError(configFile, 'DoRA adapters are not supported');
    if (typeof c.lora_alpha !== 'number') throw new CorruptCheckpointError(configFile, 'lora_alpha must be a number');
    alpha = c.lora_alpha;
    useRsLora = c.use_rslora === true;
    file = join(adapter.folder, adapter.weightsFile);
    tensors = adapter.tensors;
  } else {
    format = 'loralib';
    file = path;
    tensors = (await loadCheckpoint(file)).tensors;
  }
  const lora: StateDict = new Map();
  const modules: StateDict = new Map();
  let rank = 0;
  for (const [rawKey, value] of tensors) {
    const key = rawKey
      .replace(/^base_model\.model\./, '')
      .replace(/^module\./, '')
      .replace(/\.modules_to_save\.[^.]+\./, '.')
      .replace(/\.lora_([AB])(\.[^.]+)?\.weight$/, '.lora_$1')
      .replace(/\.lora_([AB])\.[^.]+$/, '.lora_$1');
    const mapped = rename(key);
    if (mapped === undefined) continue;
    const t = toFloat32(value);
    if (/\.lora_[AB]$/.test(mapped)) {
      if (t.shape.length !== 2) throw new CorruptCheckpointError(file, `"${rawKey}" is not a matrix`);
      const r = mapped.endsWith('lora_A') ? t.shape[0] : t.shape[1];
      if (rank !== 0 && r !== rank) throw new UnsupportedFormatError(file, `"${rawKey}" has rank ${r}, others ${rank} (per-module ranks are not supported)`);
      rank = r;
      lora.set(mapped, t);
    } else modules.set(mapped, t);
  }
  if (lora.size === 0) throw new MissingEntryError(file, 'no lora_A / lora_B tensors');
  return { format, file, rank, alpha, useRsLora, lora, modules };
}
