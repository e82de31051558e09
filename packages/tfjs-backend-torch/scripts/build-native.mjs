#!/usr/bin/env node
// Builds the libtorch addon (native/*.cc -> build/lorats_torch.node) with g++ directly: a few translation units,
// rebuilt only when a source changed. libtorch is found from LIBTORCH, an installed Python torch, or Debian's
// libtorch-dev. CUDA is used when that libtorch has it.
//
//   node scripts/build-native.mjs [--out DIR] [--jobs N] [--check]
//
// --check prints where libtorch was found (or why not) and exits 0/1 without compiling.
// Environment: LIBTORCH (a libtorch folder with include/ and lib/), CXX (default g++), NODE_INCLUDE (Node's headers),
// NAPI_INCLUDE (node-addon-api's folder), CUDA_HOME, LORATS_CXXFLAGS (extra flags).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const outDir = resolve(opt('--out', join(pkgRoot, 'build')));
const jobs = Number(opt('--jobs', process.env.LORATS_JOBS ?? '1'));
const srcDir = join(pkgRoot, 'native');

function fail(msg) {
  console.error(`build:native: ${msg}`);
  process.exit(1);
}

/** A libtorch layout: { root, include: [...], lib, source } or null. */
function findLibtorch() {
  const fromRoot = (root, source) => {
    const inc = join(root, 'include');
    const lib = join(root, 'lib');
    if (existsSync(join(inc, 'ATen', 'ATen.h')) && existsSync(join(lib, 'libtorch.so')))
      return { root, include: [inc, join(inc, 'torch', 'csrc', 'api', 'include')], lib, source };
    return null;
  };
  if (process.env.LIBTORCH) {
    const r = fromRoot(process.env.LIBTORCH, 'LIBTORCH');
    if (!r) fail(`LIBTORCH=${process.env.LIBTORCH} has no include/ATen/ATen.h and lib/libtorch.so`);
    return r;
  }
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      const dir = execFileSync(py, ['-c', 'import os, torch; print(os.path.dirname(torch.__file__))'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      const r = dir && fromRoot(dir, `python torch (${py})`);
      if (r) return { ...r, python: py };
    } catch {
      // no torch for this interpreter
    }
  }
  const deb = '/usr/lib/x86_64-linux-gnu';
  if (existsSync('/usr/include/ATen/ATen.h') && existsSync(join(deb, 'libtorch.so')))
    return { root: '/usr', include: ['/usr/include/torch/csrc/api/include'], lib: deb, source: "Debian's libtorch-dev" };
  return null;
}

