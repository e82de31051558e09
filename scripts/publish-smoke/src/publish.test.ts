// Publishing smoke test (nx run publish-smoke:test, after nx has built every public package): manifests, a publish dry
// run and `pnpm pack` per package, then the tarballs installed with npm into an empty project where every README
// example runs. The install needs the npm registry; without it those steps skip, saying so.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PUBLIC_PACKAGES,
  allExamples,
  checkPackage,
  checkTarball,
  installProject,
  pack,
  publishDryRun,
  registryStatus,
  runExample,
  typecheckExamples,
  writeExamples,
  type Example,
} from './smoke.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ADDON = join(ROOT, 'packages', 'tfjs-backend-torch', 'build', 'lorats_torch.node');
/** Examples that pick a backend run twice when the native addon is built: with it and without it. */
const BACKEND_EXAMPLES = new Set(['packages/tfjs-backend-torch/README.md', 'packages/runtime/README.md']);

const examples = allExamples(ROOT);
let work: string;
const tarballs: string[] = [];
let installed: { ok: true } | { ok: false; reason: string } = { ok: false, reason: 'not installed yet' };
let written: Array<Example & { file: string }> = [];

/** The environment of an example: none of the developer's LORATS_* settings, plus `extra`. */
function exampleEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LORATS_')));
  return { ...env, ...extra };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'lorats-publish-'));
});
afterAll(() => {
  if (process.env.LORATS_SMOKE_KEEP) process.stderr.write(`publish-smoke: kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
});

describe('manifests', () => {
  it.each(PUBLIC_PACKAGES)('@lorats/%s is ready to publish (exports, files, licence, README example)', (pkg) => {
    expect(checkPackage(ROOT, pkg)).toEqual([]);
  });
});

describe('packing', () => {
  it.each(PUBLIC_PACKAGES)('pnpm publish --dry-run and pnpm pack @lorats/%s', (pkg) => {
    expect(publishDryRun(ROOT, pkg)).toEqual([]);
    const tarball = pack(ROOT, pkg, join(work, 'tarballs'));
    tarballs.push(tarball);
    expect(checkTarball(tarball, pkg)).toEqual([]);
  });
});

describe('installed from the tarballs', () => {
  it('npm installs every tarball into an empty project', (ctx) => {
    expect(tarballs).toHaveLength(PUBLIC_PACKAGES.length);
    const registry = registryStatus(work);
    if (!registry.ok) {
      installed = registry;
      process.stderr.write(`publish-smoke: SKIPPED the install and README examples: ${registry.reason}\n`);
      ctx.skip(registry.reason);
      return;
    }
    const r = installProject(join(work, 'project'), tarballs);
    expect(r.status, r.stderr || r.stdout).toBe(0);
    installed = { ok: true };
    written = writeExamples(join(work, 'project'), examples);
  });

  it('the README examples typecheck against the published types', (ctx) => {
    if (!installed.ok) return ctx.skip(installed.reason);
    expect(typecheckExamples(join(work, 'project'), written, join(ROOT, 'node_modules', '@types'))).toEqual([]);
  });

  const cases = examples.flatMap((e, i): Array<{ name: string; i: number; env: Record<string, string> }> => {
    const name = `${e.source}:${e.line}`;
    if (!BACKEND_EXAMPLES.has(e.source)) return [{ name, i, env: {} }];
    return [
      { name: `${name} (without the native addon)`, i, env: {} },
      { name: `${name} (with the native addon)`, i, env: { LORATS_TORCH_ADDON: ADDON } },
    ];
  });

  it.for(cases)('runs $name', ({ i, env }, ctx) => {
    if (!installed.ok) return ctx.skip(installed.reason);
    if (env.LORATS_TORCH_ADDON && !existsSync(env.LORATS_TORCH_ADDON)) return ctx.skip('the native addon is not built here (no libtorch)');
    const r = runExample(join(work, 'project'), written[i], exampleEnv(env));
    expect(r.status, `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-25).join('\n')).toBe(0);
  });
});
