// `lorats classify --model <HF folder> [--adapter <PEFT folder | loralib file> --alpha A] (--ids … | --text … [--text-pair …])`:
// the logits of a RoBERTa or DeBERTa-v2 sequence classifier (GLUE-style), optionally with a LoRA adapter and its head.

import { join } from 'node:path';
import { readJson } from '@lorats/checkpoints';
import { applyLoraAdapter } from '@lorats/core';
import { DebertaV2Tokenizer, debertaHeadGroup, loadDebertaV2, readLoraAdapter as readDebertaAdapter } from '@lorats/deberta-v2';
import { RobertaTokenizer, loadRoberta, readLoraAdapter as readRobertaAdapter, robertaHeadGroup, type EncoderInputs } from '@lorats/roberta';
import { BACKEND_OPTIONS, backendOptionsFromArgs, setupBackend } from '@lorats/runtime';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError, type OptionSpec } from '../args.js';
import type { Command } from '../command.js';
import { adapterOptions } from '../options.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'model', type: 'string', value: 'DIR', description: 'HF model folder (config.json, weights, tokenizer files) of RoBERTa or DeBERTa-v2' },
  ...adapterOptions('.bin (with its classification head)'),
  { name: 'ids', type: 'string', value: 'IDS', description: 'comma-separated input ids, used as given (e.g. 0,5,7,2)' },
  { name: 'text', type: 'string', value: 'TEXT', description: 'text to tokenize (special tokens are added)' },
  { name: 'text-pair', type: 'string', value: 'TEXT', description: 'second sentence of a pair (with --text)' },
  { name: 'num-labels', type: 'number', value: 'N', description: 'outputs of the head (default: the adapter head, else config.json id2label, else 2)' },
  { name: 'max-length', type: 'number', value: 'N', description: 'truncate tokenized text to N ids (default 512)' },
  { name: 'json', type: 'boolean', description: 'print a JSON object' },
  ...BACKEND_OPTIONS.map((o) => ({ ...o })),
];

/** Rows of the head's output layer in an adapter's saved modules, if it has one. */
function headRows(modules: ReadonlyMap<string, { shape: number[] }>): number | undefined {
  return (modules.get('classifier.out_proj.weight') ?? modules.get('classifier.weight'))?.shape[0];
}

export const classify: Command = {
  name: 'classify',
  summary: 'print the logits of a RoBERTa or DeBERTa-v2 classifier, with an optional LoRA adapter',
  usage: '--model <folder> [--adapter <folder|file> --alpha A] (--ids 0,5,7,2 | --text "…" [--text-pair "…"]) [--json]',
  options: OPTIONS,
  async run(args, io) {
    const o = args.options;
    const model = o.model as string | undefined;
    if (!model) throw new UsageError('--model is required');
    const text = o.text as string | undefined;
    const pair = o['text-pair'] as string | undefined;
    const idsArg = o.ids as string | undefined;
    if ((text === undefined) === (idsArg === undefined)) throw new UsageError('give exactly one of --ids and --text');
    if (pair !== undefined && text === undefined) throw new UsageError('--text-pair needs --text');
    let ids: number[] | undefined;
    if (idsArg !== undefined) {
      ids = idsArg.split(',').map((s) => Number(s.trim()));
      if (ids.length === 0 || ids.some((v) => !Number.isInteger(v) || v < 0)) throw new UsageError(`--ids: expected comma-separated non-negative integers, got "${idsArg}"`);
    }
    const alpha = o.alpha as number | undefined;
    const maxLength = (o['max-length'] as number | undefined) ?? 512;
    if (!Number.isInteger(maxLength) || maxLength < 4) throw new UsageError('--max-length must be an integer ≥ 4');
    const setup = await setupBackend({ ...backendOptionsFromArgs(o), quiet: true });

    const config = readJson(join(model, 'config.json')) as { model_type?: string; id2label?: Record<string, string> };
    const family = config.model_type;
    if (family !== 'roberta' && family !== 'deberta-v2') {
      throw new Error(`${join(model, 'config.json')}: model_type ${JSON.stringify(family)} is not roberta or deberta-v2`);
    }
    const adapterPath = o.adapter as string | undefined;
    const adapter = adapterPath === undefined ? undefined : family === 'roberta' ? await readRobertaAdapter(adapterPath) : await readDebertaAdapter(adapterPath);
    const numLabels = (o['num-labels'] as number | undefined) ?? (adapter && headRows(adapter.modules)) ?? undefined;

    let logits: number[];
    let inputIds: number[];
    const run = (m: { forward(inputs: EncoderInputs): tf.Tensor }, input: { inputIds: number[]; tokenTypeIds: number[] }) =>
      tf.tidy(() => {
        const T = input.inputIds.length;
        const x = {
          inputIds: tf.tensor2d(input.inputIds, [1, T], 'int32'),
          attentionMask: tf.ones([1, T], 'int32'),
          tokenTypeIds: tf.tensor2d(input.tokenTypeIds, [1, T], 'int32'),
        };
        return Array.from(m.forward(x).dataSync());
      });
    if (family === 'roberta') {
      const { model: m } = await loadRoberta(model, { numLabels });
      if (adapter) applyLoraAdapter(m, adapter, { alpha, headGroup: robertaHeadGroup });
      m.eval();
      const input = ids ? { inputIds: ids, tokenTypeIds: ids.map(() => 0) } : RobertaTokenizer.fromFolder(model).encodeInput(text as string, pair, { maxLength });
      inputIds = input.inputIds;
      logits = run(m, input);
      m.dispose();
    } else {
      const { model: m } = await loadDebertaV2(model, { numLabels });
      if (adapter) applyLoraAdapter(m, adapter, { alpha, headGroup: debertaHeadGroup });
      m.eval();
      const input = ids ? { inputIds: ids, tokenTypeIds: ids.map(() => 0) } : DebertaV2Tokenizer.fromFolder(model).encodeInput(text as string, pair, { maxLength });
      inputIds = input.inputIds;
      logits = run(m, input);
      m.dispose();
    }
    const best = logits.indexOf(Math.max(...logits));
    const names = adapter ? undefined : config.id2label;
    const label = logits.length > 1 ? (names?.[String(best)] ?? String(best)) : undefined;
    if (o.json) {
      io.stdout(`${JSON.stringify({ logits, ...(label === undefined ? {} : { label }), ids: inputIds, backend: setup.backend })}\n`);
    } else {
      io.stdout(`logits: ${logits.map((v) => v.toFixed(6)).join(' ')}\n`);
      if (label !== undefined) io.stdout(`label: ${label}\n`);
    }
    return 0;
  },
};
