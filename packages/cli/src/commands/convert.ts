// `lorats convert <in> <out>`: between PyTorch files (.bin/.pt), .safetensors and PEFT adapter folders.
//   file   -> file    same tensors and keys (nested dicts flattened with dots; --unwrap drops a container), dtypes kept
//   file   -> folder  a loralib LoRA file (or PEFT-keyed file) becomes a PEFT adapter; needs --alpha
//   folder -> file    a PEFT adapter becomes a loralib-style file (`<path>.lora_A`); prints the alpha to load it with
//   folder -> folder  re-saves the adapter (e.g. --format bin -> safetensors), config kept verbatim
import { existsSync } from 'node:fs';
import {
  formatForPath,
  isPeftFolder,
  loraFromPeft,
  loralibStateDict,
  loralibWeights,
  peftFromLora,
  openCheckpoint,
  readPeftAdapter,
  saveCheckpoint,
  TorchReader,
  unwrapStateDict,
  writePeftAdapter,
  type LoraWeights,
  type StateDict,
} from '@lorats/checkpoints';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';

/** `1,0,1` or `c_attn=1,0,1` -> groups by module (`*` for every merged module). */
function parseEnableLora(values: string[] | undefined): Record<string, boolean[]> | undefined {
  if (!values) return undefined;
  const out: Record<string, boolean[]> = {};
  for (const v of values) {
    const [name, spec] = v.includes('=') ? v.split('=', 2) : ['*', v];
    const flags = spec.split(',').map((f) => f.trim().toLowerCase());
    if (!flags.every((f) => ['1', '0', 'true', 'false', 't', 'f'].includes(f))) {
      throw new UsageError(`--enable-lora takes groups like 1,0,1 or c_attn=1,0,1 (got "${v}")`);
    }
    out[name] = flags.map((f) => f === '1' || f === 'true' || f === 't');
  }
  return out;
}

function describeWeights(w: LoraWeights): string {
  const ranks = [...new Set(w.modules.map((m) => m.rank))].join('/');
  const merged = w.modules.filter((m) => m.enableLora).length;
  return `${w.modules.length} LoRA modules (rank ${ranks || '-'})${merged ? `, ${merged} MergedLinear` : ''}, ${w.extra.size} other tensors`;
}

export const convert: Command = {
  name: 'convert',
  summary: 'convert between .bin/.pt, .safetensors and PEFT adapter folders (a loralib file to a folder needs --alpha)',
  usage: '<in> <out> [--alpha A] [--format safetensors|bin] [--force]',
  options: [
    { name: 'alpha', type: 'number', value: 'A', description: 'LoRA alpha of a loralib file (loralib does not store it); needed for file -> PEFT folder' },
    { name: 'format', type: 'string', choices: ['safetensors', 'bin'], default: 'safetensors', description: 'weights file of a PEFT folder output' },
    { name: 'base-model', type: 'string', value: 'NAME', description: 'base_model_name_or_path for a new PEFT adapter' },
    { name: 'task-type', type: 'string', value: 'TYPE', description: 'task_type for a new PEFT adapter (e.g. SEQ_CLS, CAUSAL_LM)' },
    { name: 'dropout', type: 'number', value: 'P', description: 'lora_dropout for a new PEFT adapter (default 0)' },
    {
      name: 'enable-lora',
      type: 'list',
      value: 'GROUPS',
      description: 'loralib MergedLinear groups, e.g. 1,0,1 or c_attn=1,0,1 (GPT-2 c_attn with 2 groups is q,v by default)',
    },
    { name: 'lora-only', type: 'boolean', description: 'file -> PEFT folder: keep only the LoRA factors (drop heads, biases, backbone tensors)' },
    { name: 'unwrap', type: 'boolean', description: 'file -> file: drop a model_state_dict/state_dict container and DDP\'s module. prefix from the keys' },
    { name: 'force', type: 'boolean', description: 'replace an existing output' },
  ],
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('convert takes an input and an output path');
    const [input, output] = args.positionals;
    const o = args.options;
    const alpha = o.alpha as number | undefined;
    if (alpha !== undefined && !(alpha > 0)) throw new UsageError('--alpha must be positive');
    if (!existsSync(input)) throw new UsageError(`${input} does not exist`);
    if (existsSync(output) && !o.force) throw new UsageError(`${output} exists; pass --force to replace it`);
    const inFolder = await isPeftFolder(input);
    const outFormat = formatForPath(output);
    const note = (s: string) => io.stdout(`${s}\n`);

    if (inFolder && outFormat) {
      const adapter = await readPeftAdapter(input);
      const weights = loraFromPeft(adapter, input);
      await saveCheckpoint(output, loralibStateDict(weights), { metadata: { format: 'pt' } });
      const alphas = [...new Set(weights.modules.map((m) => m.alpha))];
      note(`${input} (PEFT, ${describeWeights(weights)}) -> ${output} (loralib keys, ${outFormat})`);
      note(`loralib files do not store alpha: load with alpha = ${alphas.join(' / ') || '-'}`);
      return 0;
    }
    if (inFolder) {
      const adapter = await readPeftAdapter(input);
      await writePeftAdapter(output, adapter, { format: o.format as 'safetensors' | 'bin', configText: adapter.configText });
      note(`${input} (PEFT, ${adapter.weightsFile}) -> ${output} (PEFT, ${o.format})`);
      return 0;
    }
    const reader = await openCheckpoint(input);
    const dropped = reader instanceof TorchReader ? [...reader.values.keys()] : [];
    const loaded = { format: reader.format, metadata: reader.metadata, tensors: await reader.readAll({ raw: true }).finally(() => reader.close()) };
    if (outFormat) {
      const tensors = o.unwrap ? unwrapStateDict(loaded.tensors) : loaded.tensors;
      await saveCheckpoint(output, tensors, { metadata: { format: 'pt', ...loaded.metadata } });
      note(`${input} (${loaded.format}, ${tensors.size} tensors) -> ${output} (${outFormat})`);
      if (dropped.length) note(`not carried over (not tensors): ${dropped.join(', ')}`);
      return 0;
    }
    if (alpha === undefined) throw new UsageError('a LoRA file -> PEFT folder conversion needs --alpha (loralib files do not store it)');
    const keys = [...loaded.tensors.keys()];
    let weights: LoraWeights;
    if (keys.length > 0 && keys.every((k) => k.startsWith('base_model.model.'))) {
      weights = loraFromPeft({ config: { peft_type: 'LORA', lora_alpha: alpha }, tensors: loaded.tensors, metadata: loaded.metadata }, input);
    } else {
      weights = loralibWeights(input, loaded.tensors as StateDict, {
        alpha,
        enableLora: parseEnableLora(o['enable-lora'] as string[] | undefined),
        loraOnly: o['lora-only'] === true,
      });
    }
    const adapter = peftFromLora(weights, {
      baseModel: (o['base-model'] as string | undefined) ?? null,
      taskType: (o['task-type'] as string | undefined) ?? null,
      dropout: o.dropout as number | undefined,
    });
    await writePeftAdapter(output, adapter, { format: o.format as 'safetensors' | 'bin' });
    note(`${input} (${loaded.format}, ${describeWeights(weights)}) -> ${output} (PEFT, r=${adapter.config.r}, lora_alpha=${adapter.config.lora_alpha})`);
    if (weights.modules.some((m) => m.enableLora)) {
      note('MergedLinear modules were written as one LoRA on the fused projection (rank and alpha times the enabled groups, same ΔW and scaling)');
    }
    return 0;
  },
};
