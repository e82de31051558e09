// Hugging Face model folders as `from_pretrained` finds them: config.json beside model.safetensors or
// pytorch_model.bin, or a sharded `<name>.index.json` whose weight_map names the shard files.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCheckpoint } from './checkpoint.js';
import type { StateDict } from './dtype.js';
import { CorruptCheckpointError, MissingEntryError } from './errors.js';

const WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin'];

/** Reads and parses a JSON file (config.json, an index), naming the file in errors. */
export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new MissingEntryError(file, `cannot read (${(e as Error).message})`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CorruptCheckpointError(file, `not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

const isFile = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined))?.isFile() ?? false;

/**
 * The weights of an HF model folder: model.safetensors, else pytorch_model.bin, else the shards a
 * `model.safetensors.index.json` / `pytorch_model.bin.index.json` lists (merged in shard order). `file` is what was
 * read (the index for sharded weights), for error messages.
 */
export async function readHfWeights(folder: string): Promise<{ file: string; tensors: StateDict }> {
  for (const name of WEIGHT_FILES) {
    const file = join(folder, name);
    if (await isFile(file)) return { file, tensors: (await loadCheckpoint(file)).tensors };
    const index = `${file}.index.json`;
    if (await isFile(index)) {
      const map = (readJson(index) as { weight_map?: Record<string, string> }).weight_map;
      if (!map || typeof map !== 'object') throw new CorruptCheckpointError(index, 'no "weight_map"');
      const tensors: StateDict = new Map();
      for (const shard of new Set(Object.values(map))) {
        for (const [k, v] of (await loadCheckpoint(join(folder, shard))).tensors) tensors.set(k, v);
      }
      return { file: index, tensors };
    }
  }
  throw new MissingEntryError(folder, 'no model.safetensors or pytorch_model.bin (nor a sharded index)');
}

/** The number of labels an HF config.json declares (its id2label), if any. */
export function labelsInConfig(json: unknown): number | undefined {
  const id2label = (json as { id2label?: Record<string, string> }).id2label;
  return id2label ? Object.keys(id2label).length : undefined;
}
