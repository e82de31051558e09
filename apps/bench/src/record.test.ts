import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gitSha, writeRecord } from './record.js';

describe('benchmark records', () => {
  let dir: string | undefined;
  afterEach(() => {
    vi.unstubAllEnvs();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('takes the commit from LORATS_GIT_COMMIT (a bundle run outside git), trimmed', () => {
    expect(gitSha({ LORATS_GIT_COMMIT: ' 1a2b3c4\n' })).toBe('1a2b3c4');
  });

  it("falls back to the repo's git HEAD (null without git) when LORATS_GIT_COMMIT is unset or empty", () => {
    let head: string | null;
    try {
      head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      head = null;
    }
    expect(gitSha({})).toBe(head);
    expect(gitSha({ LORATS_GIT_COMMIT: '  ' })).toBe(head);
  });

  it('writes the commit into the record, atomically (no temp file left)', () => {
    dir = mkdtempSync(join(tmpdir(), 'lorats-bench-record-'));
    vi.stubEnv('LORATS_GIT_COMMIT', 'deadbee');
    const path = writeRecord('x', { contextsPerSecond: 2 }, join(dir, 'x.json'));
    const r = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(r).toMatchObject({ benchmark: 'x', git: 'deadbee', node: process.version, contextsPerSecond: 2 });
    expect(readdirSync(dir)).toEqual(['x.json']);
  });
});
