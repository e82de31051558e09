// Reading text inputs: strict UTF-8 with errors that name the file and line, and line-count checks.
import { readFileSync } from 'node:fs';
import { pyRstrip } from './text.js';

/** Bad metric input (unreadable file, invalid UTF-8, mismatched line counts); the message names the file and line. */
export class MetricInputError extends Error {
  override name = 'MetricInputError';
}

/** Decodes UTF-8 strictly; on an invalid byte sequence names `label`, the 1-based line and the byte offset. */
export function decodeUtf8(bytes: Uint8Array, label: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          decoder.decode(bytes.subarray(start, i));
        } catch {
          let offset = start;
          for (let j = start + 1; j <= i; j++) {
            try {
              decoder.decode(bytes.subarray(start, j));
              offset = j;
            } catch {
              // a multi-byte sequence may still be incomplete; keep going
            }
          }
          throw new MetricInputError(`${label}: line ${line}: invalid UTF-8 (byte offset ${offset})`);
        }
        line++;
        start = i + 1;
      }
    }
    throw new MetricInputError(`${label}: invalid UTF-8`);
  }
}

/** Reads a whole file as strict UTF-8. */
export function readText(path: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new MetricInputError(`${path}: cannot read (${err.code ?? err.message})`);
  }
  return decodeUtf8(bytes, path);
}

/** Splits like Python iterating a file opened with `newline="\n"`: on `\n` only, no empty last line. */
export function splitNewlines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Throws when any stream's length differs from the first; names both files. */
export function checkSameLength(streams: readonly { label: string; lines: readonly unknown[] }[]): void {
  const [first, ...rest] = streams;
  for (const s of rest) {
    if (s.lines.length !== first.lines.length) {
      throw new MetricInputError(
        `${s.label} has ${s.lines.length} lines but ${first.label} has ${first.lines.length}: every file needs one line per segment`,
      );
    }
  }
}

/** Throws when a file has no lines. */
export function checkNotEmpty(label: string, lines: readonly unknown[]): void {
  if (lines.length === 0) throw new MetricInputError(`${label}: empty file (no lines to score)`);
}

/** Reads one segment per line the way sacrebleu does: strict UTF-8, split on `\n`, trailing whitespace stripped. */
export function readSegments(path: string): string[] {
  return splitNewlines(readText(path)).map(pyRstrip);
}
