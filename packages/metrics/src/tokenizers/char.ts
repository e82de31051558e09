// sacrebleu `char`: every code point (spaces included) becomes a token.

/** Joins the code points of `line` with single spaces, like sacrebleu's `TokenizerChar`. */
export function tokenizeChar(line: string): string {
  return Array.from(line).join(' ');
}
