// Every `lorats` subcommand, in the order `lorats --help` lists them. Add one line per command.
import type { Command } from '../command.js';
import { convert } from './convert.js';
import { inspect } from './inspect.js';
import { sacrebleu } from './sacrebleu.js';

export const COMMANDS: readonly Command[] = [
  inspect,
  convert,
  sacrebleu,
];
