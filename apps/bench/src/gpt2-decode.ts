// Beam-10 decoding of the 630 distinct E2E test contexts with a GPT-2 Medium-shaped model, as the paper decodes E2E
// (gpt2_beam.py: beam 10, 64 new tokens, length penalty 0.8, no-repeat 4-grams, EOS {50256, 628}, no early stop):
// contexts/s and generated tokens/s. apps/bench/python/hf_gpt2_decode.py runs Hugging Face `generate` with the same
// settings on the same contexts.
//
//   node --conditions=@lorats/source --import tsx apps/bench/src/gpt2-decode.ts [--e2e ../shared/data/e2e/test.txt
//     --vocab ../shared/data/gpt2] [--preset gpt2-medium] [--batch-contexts 63] [--beams 10] [--max-new-tokens 64]
//     [--backend torch --device cuda:0 --bf16] [--out results/bench/e2e-decode-gpt2-medium-lorats.json]
//     [--contexts-file FILE]   (contexts written earlier with --write-contexts FILE, e.g. for the GPU machine)
//
// Without --e2e/--vocab (or when the files are absent) the contexts are 630 id sequences with the E2E contexts'
// token-length distribution (deterministic); with random weights the outputs are meaningless either way: this
// measures speed. The contexts are written beside the record (…-contexts.json) so the HF side decodes the same ones.
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beamSearch, GPT2_PRESETS, Gpt2LMModel, type Gpt2PresetName } from '@lorats/gpt2';
import { backendOptionsFromArgs, setupBackend } from '@lorats/runtime';
import { ByteLevelBpe } from '@lorats/tokenizers';
import { intFlag, readFlags, stringFlag } from './args.js';
import { resultPath, writeRecord } from './record.js';

const flags = readFlags(process.argv.slice(2), {
  preset: 'string', layers: 'string', e2e: 'string', vocab: 'string', 'batch-contexts': 'string', beams: 'string',
  'max-new-tokens': 'string', contexts: 'string', backend: 'string', device: 'string', bf16: 'boolean', out: 'string', name: 'string',
  'contexts-file': 'string', 'write-contexts': 'string',
});
const presetName = (stringFlag(flags, 'preset') ?? 'gpt2-medium') as Gpt2PresetName;
if (!(presetName in GPT2_PRESETS)) throw new Error(`--preset must be one of ${Object.keys(GPT2_PRESETS).join(', ')}`);
const config = { ...GPT2_PRESETS[presetName], nLayer: intFlag(flags, 'layers', GPT2_PRESETS[presetName].nLayer) };
const beams = intFlag(flags, 'beams', 10);
const maxNew = intFlag(flags, 'max-new-tokens', 64);
const perBatch = intFlag(flags, 'batch-contexts', 63);
const name = stringFlag(flags, 'name') ?? `e2e-decode-${presetName}-lorats${flags.bf16 ? '-bf16' : ''}`;
const out = resultPath(name, stringFlag(flags, 'out'));

/** The distinct E2E test contexts as gpt2_encode.py encodes them (BPE(MR) + [50256]), in order of first appearance. */
function e2eContexts(file: string, vocab: string): number[][] {
  const tok = ByteLevelBpe.fromFolder(vocab);
  const seen = new Set<string>();
  const out: number[][] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const mr = line.trim().split('||')[0];
    if (!mr || seen.has(mr)) continue;
    seen.add(mr);
    out.push([...tok.encode(mr), 50256]);
  }
  return out;
}

/** Deterministic stand-ins: E2E test contexts are 9–43 tokens long (median 24); ids drawn below 50256, then 50256. */
function syntheticContexts(n: number): number[][] {
  let s = 2021;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => {
    const len = 9 + Math.floor(((rand() + rand() + rand()) / 3) * 34);
    return [...Array.from({ length: len - 1 }, () => Math.floor(rand() * 50256)), 50256];
  });
}

