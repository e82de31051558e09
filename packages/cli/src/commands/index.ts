// Every `lorats` subcommand, in the order `lorats --help` lists them. Add one line per command.
import type { Command } from '../command.js';

export const COMMANDS: readonly Command[] = [];
