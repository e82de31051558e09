// The publish smoke test's steps: check each public package's manifest, `pnpm publish --dry-run` it, `pnpm pack` it,
// install the tarballs into an empty project with npm (tfjs and the other dependencies come from the registry), and
// run every README example marked `<!-- example -->` there: typechecked against the installed types, then run by node.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import ts from 'typescript';

/** Every package published to npm, by folder under packages/ (= nx project name). */
export const PUBLIC_PACKAGES = ['core', 'checkpoints', 'metrics', 'tfjs-backend-torch', 'runtime', 'tokenizers', 'gpt2', 'roberta', 'deberta-v2', 'cli'] as const;
/** Workspace packages that are never published. */
export const PRIVATE_PACKAGES = ['experiment', 'testing'] as const;
/** Packages whose import registers something globally (none so far: backends register when asked). */
export const SIDE_EFFECT_PACKAGES: readonly string[] = [];

export interface Example {
  /** The markdown file, relative to the repository root, e.g. `packages/core/README.md`. */
  source: string;
  /** A file-name stem for the example, e.g. `core-1`. */
  name: string;
  /** 1-based line of the fence in the markdown file. */
  line: number;
  lang: 'ts' | 'js';
  code: string;
}

type Manifest = Record<string, unknown> & {
  name?: string;
  version?: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Markdown files outside the packages whose examples run too. */
export const DOC_SOURCES = ['README.md', 'docs/migrating-from-loralib.md'] as const;

/** The fenced ```ts / ```js blocks of a markdown file that follow an `<!-- example -->` line. */
export function extractExamples(source: string, readme: string): Example[] {
  const stem = source === 'README.md' ? 'root' : source.replace(/^packages\//, '').replace(/\/README\.md$/, '').replace(/[/.]/g, '-');
  const lines = readme.split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '<!-- example -->') continue;
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === '') j++;
    const fence = /^```(ts|typescript|js|javascript)\s*$/.exec(lines[j] ?? '');
    if (!fence) throw new Error(`${source}:${i + 1}: <!-- example --> must be followed by a \`\`\`ts or \`\`\`js block`);
    const end = lines.findIndex((l, k) => k > j && l.trim() === '```');
    if (end < 0) throw new Error(`${source}:${j + 1}: unterminated code block`);
    out.push({ source, name: `${stem}-${out.length + 1}`, line: j + 1, lang: fence[1].startsWith('t') ? 'ts' : 'js', code: lines.slice(j + 1, end).join('\n') });
    i = end;
  }
  return out;
}

/** What is wrong with a public package's manifest and files (empty when nothing). */
export function checkPackage(root: string, pkg: string): string[] {
  const dir = join(root, 'packages', pkg);
  const m = readManifest(dir);
  const problems: string[] = [];
  const p = (s: string) => problems.push(`packages/${pkg}/package.json: ${s}`);
  if (m.name !== `@lorats/${pkg}`) p(`name is ${String(m.name)}, expected @lorats/${pkg}`);
  if (m.private === true) p('is private');
  if (m.license !== 'MIT') p('license is not MIT');
  if (!existsSync(join(dir, 'LICENSE'))) problems.push(`packages/${pkg}/LICENSE: missing`);
  if (!existsSync(join(dir, 'README.md'))) problems.push(`packages/${pkg}/README.md: missing`);
  else if (extractExamples(`packages/${pkg}/README.md`, readFileSync(join(dir, 'README.md'), 'utf8')).length === 0) problems.push(`packages/${pkg}/README.md: no <!-- example --> block`);
  for (const f of ['dist', 'README.md', 'LICENSE']) if (!m.files?.includes(f)) p(`files lacks ${f}`);
  const sideEffects = SIDE_EFFECT_PACKAGES.includes(pkg);
  if (!sideEffects && m.sideEffects !== false) p('sideEffects should be false (importing it registers nothing)');
  const repo = m.repository as { type?: string; url?: string; directory?: string } | undefined;
  if (!repo?.url || repo.directory !== `packages/${pkg}`) p(`repository needs url and directory packages/${pkg}`);
  if (!(m.engines as { node?: string } | undefined)?.node) p('engines.node missing');
  if ((m.publishConfig as { access?: string } | undefined)?.access !== 'public') p('publishConfig.access should be public (scoped package)');
  if (!m.exports || typeof m.exports !== 'object') p('no exports map');
  else
    for (const [sub, target] of Object.entries(m.exports)) {
      if (sub === './package.json') continue;
      if (!target || typeof target !== 'object') {
        p(`exports["${sub}"] should be a conditions object`);
        continue;
      }
      const conditions = Object.keys(target);
      if (conditions[0] !== '@lorats/source') p(`exports["${sub}"]: the @lorats/source condition must come first`);
      const t = target as Record<string, string>;
      if (!t.types || !t.import) p(`exports["${sub}"] needs types and import`);
      if (conditions.indexOf('types') > conditions.indexOf('import')) p(`exports["${sub}"]: types must come before import`);
      for (const c of ['types', 'import']) if (t[c] && !existsSync(join(dir, t[c]))) p(`exports["${sub}"].${c} ${t[c]} does not exist (not built?)`);
    }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const)
    for (const dep of Object.keys(m[field] ?? {})) {
      const name = dep.replace(/^@lorats\//, '');
      if (dep.startsWith('@lorats/') && !(PUBLIC_PACKAGES as readonly string[]).includes(name))
        p(`${field} has ${dep}, which is not published (private packages may only be devDependencies)`);
    }
  return problems;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Run {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) return { status: null, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}\n${r.error.message}` };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Whether npm can reach its registry (the one npm is configured with, through its proxy settings). */
export function registryStatus(cwd: string): { ok: true } | { ok: false; reason: string } {
  const r = run('npm', ['view', '@tensorflow/tfjs-core@4.22.0', 'version'], { cwd, timeoutMs: 45_000 });
  if (r.status === 0 && r.stdout.trim() === '4.22.0') return { ok: true };
  const registry = run('npm', ['config', 'get', 'registry'], { cwd, timeoutMs: 15_000 }).stdout.trim() || 'the npm registry';
  return { ok: false, reason: `${registry} is unreachable (npm view failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? 'no output'})` };
}

/** `pnpm publish --dry-run` from the package folder; returns problems. */
export function publishDryRun(root: string, pkg: string): string[] {
  const r = run('pnpm', ['publish', '--dry-run', '--no-git-checks'], { cwd: join(root, 'packages', pkg), timeoutMs: 120_000 });
  return r.status === 0 ? [] : [`pnpm publish --dry-run of @lorats/${pkg} failed:\n${r.stderr || r.stdout}`];
}

/** `pnpm pack` into `dest`; returns the tarball's path. */
export function pack(root: string, pkg: string, dest: string): string {
  const r = run('pnpm', ['pack', '--pack-destination', dest], { cwd: join(root, 'packages', pkg), timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(`pnpm pack of @lorats/${pkg} failed:\n${r.stderr || r.stdout}`);
  const name = readdirSync(dest).find((f) => f.startsWith(`lorats-${pkg}-`) && f.endsWith('.tgz'));
  if (!name) throw new Error(`pnpm pack of @lorats/${pkg} wrote no tarball to ${dest}`);
  return join(dest, name);
}

/** What is wrong with a packed tarball: workspace ranges left in, files missing, tests shipped. */
export function checkTarball(tarball: string, pkg: string): string[] {
  const list = run('tar', ['-tzf', tarball], { cwd: '/' });
  if (list.status !== 0) return [`${tarball}: not a readable tarball`];
  const files = list.stdout.split('\n').filter(Boolean);
  const problems: string[] = [];
  for (const f of ['package/package.json', 'package/README.md', 'package/LICENSE', 'package/dist/index.js', 'package/dist/index.d.ts'])
    if (!files.includes(f)) problems.push(`@lorats/${pkg} tarball lacks ${f.slice('package/'.length)}`);
  const tests = files.filter((f) => /\.test\.[cm]?[jt]s$/.test(f));
  if (tests.length > 0) problems.push(`@lorats/${pkg} tarball ships tests: ${tests.slice(0, 3).join(', ')}`);
  const manifest = run('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: '/' }).stdout;
  if (manifest.includes('workspace:')) problems.push(`@lorats/${pkg} tarball's package.json still has workspace: ranges`);
  return problems;
}

