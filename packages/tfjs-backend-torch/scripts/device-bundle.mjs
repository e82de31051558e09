#!/usr/bin/env node
// Packs what the GPU machine needs into .device/ (git-ignored) so one `run` call can build the addon against the
// machine's PyTorch, run this package's tests on cuda:0 and the benchmarks (with the PyTorch + PEFT reference):
//
//   .device/node.xz              this Node binary (xz)
//   .device/js/*.mjs             esbuild bundles (tfjs included; the addon is loaded by path, LORATS_TORCH_ADDON)
//   .device/torch/{native,scripts}  addon sources and build-native.mjs
//   .device/include/{node,napi}  Node-API and node-addon-api headers
//   .device/python/*.py          reference scripts (PEFT step, PyTorch eager dispatch)
//   .device/run.sh               the command to run there: bash .device/run.sh [stages...]
//   .device/env.sh               sourced by run.sh: LORATS_GIT_COMMIT (this checkout's HEAD; the bundles run outside git)
//
//   node packages/tfjs-backend-torch/scripts/device-bundle.mjs [--out DIR]
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(pkgRoot, '..', '..');
const outFlag = process.argv.indexOf('--out');
const out = resolve(outFlag >= 0 ? process.argv[outFlag + 1] : join(repo, '.device'));
const LIMIT = 60 * 2 ** 20;

rmSync(out, { recursive: true, force: true });
for (const d of ['js', 'torch/native', 'torch/scripts', 'include/node', 'include/napi', 'python']) mkdirSync(join(out, d), { recursive: true });

// 1. Node itself, compressed.
console.log('device-bundle: compressing node');
writeFileSync(join(out, 'node.xz'), execFileSync('xz', ['-T0', '-6', '-c', process.execPath], { maxBuffer: 512 * 2 ** 20 }));

// 2. Bundles: the test runner and the benchmark entry points, with workspace packages from their sources.
const esbuild = await import('esbuild');
const entries = {
  'device-tests': join(pkgRoot, 'scripts', 'device', 'device-runner.ts'),
  'gpt2-lora-step': join(repo, 'apps', 'bench', 'src', 'gpt2-lora-step.ts'),
  dispatch: join(repo, 'apps', 'bench', 'src', 'dispatch.ts'),
  'gpt2-decode': join(repo, 'apps', 'bench', 'src', 'gpt2-decode.ts'),
  summary: join(pkgRoot, 'scripts', 'device', 'summary.ts'),
};
await esbuild.build({
  entryPoints: entries,
  outdir: join(out, 'js'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@lorats/source'],
  alias: { vitest: join(pkgRoot, 'scripts', 'device', 'vitest-shim.ts') },
  // CommonJS inside an ESM bundle (tfjs) needs a real require for Node built-ins.
  banner: { js: "import { createRequire as __lorats_cr } from 'node:module'; const require = __lorats_cr(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});

// The decode benchmark's contexts: the 630 distinct E2E test MRs encoded with GPT-2's BPE, when ../shared has them.
const e2e = join(repo, '..', 'shared', 'data', 'e2e', 'test.txt');
const vocab = join(repo, '..', 'shared', 'data', 'gpt2');
try {
  statSync(e2e);
  statSync(vocab);
  mkdirSync(join(out, 'data'), { recursive: true });
  execFileSync(process.execPath, [join(out, 'js', 'gpt2-decode.mjs'), '--e2e', e2e, '--vocab', vocab, '--write-contexts', join(out, 'data', 'e2e-contexts.json')], { stdio: 'inherit' });
} catch (e) {
  console.log(`device-bundle: E2E contexts not written (${e.message.split('\n')[0]}); the decode benchmark will use synthetic ones`);
}

// The coverage test reads test/kernels-used.json beside its (bundled) module.
copyFileSync(join(pkgRoot, 'test', 'kernels-used.json'), join(out, 'js', 'kernels-used.json'));

// 3. Addon sources and the build script; Node-API headers.
for (const f of readdirSync(join(pkgRoot, 'native'))) copyFileSync(join(pkgRoot, 'native', f), join(out, 'torch', 'native', f));
copyFileSync(join(pkgRoot, 'scripts', 'build-native.mjs'), join(out, 'torch', 'scripts', 'build-native.mjs'));
const nodeInc = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find((d) => {
  try {
    return statSync(join(d, 'node_api.h')).isFile();
  } catch {
    return false;
  }
});
if (!nodeInc) throw new Error("device-bundle: Node's headers (node_api.h) not found");
for (const f of ['node_api.h', 'node_api_types.h', 'js_native_api.h', 'js_native_api_types.h']) copyFileSync(join(nodeInc, f), join(out, 'include', 'node', f));
const napiDir = dirname(createRequire(join(pkgRoot, 'package.json')).resolve('node-addon-api/package.json'));
for (const f of readdirSync(napiDir).filter((f) => f.endsWith('.h'))) copyFileSync(join(napiDir, f), join(out, 'include', 'napi', f));

// 4. Reference scripts and the run script.
for (const f of readdirSync(join(repo, 'apps', 'bench', 'python')).filter((f) => f.endsWith('.py'))) copyFileSync(join(repo, 'apps', 'bench', 'python', f), join(out, 'python', f));
copyFileSync(join(pkgRoot, 'scripts', 'device', 'run.sh'), join(out, 'run.sh'));
chmodSync(join(out, 'run.sh'), 0o755);
// The commit the bundles were built from, for the benchmark records' `git` field (apps/bench/src/record.ts).
try {
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  if (!/^[0-9a-f]{4,40}$/.test(head)) throw new Error(`unexpected output ${JSON.stringify(head)}`);
  writeFileSync(join(out, 'env.sh'), `export LORATS_GIT_COMMIT=${head}\n`);
} catch (e) {
  console.log(`device-bundle: no git commit for the records (${e.message.split('\n')[0]})`);
}

function size(dir) {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? size(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}
const total = size(out);
console.log(`device-bundle: ${relative(repo, out)}/ is ${(total / 2 ** 20).toFixed(1)} MiB`);
if (total > LIMIT) throw new Error(`device-bundle: ${(total / 2 ** 20).toFixed(1)} MiB exceeds the ${LIMIT / 2 ** 20} MiB carry budget`);
