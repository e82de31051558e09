// A one-line progress bar for training and decoding: step, loss, tokens/s and ETA. On a terminal it redraws in place;
// elsewhere (CI logs, files) it prints a line at most every `logEverySeconds`.

export interface ProgressOptions {
  total: number;
  label?: string;
  /** Where to write; default process.stderr. */
  stream?: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Seconds between lines when the stream is not a terminal (default 10). */
  logEverySeconds?: number;
  /** Clock in milliseconds (tests pass a fake one). */
  now?: () => number;
}

export interface ProgressUpdate {
  /** Loss to show (e.g. the latest or a running mean). */
  loss?: number;
  /** Tokens processed since the previous update. */
  tokens?: number;
  /** Free text appended to the line (e.g. `lr 2.0e-4`). */
  note?: string;
}

/** Formats seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

export class ProgressBar {
  private readonly started: number;
  private lastPrint = -Infinity;
  private current = 0;
  private tokens = 0;
  private loss: number | undefined;
  private note = '';
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly now: () => number;
  private finished = false;

  constructor(private readonly options: ProgressOptions) {
    if (!(options.total > 0)) throw new Error(`ProgressBar: total must be > 0, got ${options.total}`);
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** Moves to `step` (1-based, cumulative) with the given extras; redraws if due. */
  update(step: number, update: ProgressUpdate = {}): void {
    this.current = Math.min(step, this.options.total);
    this.tokens += update.tokens ?? 0;
    if (update.loss !== undefined) this.loss = update.loss;
    if (update.note !== undefined) this.note = update.note;
    const t = this.now();
    const tty = this.stream.isTTY === true;
    const every = tty ? 100 : (this.options.logEverySeconds ?? 10) * 1000;
    if (t - this.lastPrint >= every || this.current === this.options.total) {
      this.lastPrint = t;
      this.stream.write(tty ? `\r${this.line()}\x1b[K` : `${this.line()}\n`);
    }
  }

  /** The current line, without control characters. */
  line(): string {
    const { total, label } = this.options;
    const elapsed = (this.now() - this.started) / 1000;
    const frac = this.current / total;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const rate = elapsed > 0 ? this.tokens / elapsed : 0;
    const eta = this.current > 0 ? (elapsed / this.current) * (total - this.current) : NaN;
    const parts = [
      `${label ? `${label} ` : ''}${bar} ${this.current}/${total}`,
      this.loss !== undefined ? `loss ${this.loss.toFixed(4)}` : '',
      this.tokens > 0 ? `${rate >= 1000 ? `${(rate / 1000).toFixed(1)}k` : rate.toFixed(0)} tok/s` : '',
      `${formatDuration(elapsed)} elapsed`,
      this.current < total ? `ETA ${formatDuration(eta)}` : 'done',
      this.note,
    ];
    return parts.filter(Boolean).join(' | ');
  }

  /** Prints the final state and ends the line. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.stream.isTTY) this.stream.write(`\r${this.line()}\x1b[K\n`);
    else if (this.current !== this.options.total) this.stream.write(`${this.line()}\n`);
  }
}
