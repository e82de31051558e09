// Decoding the test contexts as gpt2_beam.py + gpt2_decode.py: each distinct context once (E2E's 4,693 test lines
// have 630 contexts), query = context ids + [eos] truncated from the left to maxSeqLength − maxNewTokens, beam search
// with EOS {<|endoftext|>, "\n\n"}, then the text cut at <|endoftext|> and at the first blank line.
import { ProgressBar } from '@lorats/experiment';
import { beamSearch, type Gpt2LMModel } from '@lorats/gpt2';
import type { TextTokenizer } from '@lorats/tokenizers';
import type { NlgConfig } from './config.js';
import { eosId } from './datasets/encode.js';
import { queryOf } from './datasets/ft-dataset.js';
import { cleanText, type ContextGroup } from './references.js';

/** End tokens: `<|endoftext|>` and, when asked and the vocabulary has it, "\n\n" (GPT-2 id 628). */
export function endTokens(tokenizer: TextTokenizer, stopAtBlankLine: boolean): number[] {
  const ids = [eosId(tokenizer)];
  if (stopAtBlankLine) {
    const nn = tokenizer.tokenToId('ĊĊ');
    if (nn !== undefined) ids.push(nn);
  }
  return ids;
}

export interface DecodeOptions {
  progress?: false | { stream?: NodeJS.WritableStream & { isTTY?: boolean } };
}

/** Fills `hypothesis` of every group; returns the seconds spent. */
export function decodeGroups(model: Gpt2LMModel, tokenizer: TextTokenizer, groups: ContextGroup[], config: NlgConfig, options: DecodeOptions = {}): number {
  const d = config.decode;
  const eos = eosId(tokenizer);
  const queries = groups.map((g) => queryOf({ context: [...tokenizer.encode(g.context), eos], completion: [] }, config.train.maxSeqLength, d.maxNewTokens));
  // Similar lengths decode together (prefill pads to the longest prompt of a batch).
  const order = queries.map((_, i) => i).sort((a, b) => queries[a].length - queries[b].length || a - b);
  const bar = options.progress === false ? undefined : new ProgressBar({ total: groups.length, label: `decode ${config.task}`, ...(options.progress?.stream ? { stream: options.progress.stream } : {}) });
  const started = performance.now();
  const wasTraining = model.training;
  model.eval();
  const eosIds = endTokens(tokenizer, d.stopAtBlankLine);
  let done = 0;
  for (let start = 0; start < order.length; start += d.batchContexts) {
    const chunk = order.slice(start, start + d.batchContexts);
    const results = beamSearch(
      model,
      chunk.map((i) => queries[i]),
      {
        beams: d.beam,
        maxNewTokens: d.maxNewTokens,
        lengthPenalty: d.lengthPenalty,
        noRepeatNgramSize: d.noRepeatNgramSize,
        repetitionPenalty: d.repetitionPenalty,
        minLength: d.minLength,
        eosTokenIds: eosIds,
      },
    );
    chunk.forEach((i, j) => (groups[i].hypothesis = cleanText(tokenizer.decode(results[j].tokens))));
    done += chunk.length;
    bar?.update(done, { tokens: chunk.length * d.maxNewTokens });
  }
  bar?.finish();
  model.train(wasTraining);
  return (performance.now() - started) / 1000;
}
