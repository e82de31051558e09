import { formatOptions, parseArgs, UsageError } from './args.js';
import type { Command, CommandIO } from './command.js';
import { COMMANDS } from './commands/index.js';

const HELP = { name: 'help', short: 'h', type: 'boolean', description: 'show help' } as const;

function commandHelp(c: Command): string {
  return `Usage: lorats ${c.name} ${c.usage}\n\n${c.summary}\n\nOptions:\n${formatOptions([...c.options, HELP])}\n`;
}

function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length)) + 2;
  const list = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n');
  return `Usage: lorats <command> [options]\n\nCommands:\n${list}\n\nRun \`lorats <command> --help\` for a command's options.\n`;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[], io: CommandIO, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(mainHelp(commands));
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`lorats: unknown command "${name}"\n\n${mainHelp(commands)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(parseArgs(rest, command.options), io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`lorats ${name}: ${e.message}\n\n${commandHelp(command)}`);
      return 2;
    }
    const err = e as Error;
    io.stderr(`lorats ${name}: ${err.message ?? String(e)}\n`);
    if (process.env.LORATS_DEBUG) io.stderr(`${err.stack}\n`);
    return 1;
  }
}
