// `lorats perplexity --model <HF folder> [--adapter <PEFT folder | loralib file> --alpha A] (--text "…" | --ids 1,2,3)`:
// the mean next-token loss of a text under GPT-2 (with an optional LoRA adapter) and its perplexity exp(loss).
// The model/adapter/prompt helpers here are shared with `lorats generate`.
import { existsSync, statSync } from 'node:fs';
import { applyGpt2Adapter, loadGpt2, loadGpt2Tokenizer, readGpt2Adapter, type Gpt2LMModel } from '@lorats/gpt2';
import { BACKEND_OPTIONS, backendOptionsFromArgs, setupBackend } from '@lorats/runtime';
import type { TextTokenizer } from '@lorats/tokenizers';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError, type OptionSpec, type ParsedValue } from '../args.js';
import type { Command } from '../command.js';
import { adapterOptions } from '../options.js';

export const GPT2_MODEL_OPTIONS: readonly OptionSpec[] = [
  { name: 'model', type: 'string', value: 'PATH', description: 'GPT-2: an HF folder (config.json + model.safetensors | pytorch_model.bin) or a weight file' },
  ...adapterOptions('file (e.g. gpt2_md_lora_e2e.pt)'),
  { name: 'tokenizer', type: 'string', value: 'DIR', description: 'GPT-2 tokenizer files (default: the model folder)' },
  { name: 'ids', type: 'string', value: 'IDS', description: 'comma-separated token ids, used as given (e.g. 3672,1058,50256)' },
  { name: 'text', type: 'string', value: 'TEXT', description: 'text to tokenize (byte-level BPE, no special tokens added)' },
  { name: 'json', type: 'boolean', description: 'print a JSON object' },
  ...BACKEND_OPTIONS.map((o) => ({ ...o })),
];

/** The model (with the adapter applied, in eval mode) and, when found, its tokenizer. */
export async function loadModelAndTokenizer(o: Record<string, ParsedValue>, textFlag = 'text'): Promise<{ model: Gpt2LMModel; tokenizer?: TextTokenizer }> {
  const path = o.model as string | undefined;
  if (!path) throw new UsageError('--model is required');
  if ((o[textFlag] === undefined) === (o.ids === undefined)) throw new UsageError(`give exactly one of --ids and --${textFlag}`);
  const { model } = await loadGpt2(path);
  const adapter = o.adapter as string | undefined;
  if (adapter !== undefined) {
    const { file, weights } = await readGpt2Adapter(adapter, o.alpha as number | undefined);
    applyGpt2Adapter(model, weights, file);
  } else if (o.alpha !== undefined) throw new UsageError('--alpha needs --adapter');
  model.eval();
  const tokDir = (o.tokenizer as string | undefined) ?? (existsSync(path) && statSync(path).isDirectory() ? path : undefined);
  let tokenizer: TextTokenizer | undefined;
  if (tokDir !== undefined) {
    try {
      tokenizer = loadGpt2Tokenizer(tokDir);
    } catch (e) {
      if (o.tokenizer !== undefined) throw e;
    }
  }
  return { model, tokenizer };
}

/** Token ids from --ids or --text (exactly one), checked against the vocabulary. */
export function inputIds(o: Record<string, ParsedValue>, model: Gpt2LMModel, tokenizer: TextTokenizer | undefined, flag = 'text'): number[] {
  const text = o[flag] as string | undefined;
  const idsArg = o.ids as string | undefined;
  if ((text === undefined) === (idsArg === undefined)) throw new UsageError(`give exactly one of --ids and --${flag}`);
  let ids: number[];
  if (idsArg !== undefined) {
    ids = idsArg.split(',').map((s) => Number(s.trim()));
    const bad = ids.find((x) => !Number.isInteger(x) || x < 0 || x >= model.vocabSize);
    if (bad !== undefined || ids.length === 0) throw new UsageError(`--ids must be integers in [0, ${model.vocabSize}) (got "${idsArg}")`);
  } else {
    if (!tokenizer) throw new UsageError(`--${flag} needs tokenizer files in the model folder or --tokenizer <folder>`);
    ids = tokenizer.encode(text as string);
    if (tokenizer.vocabSize > model.vocabSize) throw new Error(`the tokenizer has ${tokenizer.vocabSize} tokens, the model ${model.vocabSize}`);
  }
  return ids;
}

export const perplexity: Command = {
  name: 'perplexity',
  summary: 'mean next-token loss and perplexity of a text under GPT-2, with an optional LoRA adapter',
  usage: '--model <folder|file> [--adapter <folder|file> --alpha A] (--text "…" | --ids 1,2,3) [--json]',
  options: GPT2_MODEL_OPTIONS,
  async run(args, io) {
    const o = args.options;
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    await setupBackend({ ...backendOptionsFromArgs(o), quiet: true });
    const { model, tokenizer } = await loadModelAndTokenizer(o);
    try {
      const ids = inputIds(o, model, tokenizer);
      if (ids.length < 2) throw new UsageError('the text must have at least two tokens (the first is only context)');
      if (ids.length > model.config.nPositions) throw new UsageError(`${ids.length} tokens exceed the model's ${model.config.nPositions} positions`);
      // loss_t = −log p(ids[t+1] | ids[..t]) for t = 0 … T−2.
      const losses = tf.tidy(() => {
        const logits = model.forward(tf.tensor2d([ids], undefined, 'int32')); // [1, T, V]
        const T = ids.length;
        const logp = tf.logSoftmax(tf.reshape(tf.slice(logits, [0, 0, 0], [1, T - 1, -1]), [T - 1, model.vocabSize])); // [T−1, V]
        return tf.neg(tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(ids.slice(1), 'int32'), model.vocabSize)), -1)); // [T−1]
      });
      const perToken = Array.from(await losses.data());
      losses.dispose();
      const meanLoss = perToken.reduce((a, b) => a + b, 0) / perToken.length;
      const tokens = ids.map((id) => tokenizer?.idToToken(id) ?? String(id));
      const result = { tokens, ids, losses: perToken, meanLoss, perplexity: Math.exp(meanLoss) };
      if (o.json) io.stdout(`${JSON.stringify(result)}\n`);
      else {
        io.stdout(`tokens (${ids.length}): ${tokens.map((t) => JSON.stringify(t)).join(' ')}\n`);
        io.stdout(`mean next-token loss: ${meanLoss.toFixed(4)} nats over ${perToken.length} predictions\n`);
        io.stdout(`perplexity: ${result.perplexity.toFixed(4)}\n`);
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};