/** An empty ESM project depending on the tarballs (and @tensorflow/tfjs), installed with npm from the registry. */
export function installProject(dir: string, tarballs: readonly string[]): Run {
  mkdirSync(dir, { recursive: true });
  const dependencies: Record<string, string> = { '@tensorflow/tfjs': '4.22.0' };
  for (const t of tarballs) {
    const m = /^lorats-(.+)-\d+\.\d+\.\d+.*\.tgz$/.exec(basename(t));
    if (!m) throw new Error(`${t}: not a @lorats tarball name`);
    dependencies[`@lorats/${m[1]}`] = `file:${t}`;
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'lorats-smoke', private: true, type: 'module', dependencies }, null, 2)}\n`);
  return run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=optional', '--loglevel=error'], { cwd: dir, timeoutMs: 300_000 });
}

/** Writes the examples as `examples/<name>.<ts|mjs>` under `dir`; returns the files. */
export function writeExamples(dir: string, examples: readonly Example[]): Array<Example & { file: string }> {
  mkdirSync(join(dir, 'examples'), { recursive: true });
  return examples.map((e) => {
    const file = join(dir, 'examples', `${e.name}.${e.lang === 'ts' ? 'ts' : 'mjs'}`);
    writeFileSync(file, `${e.code}\n`);
    return { ...e, file };
  });
}

/**
 * Typechecks the TypeScript examples against the installed packages' declarations (NodeNext resolution, strict, as a
 * user's project would); returns one line per diagnostic, naming the README line it comes from.
 */
export function typecheckExamples(dir: string, examples: ReadonlyArray<Example & { file: string }>, typeRoots: string): string[] {
  const files = examples.filter((e) => e.lang === 'ts').map((e) => e.file);
  if (files.length === 0) return [];
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [typeRoots],
  });
  const byFile = new Map(examples.map((e) => [e.file, e]));
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file) return text;
    const e = byFile.get(d.file.fileName);
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    return e ? `${e.source}:${e.line + 1 + line}: ${text}` : `${relative(dir, d.file.fileName)}:${line + 1}: ${text}`;
  });
}

/** Transpiles an example to an ES module next to it and runs it with node in `dir`. */
export function runExample(dir: string, example: Example & { file: string }, env: NodeJS.ProcessEnv): Run {
  let file = example.file;
  if (example.lang === 'ts') {
    const js = ts.transpileModule(example.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    file = example.file.replace(/\.ts$/, '.mjs');
    writeFileSync(file, js);
  }
  return run(process.execPath, [file], { cwd: dir, env, timeoutMs: 180_000 });
}

/** The examples of every public package's README, the root README and the migration guide. */
export function allExamples(root: string): Example[] {
  return [...PUBLIC_PACKAGES.map((pkg) => `packages/${pkg}/README.md`), ...DOC_SOURCES].flatMap((source) => {
    const file = join(root, source);
    return existsSync(file) ? extractExamples(source, readFileSync(file, 'utf8')) : [];
  });
}
