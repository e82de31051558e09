// GPT-2's tokenizer for a model folder: the byte-level BPE of @lorats/tokenizers, read from encoder.json/vocab.json +
// vocab.bpe/merges.txt or from tokenizer.json. `engine: 'hf'` uses @huggingface/tokenizers on tokenizer.json instead
// (same ids, except that `<|endoftext|>` written in text becomes one token there).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ByteLevelBpe, HfTokenizer, type TextTokenizer } from '@lorats/tokenizers';

/** `<|endoftext|>`: GPT-2's only special token, the NLG data's separator and end of text. */
export const GPT2_EOS = 50256;
/** `"\n\n"` (ĊĊ), the second end token gpt2_beam.py is given for E2E (`--eos_token_id 628`). */
export const GPT2_DOUBLE_NEWLINE = 628;

export function loadGpt2Tokenizer(folder: string, options: { engine?: 'pure' | 'hf' } = {}): TextTokenizer {
  if (options.engine === 'hf') {
    const file = join(folder, 'tokenizer.json');
    if (!existsSync(file)) throw new Error(`${folder}: no tokenizer.json for the hf engine`);
    return HfTokenizer.fromFile(file);
  }
  return ByteLevelBpe.fromFolder(folder);
}
