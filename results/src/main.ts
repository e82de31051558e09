// `nx run results:tables`: regenerates results/tables/*.md and results/plots/**/*.svg from the run records, the
// experiments and the benchmark files, and removes generated files nothing produces any more.
//   --check   write nothing; exit 1 and list the files that differ (what results:test checks)
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomicSync } from '@lorats/experiment';
import { loadExperimentConfigs } from './experiments.js';
import { diffWithDisk, generateAll } from './generate.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], strict: true, options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('usage: nx run results:tables [-- --check]\n');
    return 0;
  }
  const resultsDir = join(ROOT, 'results');
  const generated = generateAll({ resultsDir, experiments: await loadExperimentConfigs(ROOT) });
  const { changed, missing, stale } = diffWithDisk(resultsDir, generated);
  if (values.check) {
    for (const p of changed) process.stdout.write(`differs: results/${p}\n`);
    for (const p of missing) process.stdout.write(`missing: results/${p}\n`);
    for (const p of stale) process.stdout.write(`stale:   results/${p}\n`);
    const n = changed.length + missing.length + stale.length;
    process.stdout.write(n === 0 ? 'results: tables and plots are up to date\n' : `results: ${n} file(s) out of date; run pnpm exec nx run results:tables\n`);
    return n === 0 ? 0 : 1;
  }
  for (const p of [...changed, ...missing]) writeFileAtomicSync(join(resultsDir, p), generated.get(p) as string);
  for (const p of stale) rmSync(join(resultsDir, p));
  process.stdout.write(`results: ${generated.size} files; ${changed.length + missing.length} written, ${stale.length} removed\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`results: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
