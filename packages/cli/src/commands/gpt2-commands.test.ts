// `lorats perplexity` and `lorats generate` on the GPT-2 fixtures of packages/gpt2 (HF folder from transformers,
// PEFT adapter from peft, loralib file from the reference script).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSafetensors, type HostTensor } from '@lorats/checkpoints';
import { manualSeed } from '@lorats/core';
import { configToHf, Gpt2LMModel, initGpt2Weights } from '@lorats/gpt2';
import { formatEncoderJson, formatMerges, trainByteLevelBpe } from '@lorats/tokenizers';
import { describe, expect, it } from 'vitest';
import { main } from '../cli.js';
import { generate } from './generate.js';
import { perplexity } from './perplexity.js';

const GPT2 = fileURLToPath(new URL('../../../gpt2/fixtures/', import.meta.url));
const ref = JSON.parse(readFileSync(`${GPT2}reference.json`, 'utf8')) as { tiny: { ids: number[][]; logitsBase: number[]; config: { vocab_size: number } } };

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, [perplexity, generate]);
  return { code, out: out.join(''), err: err.join('') };
}

/** Mean −log p(ids[t+1]) from the fixture's logits of row 0 (12 tokens). */
function referenceLoss(): number {
  const V = ref.tiny.config.vocab_size;
  const ids = ref.tiny.ids[0];
  let sum = 0;
  for (let t = 0; t < ids.length - 1; t++) {
    const row = ref.tiny.logitsBase.slice(t * V, (t + 1) * V);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    sum += lse - row[ids[t + 1]];
  }
  return sum / (ids.length - 1);
}

/** A random GPT-2 with a 300-token BPE vocabulary, saved as an HF folder with encoder.json / vocab.bpe. */
async function modelWithTokenizer(): Promise<{ dir: string; eos: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'gpt2-cli-'));
  const bpe = trainByteLevelBpe(['name : The Eagle | food : Italian', ' The Eagle serves Italian food .'], { vocabSize: 300, specialTokens: ['<|endoftext|>'] });
  writeFileSync(join(dir, 'encoder.json'), formatEncoderJson(bpe));
  writeFileSync(join(dir, 'vocab.bpe'), formatMerges(bpe));
  const config = { vocabSize: bpe.vocab.size, nPositions: 32, nEmbd: 16, nLayer: 1, nHead: 2, layerNormEpsilon: 1e-5 };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(configToHf(config)));
  manualSeed(1);
  const model = new Gpt2LMModel(config);
  initGpt2Weights(model);
  const tensors = new Map<string, HostTensor>();
  for (const [k, v] of model.stateDict()) tensors.set(k, { dtype: 'float32', shape: [...v.shape], data: v.dataSync() as Float32Array });
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
  model.dispose();
  return { dir, eos: bpe.vocab.get('<|endoftext|>')! };
}

