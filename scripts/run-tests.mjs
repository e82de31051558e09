// Runs every project's tests through nx, then prints one closing line `N passed, N failed`
// summed from the vitest JSON reports (and any `.reports/*.json` another runner writes in that shape).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const projectDirs = ['packages', 'apps']
  .flatMap((d) => (existsSync(join(root, d)) ? readdirSync(join(root, d)).map((p) => join(root, d, p)) : []))
  .concat([join(root, 'results'), join(root, 'scripts', 'publish-smoke')]);
for (const dir of projectDirs) rmSync(join(dir, '.reports'), { recursive: true, force: true });

const args = ['exec', 'nx', 'run-many', '-t', 'test', '--outputStyle=stream', '--parallel=2', '--skip-nx-cache', ...process.argv.slice(2)];
const run = spawnSync('pnpm', args, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });

let passed = 0;
let failed = 0;
const missing = [];
for (const dir of projectDirs) {
  const reports = join(dir, '.reports');
  if (!existsSync(join(dir, 'package.json'))) continue;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.scripts?.test) continue;
  const files = existsSync(reports) ? readdirSync(reports).filter((f) => f.endsWith('.json')) : [];
  if (files.length === 0) missing.push(pkg.name);
  for (const f of files) {
    const r = JSON.parse(readFileSync(join(reports, f), 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    // A file that fails to load has no failing test of its own: count it once.
    for (const t of r.testResults ?? []) {
      if (t.status === 'failed' && !(t.assertionResults ?? []).some((a) => a.status === 'failed')) failed += 1;
    }
  }
}
if (missing.length) {
  console.log(`no test report from: ${missing.join(', ')}`);
  failed += missing.length;
}
if (run.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || run.status !== 0 ? 1 : 0);
