export { main } from './cli.js';
export { parseArgs, formatOptions, UsageError } from './args.js';
export type { OptionSpec, ParsedArgs, ParsedValue } from './args.js';
export type { Command, CommandIO } from './command.js';
export { COMMANDS } from './commands/index.js';