describe('lorats perplexity', () => {
  it('gives the mean next-token loss transformers’ logits imply, and exp of it', async () => {
    const r = await run('perplexity', '--model', `${GPT2}hf-tiny`, '--ids', ref.tiny.ids[0].join(','), '--json', '--backend', 'cpu');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.losses).toHaveLength(11);
    expect(out.meanLoss).toBeCloseTo(referenceLoss(), 4);
    expect(out.perplexity).toBeCloseTo(Math.exp(out.meanLoss), 6);
  });

  it('tokenizes --text with the folder’s BPE files and prints the tokens', async () => {
    const { dir } = await modelWithTokenizer();
    const r = await run('perplexity', '--model', dir, '--text', 'The Eagle serves Italian food .', '--backend', 'cpu');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^tokens \(\d+\): "The" "ĠEagle"/);
    expect(r.out).toMatch(/perplexity: \d+\.\d{4}\n$/);
  });

  it('applies a PEFT adapter and a loralib file (which needs --alpha)', async () => {
    const base = JSON.parse((await run('perplexity', '--model', `${GPT2}hf-tiny`, '--ids', '5,17,3,88', '--json', '--backend', 'cpu')).out).meanLoss;
    const peft = await run('perplexity', '--model', `${GPT2}hf-tiny`, '--adapter', `${GPT2}peft-tiny`, '--ids', '5,17,3,88', '--json', '--backend', 'cpu');
    expect(peft.code).toBe(0);
    expect(JSON.parse(peft.out).meanLoss).not.toBeCloseTo(base, 4);
    const noAlpha = await run('perplexity', '--model', `${GPT2}hf-tiny`, '--adapter', `${GPT2}loralib-tiny.pt`, '--ids', '5,17,3', '--backend', 'cpu');
    expect(noAlpha.code).toBe(1);
    expect(noAlpha.err).toMatch(/does not store alpha; pass it \(--alpha\)/);
    const withAlpha = await run('perplexity', '--model', `${GPT2}hf-tiny`, '--adapter', `${GPT2}loralib-tiny.pt`, '--alpha', '8', '--ids', '5,17,3', '--backend', 'cpu');
    expect(withAlpha.code).toBe(0);
  });

  it.each([
    [['--ids', '1,2'], 2, '--model is required'],
    [['--model', 'x', '--ids', '1,2', '--text', 'a'], 2, 'give exactly one of --ids and --text'],
    [['--model', 'PLACEHOLDER', '--ids', '1,abc'], 2, '--ids must be integers in [0, 96)'],
    [['--model', 'PLACEHOLDER', '--ids', '1'], 2, 'at least two tokens'],
    [['--model', 'PLACEHOLDER', '--text', 'hello'], 2, '--text needs tokenizer files'],
  ])('rejects %j', async (argv, code, message) => {
    const r = await run('perplexity', ...argv.map((a) => (a === 'PLACEHOLDER' ? `${GPT2}hf-tiny` : a)), '--backend', 'cpu');
    expect(r.code).toBe(code);
    expect(r.err).toContain(message);
  });
});

describe('lorats generate', () => {
  it('beam-decodes a prompt and stops at an end token', async () => {
    const r = await run('generate', '--model', `${GPT2}hf-tiny`, '--ids', '5,17,3', '--beams', '3', '--max-new-tokens', '8', '--eos', '21', '--json', '--backend', 'cpu');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.prompt).toEqual([5, 17, 3]);
    expect(out.tokens.length).toBeLessThanOrEqual(8);
    const end = out.tokens.indexOf(21);
    expect(end === -1 ? out.tokens.length : end + 1).toBe(out.tokens.length);
    expect(typeof out.score).toBe('number');
  });

  it('decodes greedily (the argmax continuation) and samples reproducibly from a seed', async () => {
    const greedy = await run('generate', '--model', `${GPT2}hf-tiny`, '--ids', '5,17,3', '--mode', 'greedy', '--max-new-tokens', '5', '--eos', '95', '--backend', 'cpu');
    expect(greedy.out.trim().split(',')).toHaveLength(5);
    const a = await run('generate', '--model', `${GPT2}hf-tiny`, '--ids', '5,17,3', '--mode', 'sample', '--seed', '3', '--max-new-tokens', '6', '--eos', '95', '--backend', 'cpu');
    const b = await run('generate', '--model', `${GPT2}hf-tiny`, '--ids', '5,17,3', '--mode', 'sample', '--seed', '3', '--max-new-tokens', '6', '--eos', '95', '--backend', 'cpu');
    expect(a.out).toBe(b.out);
  });

  it('writes text with a tokenizer, and appends <|endoftext|> with --separator', async () => {
    const { dir, eos } = await modelWithTokenizer();
    const r = await run('generate', '--model', dir, '--prompt', 'name : The Eagle', '--separator', '--max-new-tokens', '4', '--beams', '2', '--json', '--backend', 'cpu');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.prompt[out.prompt.length - 1]).toBe(eos);
    expect(typeof out.text).toBe('string');
  });
});
