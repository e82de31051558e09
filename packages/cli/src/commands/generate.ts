// `lorats generate --model <HF folder> [--adapter … --alpha A] (--prompt "…" | --ids 1,2,3)`: continues a prompt with
// GPT-2, by beam search with gpt2_beam.py's semantics (default), greedy decoding, or sampling.
import { beamSearch, generate as sampleTokens, GPT2_EOS } from '@lorats/gpt2';
import { backendOptionsFromArgs, setupBackend } from '@lorats/runtime';
import { UsageError, type OptionSpec } from '../args.js';
import type { Command } from '../command.js';
import { GPT2_MODEL_OPTIONS, inputIds, loadModelAndTokenizer } from './perplexity.js';

const OPTIONS: readonly OptionSpec[] = [
  ...GPT2_MODEL_OPTIONS.filter((o) => o.name !== 'text'),
  { name: 'prompt', type: 'string', value: 'TEXT', description: 'prompt text (byte-level BPE, no special tokens added)' },
  { name: 'separator', type: 'boolean', description: 'append <|endoftext|> to the prompt, as the NLG data does after each context' },
  { name: 'mode', type: 'string', choices: ['beam', 'greedy', 'sample'], default: 'beam', description: 'decoding' },
  { name: 'beams', type: 'number', value: 'N', default: 10, description: 'beam width (beam mode)' },
  { name: 'max-new-tokens', type: 'number', value: 'N', default: 64, description: 'new tokens at most (gpt2_beam.py --eval_len)' },
  { name: 'length-penalty', type: 'number', value: 'LP', default: 0.8, description: 'candidate score = log-prob sum / length^LP (beam mode)' },
  { name: 'no-repeat-ngram', type: 'number', value: 'N', default: 4, description: 'never repeat an n-gram of generated tokens (beam mode; 0 = off)' },
  { name: 'repetition-penalty', type: 'number', value: 'R', default: 1, description: 'CTRL repetition penalty (beam mode; 1 = off)' },
  { name: 'eos', type: 'string', value: 'IDS', description: 'end token ids (default: <|endoftext|>, and "\\n\\n" when the vocabulary has it)' },
  { name: 'temperature', type: 'number', value: 'T', default: 1, description: 'sampling temperature (sample mode)' },
  { name: 'top-k', type: 'number', value: 'K', default: 0, description: 'sample among the K most likely tokens (0 = all)' },
  { name: 'top-p', type: 'number', value: 'P', default: 1, description: 'nucleus sampling mass (1 = all)' },
  { name: 'seed', type: 'number', value: 'S', default: 0, description: 'sampling seed' },
];

export const generate: Command = {
  name: 'generate',
  summary: 'continue a prompt with GPT-2 (beam search as gpt2_beam.py, greedy or sampling), with an optional LoRA adapter',
  usage: '--model <folder|file> [--adapter <folder|file> --alpha A] (--prompt "…" | --ids 1,2,3) [--separator] [--mode beam|greedy|sample] [--json]',
  options: OPTIONS,
  async run(args, io) {
    const o = args.options;
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const maxNew = o['max-new-tokens'] as number;
    if (!Number.isInteger(maxNew) || maxNew < 1) throw new UsageError('--max-new-tokens must be a positive integer');
    await setupBackend({ ...backendOptionsFromArgs(o), quiet: true });
    const { model, tokenizer } = await loadModelAndTokenizer(o, 'prompt');
    try {
      const eosDefault = tokenizer?.tokenToId('<|endoftext|>') ?? (model.vocabSize > GPT2_EOS ? GPT2_EOS : undefined);
      const prompt = inputIds({ ...o, text: o.prompt }, model, tokenizer, 'prompt');
      if (o.separator) {
        if (eosDefault === undefined) throw new UsageError('--separator needs a vocabulary with <|endoftext|>');
        prompt.push(eosDefault);
      }
      if (prompt.length + maxNew > model.config.nPositions) {
        throw new UsageError(`prompt (${prompt.length}) + --max-new-tokens (${maxNew}) exceed the model's ${model.config.nPositions} positions`);
      }
      let eos: number[];
      if (o.eos !== undefined) {
        eos = String(o.eos).split(',').map((s) => Number(s.trim()));
        if (eos.some((x) => !Number.isInteger(x) || x < 0 || x >= model.vocabSize)) throw new UsageError(`--eos must be token ids (got "${String(o.eos)}")`);
      } else {
        eos = eosDefault === undefined ? [] : [eosDefault];
        const blank = tokenizer?.tokenToId('ĊĊ');
        if (blank !== undefined) eos.push(blank);
      }
      let tokens: number[];
      let score: number | undefined;
      if (o.mode === 'beam') {
        const [r] = beamSearch(model, [prompt], {
          beams: o.beams as number,
          maxNewTokens: maxNew,
          lengthPenalty: o['length-penalty'] as number,
          noRepeatNgramSize: o['no-repeat-ngram'] as number,
          repetitionPenalty: o['repetition-penalty'] as number,
          eosTokenIds: eos,
        });
        // The beam result is zero-padded to maxNew; keep tokens up to and including the first end token.
        const end = r.tokens.findIndex((t) => eos.includes(t));
        tokens = end >= 0 ? r.tokens.slice(0, end + 1) : r.tokens;
        score = r.score;
      } else {
        [tokens] = sampleTokens(model, [prompt], {
          maxNewTokens: maxNew,
          eosTokenIds: eos,
          temperature: o.mode === 'greedy' ? 0 : (o.temperature as number),
          topK: o['top-k'] as number,
          topP: o['top-p'] as number,
          seed: o.seed as number,
        });
      }
      const textOut = tokenizer ? tokenizer.decode(tokens.filter((t) => !eos.includes(t))) : undefined;
      if (o.json) io.stdout(`${JSON.stringify({ prompt, tokens, ...(textOut !== undefined ? { text: textOut } : {}), ...(score !== undefined ? { score } : {}) })}\n`);
      else io.stdout(`${textOut ?? tokens.join(',')}\n`);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
