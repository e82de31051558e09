// Provenance for run records: git commit and dirty flag, package versions, machine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, platform } from 'node:os';
import type { RunEnvironment } from './run-record.js';

/** The commit of the repository containing `cwd` and whether its tracked files differ from it. */
export function gitInfo(cwd = process.cwd()): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

/** Versions of the named packages as resolved from `fromFile` (a module path or URL); unresolvable ones are skipped. */
export function packageVersions(names: readonly string[], fromFile: string): Record<string, string> {
  const require = createRequire(fromFile);
  const out: Record<string, string> = {};
  for (const name of names) {
    try {
      const json = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version?: unknown };
      if (typeof json.version === 'string') out[name] = json.version;
    } catch {
      // not installed here
    }
  }
  return out;
}

/** The environment block of a run record. */
export function runEnvironment(backend: string, packages: Record<string, string>, device?: string): RunEnvironment {
  const cpu = cpus();
  return {
    backend,
    ...(device ? { device } : {}),
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    packages,
  };
}