function nodeInclude() {
  const candidates = [process.env.NODE_INCLUDE, join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'];
  const found = candidates.find((d) => d && existsSync(join(d, 'node_api.h')));
  if (!found) fail(`Node's headers (node_api.h) not found; set NODE_INCLUDE (tried ${candidates.filter(Boolean).join(', ')})`);
  return found;
}

function napiInclude() {
  if (process.env.NAPI_INCLUDE) return process.env.NAPI_INCLUDE;
  try {
    return dirname(createRequire(join(pkgRoot, 'package.json')).resolve('node-addon-api/package.json'));
  } catch {
    return fail('node-addon-api not found; run pnpm install or set NAPI_INCLUDE');
  }
}

function cudaInclude(torch) {
  const candidates = [
    process.env.CUDA_HOME && join(process.env.CUDA_HOME, 'include'),
    '/usr/local/cuda/include',
    // pip wheels: nvidia/cuda_runtime (CUDA 12) or nvidia/cu13 (CUDA 13) next to torch
    join(torch.root, '..', 'nvidia', 'cuda_runtime', 'include'),
    join(torch.root, '..', 'nvidia', 'cu13', 'include'),
  ];
  return candidates.find((d) => d && existsSync(join(d, 'cuda_runtime_api.h')));
}

function cxxAbi(torch) {
  if (!torch.python) return '1';
  try {
    return execFileSync(torch.python, ['-c', 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return '1';
  }
}

const torch = findLibtorch();
if (args.includes('--check')) {
  if (!torch) {
    console.log('libtorch: not found (set LIBTORCH, pip install torch, or apt-get install libtorch-dev)');
    process.exit(1);
  }
  console.log(`libtorch: ${torch.source} at ${torch.root}`);
  process.exit(0);
}
if (!torch) fail('libtorch not found: set LIBTORCH, pip install torch, or apt-get install libtorch-dev');

const hasCudaLib = existsSync(join(torch.lib, 'libtorch_cuda.so'));
const cudaInc = hasCudaLib ? cudaInclude(torch) : undefined;
const cxx = process.env.CXX ?? 'g++';
const includes = [srcDir, nodeInclude(), napiInclude(), ...torch.include, ...(cudaInc ? [cudaInc] : [])];
const defines = [`-D_GLIBCXX_USE_CXX11_ABI=${cxxAbi(torch)}`, ...(cudaInc ? ['-DLORATS_CUDA'] : [])];
// libtorch 2.x headers use C++20 features (GCC accepts them under C++17 with warnings); 1.x builds as C++17.
function torchMajor() {
  for (const dir of torch.include)
    for (const f of [join(dir, 'torch', 'version.h'), join(dir, 'torch', 'headeronly', 'version.h')]) {
      const m = existsSync(f) && /#define TORCH_VERSION_MAJOR\s+(\d+)/.exec(readFileSync(f, 'utf8'));
      if (m) return Number(m[1]);
    }
  return 0;
}
const cflags = [torchMajor() >= 2 ? '-std=c++20' : '-std=c++17', '-O2', '-fPIC', '-fvisibility=hidden', '-Wno-deprecated-declarations', '-Wno-unused-parameter'];
const extra = (process.env.LORATS_CXXFLAGS ?? '').split(/\s+/).filter(Boolean);
const libs = ['-ltorch', '-ltorch_cpu', '-lc10', ...(hasCudaLib ? ['-ltorch_cuda', '-lc10_cuda'] : [])];

const objDir = join(outDir, 'obj');
mkdirSync(objDir, { recursive: true });
const headers = readdirSync(srcDir).filter((f) => f.endsWith('.h')).sort();
const sources = readdirSync(srcDir).filter((f) => f.endsWith('.cc')).sort();

// An object is rebuilt when the hash of its source, the headers, the compiler and the flags changes (not mtimes,
// so a fresh copy of unchanged sources, as on the GPU machine, reuses its objects).
const headerText = headers.map((f) => readFileSync(join(srcDir, f), 'utf8')).join('\0');
const hashOf = (f) =>
  createHash('sha256').update([cxx, ...cflags, ...defines, ...extra, ...includes, headerText, readFileSync(join(srcDir, f), 'utf8')].join('\0')).digest('hex');
const objOf = (f) => join(objDir, f.replace(/\.cc$/, '.o'));
const stale = sources.filter((f) => {
  const stamp = `${objOf(f)}.hash`;
  return !existsSync(objOf(f)) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== hashOf(f);
});

function run(cmd, argv) {
  return new Promise((res, rej) => {
    const p = spawn(cmd, argv, { stdio: 'inherit' });
    p.on('error', rej);
    p.on('exit', (code) => (code === 0 ? res() : rej(new Error(`${cmd} exited with ${code}`))));
  });
}

console.log(`build:native: libtorch from ${torch.source} (${torch.root})${hasCudaLib ? `, CUDA${cudaInc ? '' : ' (no CUDA headers: no memory statistics)'}` : ', CPU only'}`);
const queue = [...stale];
const workers = Array.from({ length: Math.max(1, jobs) }, async () => {
  for (let f = queue.shift(); f; f = queue.shift()) {
    console.log(`build:native: compiling ${f}`);
    await run(cxx, [...cflags, ...defines, ...extra, ...includes.map((d) => `-I${d}`), '-c', join(srcDir, f), '-o', objOf(f)]);
    writeFileSync(`${objOf(f)}.hash`, hashOf(f));
  }
});
try {
  await Promise.all(workers);
  const target = join(outDir, 'lorats_torch.node');
  if (stale.length === 0 && existsSync(target)) {
    console.log(`build:native: ${target} is up to date`);
    process.exit(0);
  }
  const tmp = `${target}.tmp`;
  await run(cxx, ['-shared', '-o', tmp, ...sources.map(objOf), `-L${torch.lib}`, '-Wl,--no-as-needed', ...libs, `-Wl,-rpath,${torch.lib}`]);
  renameSync(tmp, target);
  writeFileSync(join(outDir, 'build-info.json'), `${JSON.stringify({ libtorch: torch.root, source: torch.source, cuda: hasCudaLib, cudaHeaders: Boolean(cudaInc) }, null, 2)}\n`);
  console.log(`build:native: wrote ${target}`);
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
