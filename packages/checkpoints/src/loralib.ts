// loralib (microsoft/LoRA) LoRA files: torch.save of lora_state_dict(model), keys `<path>.lora_A` / `<path>.lora_B`
// (Parameters, so no `.weight`), plus whatever else the caller saved (heads, biases). loralib stores neither rank nor
// alpha: rank comes from the shapes, alpha from the caller.
import type { HostTensor, StateDict } from './dtype.js';
import { CorruptCheckpointError, MissingEntryError, UnsupportedFormatError } from './errors.js';
import type { LoraModule, LoraWeights } from './lora.js';
import { loadCheckpoint } from './checkpoint.js';

/** Leaf module names treated as embeddings (their factors are lookup tables), as in PEFT's EMBEDDING_LAYER_NAMES. */
export const EMBEDDING_NAMES = ['wte', 'wpe', 'embed_tokens', 'word_embeddings', 'embed_in', 'embed_positions', 'position_embeddings', 'token_type_embeddings', 'shared'];

/** Fused projections whose MergedLinear groups are known: GPT-2 `c_attn` is [q|k|v] (loralib's NLG example adapts q and v). */
const KNOWN_GROUPS: Record<string, number> = { c_attn: 3, qkv: 3, qkv_proj: 3, query_key_value: 3, Wqkv: 3 };
const CONTAINERS = ['model_state_dict', 'state_dict', 'model'];

export interface LoralibOptions {
  /** loralib's `lora_alpha` (not stored in the file). */
  alpha: number;
  /**
   * MergedLinear groups per module path (or leaf name, e.g. `c_attn`; `*` for every module whose shapes say it is
   * merged). When omitted, a module whose lora_A has E
   * times as many rows as lora_B has columns is a MergedLinear with E enabled groups: for a known fused projection
   * (GPT-2 `c_attn`: 3 groups) E = 2 means q and v ([true, false, true]) and E = 3 all three; anything else must be given.
   */
  enableLora?: Record<string, boolean[]>;
  /** Leaf names whose LoRA is an embedding LoRA. Defaults to `EMBEDDING_NAMES`. */
  embeddings?: string[];
  /**
   * Keep only the LoRA factors, dropping every other tensor (a file that also holds the backbone, or
   * lora_state_dict(bias='all')'s causal-mask buffers). By default other tensors (classifier heads) are kept.
   */
  loraOnly?: boolean;
}

/**
 * The model's state dict inside a checkpoint: the `model_state_dict`/`state_dict`/`model` entry when there is one
 * (training checkpoints put `optimizer_state_dict`, `epoch`... beside it), without the `module.` prefix that
 * DistributedDataParallel adds to every key.
 */
export function unwrapStateDict(tensors: StateDict): StateDict {
  let out = tensors;
  for (const c of CONTAINERS) {
    if ([...out.keys()].some((k) => k.startsWith(`${c}.`))) {
      out = new Map([...out].filter(([k]) => k.startsWith(`${c}.`)).map(([k, t]) => [k.slice(c.length + 1), t]));
      break;
    }
  }
  const keys = [...out.keys()];
  if (keys.length > 0 && keys.every((k) => k.startsWith('module.'))) out = new Map([...out].map(([k, t]) => [k.slice('module.'.length), t]));
  return out;
}

function leaf(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

function groupsFor(file: string, path: string, enabled: number, given: boolean[] | undefined): boolean[] {
  if (given) {
    if (given.filter(Boolean).length !== enabled) {
      throw new CorruptCheckpointError(file, `enableLora [${given}] enables ${given.filter(Boolean).length} groups but the shapes say ${enabled}`, { key: path });
    }
    return given;
  }
  const groups = KNOWN_GROUPS[leaf(path)];
  if (groups === 3 && enabled === 2) return [true, false, true];
  if (groups !== undefined && enabled === groups) return new Array<boolean>(groups).fill(true);
  throw new UnsupportedFormatError(file, `lora_A has ${enabled}× the rows lora_B has columns (a MergedLinear); pass enableLora for this module`, { key: path });
}

/** Groups a loralib state dict into LoRA modules (rank from the shapes) and the other tensors. */
export function loralibWeights(file: string, tensors: StateDict, options: LoralibOptions): LoraWeights {
  if (!(options.alpha > 0)) throw new CorruptCheckpointError(file, `alpha must be a positive number (got ${options.alpha}); loralib files do not store it`);
  const sd = unwrapStateDict(tensors);
  const embeddings = new Set(options.embeddings ?? EMBEDDING_NAMES);
  const modules: LoraModule[] = [];
  const extra: StateDict = new Map();
  for (const [key, t] of sd) {
    if (key.endsWith('.lora_B')) continue;
    if (!key.endsWith('.lora_A')) {
      if (/\.lora_[A-Za-z_]+$/.test(key)) throw new UnsupportedFormatError(file, 'unknown loralib LoRA tensor', { key });
      if (!options.loraOnly) extra.set(key, t);
      continue;
    }
    const path = key.slice(0, -'.lora_A'.length);
    const b: HostTensor | undefined = sd.get(`${path}.lora_B`);
    if (!b) throw new MissingEntryError(file, `${path}.lora_A has no matching lora_B`, { key: `${path}.lora_B` });
    if (t.shape.length !== 2 || b.shape.length !== 2) {
      throw new UnsupportedFormatError(file, `LoRA factors of shapes [${t.shape}] and [${b.shape}] are not matrices (ConvLoRA is not supported)`, { key: path });
    }
    const rank = b.shape[1];
    const rows = t.shape[0];
    if (rank === 0 || rows % rank !== 0) {
      throw new CorruptCheckpointError(file, `lora_A [${t.shape}] and lora_B [${b.shape}] do not agree on a rank`, { key: path });
    }
    const module: LoraModule = { path, kind: embeddings.has(leaf(path)) ? 'embedding' : 'linear', rank, alpha: options.alpha, loraA: t, loraB: b };
    const enabled = rows / rank;
    const given = options.enableLora?.[path] ?? options.enableLora?.[leaf(path)] ?? (enabled > 1 ? options.enableLora?.['*'] : undefined);
    if (enabled > 1 || (given && given.length > 1)) {
      const groups = groupsFor(file, path, enabled, given);
      if (b.shape[0] % enabled !== 0) throw new CorruptCheckpointError(file, `lora_B rows ${b.shape[0]} do not split into ${enabled} groups`, { key: path });
      module.enableLora = groups;
    }
    modules.push(module);
  }
  for (const key of sd.keys()) {
    if (key.endsWith('.lora_B') && !sd.has(`${key.slice(0, -2)}_A`)) throw new MissingEntryError(file, `${key} has no matching lora_A`, { key });
  }
  return { modules, extra };
}

/** Reads a loralib `.pt`/`.bin` file (any torch.save format, or safetensors with the same keys). */
export async function readLoralib(path: string, options: LoralibOptions): Promise<LoraWeights> {
  const { tensors } = await loadCheckpoint(path, { raw: true });
  return loralibWeights(path, tensors, options);
}

/** The loralib state dict of some LoRA weights: `<path>.lora_A`, `<path>.lora_B`, then the extra tensors. */
export function loralibStateDict(weights: LoraWeights): StateDict {
  const out: StateDict = new Map();
  for (const m of weights.modules) {
    out.set(`${m.path}.lora_A`, m.loraA);
    out.set(`${m.path}.lora_B`, m.loraB);
  }
  for (const [k, t] of weights.extra) out.set(k, t);
  return out;
}
