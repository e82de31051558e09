import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunRecord, readRunRecord, RUN_RECORD_SCHEMA, runRecordPath, writeRunRecord, type RunRecord } from './run-record.js';

function record(): RunRecord {
  return {
    schema: RUN_RECORD_SCHEMA,
    app: 'nlg',
    experiment: 'e2e/gpt2-medium-lora',
    task: 'e2e',
    seed: 110,
    status: 'complete',
    inputs: { model: 'gpt2-medium', weights: 'pretrained', data: 'full', dataPath: 'data/e2e' },
    config: { lora: { rank: 4, alpha: 32 }, seeds: [110] },
    code: { commit: 'abc123', dirty: false },
    environment: { backend: 'torch', device: 'cuda', node: 'v20', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'x', packages: { '@lorats/gpt2': '0.1.0' } },
    started: '2025-01-01T00:00:00.000Z',
    finished: '2025-01-01T01:00:00.000Z',
    timings: { total: 3600, train: 3000 },
    training: { steps: 26290, epochs: 5, trainableParameters: 393216, finalLoss: 1.2, lossCurve: [[100, 3], [200, 2]] },
    metrics: { bleu: 70.4, nist: 8.85 },
    artifacts: { lossCurve: '110.loss.svg' },
  };
}

describe('run records', () => {
  it('round-trips through a file written atomically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rr-'));
    const file = runRecordPath(dir, 'nlg', 'e2e/gpt2-medium-lora', 110);
    expect(file).toBe(join(dir, 'nlg', 'e2e', 'gpt2-medium-lora', '110.json'));
    writeRunRecord(file, record());
    expect(readRunRecord(file)).toEqual(record());
    expect(readdirSync(join(dir, 'nlg', 'e2e', 'gpt2-medium-lora'))).toEqual(['110.json']);
  });

  it.each([
    [(r: RunRecord) => Object.assign(r, { schema: 'v0' }), 'record.schema: expected one of lorats.run-record/1'],
    [(r: RunRecord) => Object.assign(r, { seed: -1 }), 'record.seed: expected an integer ≥ 0'],
    [(r: RunRecord) => Object.assign(r.metrics, { bleu: 'high' }), 'record.metrics.bleu: expected a finite number'],
    [(r: RunRecord) => Object.assign(r.inputs, { weights: 'some' }), 'record.inputs.weights: expected one of pretrained, random'],
    [(r: RunRecord) => Object.assign(r, { extra: 1 }), 'record: unknown field "extra"'],
    [(r: RunRecord) => Object.assign(r.training!, { lossCurve: [[1]] }), 'record.training.lossCurve[0]: expected an [x, y] pair'],
    [(r: RunRecord) => Object.assign(r, { status: 'failed' }), 'record.error: a failed run must say why'],
  ])('rejects a bad field (%#)', (mutate, message) => {
    const r = record();
    mutate(r);
    expect(() => parseRunRecord(r, 'x.json')).toThrow(`x.json: ${message}`);
  });

  it('names the file when it is not JSON', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rr-')), 'bad.json');
    writeFileSync(file, '{');
    expect(() => readRunRecord(file)).toThrow(`${file}: not readable JSON`);
  });
});
