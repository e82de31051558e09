// The experiments of apps/nlg and apps/nlu, loaded from their typed files, so that a record can be checked against
// the settings its experiment has now: a run with overridden settings (`--train.epochs=1`) never fills a paper cell.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type ConfigObject = { [key: string]: Json };

/** Experiment configs by `<app>/<experiment id>`. */
export type ExperimentConfigs = ReadonlyMap<string, ConfigObject>;

export const APPS = ['nlg', 'nlu'] as const;

/** Config keys that may differ between a record and its experiment without changing what was run. */
const IGNORED_KEYS = new Set(['seeds', 'paper']);

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'index.ts' ? [p] : [];
    });
}

function isConfig(x: unknown): x is ConfigObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Loads every experiment of the apps under `root`: an app's `src/experiments/index.ts` exporting `EXPERIMENTS` (a map
 * id → experiment), or else one file per experiment under `<app>/experiments/` whose default export is the experiment.
 */
export async function loadExperimentConfigs(root: string): Promise<ExperimentConfigs> {
  const out = new Map<string, ConfigObject>();
  for (const app of APPS) {
    const index = join(root, 'apps', app, 'src', 'experiments', 'index.ts');
    if (existsSync(index)) {
      const mod = (await import(pathToFileURL(index).href)) as { EXPERIMENTS?: ReadonlyMap<string, { config: unknown }> };
      if (!(mod.EXPERIMENTS instanceof Map)) throw new Error(`${index}: expected an exported EXPERIMENTS map`);
      for (const [id, e] of mod.EXPERIMENTS) {
        if (!isConfig(e.config)) throw new Error(`${index}: experiment ${id} has no config object`);
        out.set(`${app}/${id}`, e.config);
      }
      continue;
    }
    const dir = join(root, 'apps', app, 'experiments');
    for (const file of walk(dir)) {
      const id = relative(dir, file).slice(0, -'.ts'.length).split(sep).join('/');
      const mod = (await import(pathToFileURL(file).href)) as { default?: { config?: unknown } };
      if (!isConfig(mod.default?.config)) throw new Error(`${file}: the default export must be an experiment (with a config)`);
      out.set(`${app}/${id}`, mod.default.config);
    }
  }
  return out;
}

function show(v: Json | undefined): string {
  return v === undefined ? 'unset' : JSON.stringify(v);
}

/**
 * Settings in which a record's config differs from its experiment's, as `path: recorded (experiment: value)`. Nested
 * paths are compared only where both have them, so a setting added to the defaults later does not orphan older
 * records; a top-level key the experiment lacks marks another kind of run (nlu's `evalOnlyAdapter`) and counts.
 */
export function configDifferences(recorded: ConfigObject, experiment: ConfigObject, prefix = ''): string[] {
  const out: string[] = [];
  for (const key of Object.keys(recorded).sort()) {
    if (!prefix && IGNORED_KEYS.has(key)) continue;
    if (!(key in experiment)) {
      if (!prefix) out.push(`${key}: ${show(recorded[key])} (not an experiment setting)`);
      continue;
    }
    const a = recorded[key];
    const b = experiment[key];
    const path = prefix ? `${prefix}.${key}` : key;
    if (isConfig(a) && isConfig(b)) out.push(...configDifferences(a, b, path));
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${show(a)} (experiment: ${show(b)})`);
  }
  return out;
}
