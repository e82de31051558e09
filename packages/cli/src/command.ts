import type { OptionSpec, ParsedArgs } from './args.js';

/** One `lorats <name>` subcommand. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage line after `lorats <name>`, e.g. `<file|folder> [--json]`. */
  usage: string;
  options: readonly OptionSpec[];
  /** Runs the command; returns the process exit code. */
  run(args: ParsedArgs, io: CommandIO): Promise<number>;
}

/** Where a command writes; tests pass buffers. */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}
