// sacrebleu `none`: the segment is used as given.

/** Returns the segment unchanged. */
export function tokenizeNone(line: string): string {
  return line;
}