const e2eFile = stringFlag(flags, 'e2e');
const vocabDir = stringFlag(flags, 'vocab');
const contextsFile = stringFlag(flags, 'contexts-file');
const useReal = e2eFile !== undefined && vocabDir !== undefined && existsSync(e2eFile) && existsSync(vocabDir);
let contextSource = useReal ? 'E2E test, distinct MRs' : 'synthetic ids';
let all = useReal ? e2eContexts(e2eFile, vocabDir) : syntheticContexts(630);
if (contextsFile !== undefined && existsSync(contextsFile)) {
  const saved = JSON.parse(readFileSync(contextsFile, 'utf8')) as { contexts: number[][]; contextSource?: string };
  all = saved.contexts;
  contextSource = saved.contextSource ?? contextsFile;
}
// --write-contexts: only encode the contexts (e.g. where the E2E file is, for a machine that lacks it) and stop.
const writeTo = stringFlag(flags, 'write-contexts');
if (writeTo !== undefined) {
  writeRecord(`${name}-contexts`, { contextSource, contexts: all }, writeTo);
  console.log(`${all.length} contexts (${contextSource}) → ${writeTo}`);
  process.exit(0);
}
const contexts = all.slice(0, intFlag(flags, 'contexts', 630));

const setup = await setupBackend(backendOptionsFromArgs(flags));
console.log(`backend: ${setup.description}; ${contexts.length} contexts (${contextSource}), beam ${beams}, ${maxNew} new tokens`);

// Random N(0, 0.02) weights, drawn on the device when the backend can.
const randomNormal = (shape: number[], std: number): tf.Tensor =>
  tf.getKernel('LoratsRandomNormal', tf.getBackend())
    ? (tf.engine().runKernel('LoratsRandomNormal', {}, { shape, mean: 0, stdDev: std }) as tf.Tensor)
    : tf.randomNormal(shape, 0, std, 'float32', 7);
const model = new Gpt2LMModel(config, { rank: 4, alpha: 32, dropout: 0 });
for (const [key, v] of model.namedParameters()) {
  const value = key.endsWith('.bias') ? tf.zeros(v.shape) : /\.ln_(1|2|f)\./.test(key) ? tf.ones(v.shape) : randomNormal(v.shape, 0.02);
  v.assign(value);
  value.dispose();
}
model.eval();

const options = { beams, maxNewTokens: maxNew, lengthPenalty: 0.8, noRepeatNgramSize: 4, repetitionPenalty: 1, minLength: 0, eosTokenIds: [50256, 628] };
// Warm-up on one small batch (kernel compilation, allocator).
beamSearch(model, contexts.slice(0, 2), { ...options, maxNewTokens: 4 });
// Similar lengths together, as the NLG app batches them.
const order = contexts.map((_, i) => i).sort((a, b) => contexts[a].length - contexts[b].length || a - b);
const started = performance.now();
let generated = 0;
for (let i = 0; i < order.length; i += perBatch) {
  const chunk = order.slice(i, i + perBatch).map((j) => contexts[j]);
  const results = beamSearch(model, chunk, options);
  for (const r of results) {
    const end = r.tokens.findIndex((t) => t === 50256 || t === 628);
    generated += end >= 0 ? end + 1 : r.tokens.length;
  }
}
const seconds = (performance.now() - started) / 1000;
const path = writeRecord(
  name,
  {
    implementation: 'lorats',
    backend: setup.description,
    bf16: setup.backend === 'torch' && flags.bf16 === true,
    model: { preset: presetName, ...config, weights: 'random N(0, 0.02)', lora: { rank: 4, alpha: 32, on: 'q, v' } },
    decode: { ...options, batchContexts: perBatch, semantics: 'gpt2_beam.py (all maxNewTokens steps run)' },
    contexts: contexts.length,
    contextSource,
    seconds,
    contextsPerSecond: contexts.length / seconds,
    outputTokensPerSecond: generated / seconds,
    beamStepsPerSecond: (contexts.length * maxNew) / seconds,
  },
  stringFlag(flags, 'out'),
);
// The contexts, for the HF side (same ids, same order).
writeRecord(`${name}-contexts`, { contextSource, contexts }, out.replace(/\.json$/, '-contexts.json'));
console.log(`${(contexts.length / seconds).toFixed(2)} contexts/s (${seconds.toFixed(1)} s) → ${path}`);
