// Option specs and checks that several commands share: the LoRA adapter options of the model commands (classify,
// perplexity, generate) and the METEOR options of the NLG scorers (e2e-metrics, webnlg-eval).
import type { MeteorJarOptions, MeteorOptions } from '@lorats/metrics';
import type { OptionSpec, ParsedValue } from './args.js';
import type { CommandIO } from './command.js';

/** `--adapter PATH` and `--alpha A`; `example` ends the --adapter description (which files the command expects). */
export function adapterOptions(example: string): OptionSpec[] {
  return [
    { name: 'adapter', type: 'string', value: 'PATH', description: `LoRA adapter: a PEFT folder or a loralib ${example}` },
    { name: 'alpha', type: 'number', value: 'A', description: 'LoRA alpha (required for loralib files, which do not store it; overrides a PEFT config)' },
  ];
}

/** The METEOR options of the NLG scorers. */
export const METEOR_OPTIONS: readonly OptionSpec[] = [
  { name: 'wordnet', type: 'string', value: 'DIR', description: 'WordNet 3.0 dict folder for METEOR synonyms (default /usr/share/wordnet)' },
  { name: 'paraphrase-table', type: 'string', value: 'FILE', description: "METEOR paraphrase table (METEOR 1.5's paraphrase-en.gz)" },
  { name: 'meteor-jar', type: 'string', value: 'JAR', description: 'compute METEOR with this meteor-1.5.jar (needs Java)' },
  { name: 'java', type: 'string', value: 'JAVA', default: 'java', description: 'Java executable for --meteor-jar' },
];

/** The scorer settings `METEOR_OPTIONS` give; says on stderr when METEOR runs without its paraphrase module. */
export function meteorSettings(
  o: Record<string, ParsedValue>,
  io: CommandIO,
): { meteor: MeteorOptions; meteorJar?: MeteorJarOptions; paraphraseTable?: string } {
  const jar = o['meteor-jar'] as string | undefined;
  const table = o['paraphrase-table'] as string | undefined;
  if (!jar && !table) {
    io.stderr('note: METEOR uses the exact, stem and synonym modules (no paraphrase table); give --paraphrase-table or --meteor-jar for METEOR 1.5 in full\n');
  }
  return { meteor: { wordnetDir: o.wordnet as string | undefined }, meteorJar: jar ? { jar, java: o.java as string } : undefined, paraphraseTable: table };
}
