import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../cli.js';
import { classify } from './classify.js';

// Golden logits from packages/{roberta,deberta-v2}/fixtures/generate.py (HF transformers + PEFT).
const ROBERTA = fileURLToPath(new URL('../../../roberta/fixtures/', import.meta.url));
const DEBERTA = fileURLToPath(new URL('../../../deberta-v2/fixtures/', import.meta.url));
const rob = JSON.parse(readFileSync(`${ROBERTA}expected.json`, 'utf8'));
const deb = JSON.parse(readFileSync(`${DEBERTA}expected.json`, 'utf8'));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, [classify]);
  return { code, out: out.join(''), err: err.join('') };
}

/** The unpadded ids of row `i` of a fixture batch (right padding is masked, so the logits are the row's). */
const row = (e: { input_ids: number[][]; attention_mask: number[][] }, i: number) => e.input_ids[i].filter((_, t) => e.attention_mask[i][t] === 1);

const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 4));

describe('lorats classify', () => {
  it('prints RoBERTa logits for given ids, as transformers computes them', async () => {
    const r = await run('classify', '--model', `${ROBERTA}roberta-tiny`, '--ids', row(rob, 1).join(','), '--json', '--backend', 'cpu');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    close(JSON.parse(r.out).logits, rob.logits[1]);
  });

  it('applies a PEFT adapter with its head, and a loralib file with --alpha', async () => {
    const peft = await run('classify', '--model', `${ROBERTA}roberta-tiny`, '--adapter', `${ROBERTA}peft-adapter`, '--ids', row(rob, 0).join(','), '--json', '--backend', 'cpu');
    close(JSON.parse(peft.out).logits, rob.peft.logits[0]);
    const lib = await run('classify', '--model', `${ROBERTA}roberta-tiny`, '--adapter', `${ROBERTA}loralib-adapter.bin`, '--alpha', '16', '--ids', row(rob, 2).join(','), '--backend', 'cpu');
    expect(lib.code).toBe(0);
    const printed = /logits: (.*)\n/.exec(lib.out)?.[1].split(' ').map(Number) ?? [];
    close(printed, rob.loralib.logits[2]);
    expect(lib.out).toMatch(/label: \d/);
  });

  it('tokenizes a sentence pair the way transformers does', async () => {
    const c = rob.tokenizer.pairs[0];
    const r = await run('classify', '--model', `${ROBERTA}roberta-tiny`, '--text', c.a, '--text-pair', c.b, '--json', '--backend', 'cpu');
    expect(JSON.parse(r.out).ids).toEqual(c.ids);
  });

  it('runs DeBERTa-v2 with a PEFT adapter (pooler and classifier from modules_to_save)', async () => {
    const r = await run('classify', '--model', `${DEBERTA}deberta-tiny`, '--adapter', `${DEBERTA}peft-adapter`, '--ids', row(deb, 2).join(','), '--json', '--backend', 'cpu');
    close(JSON.parse(r.out).logits, deb.peft.logits[2]);
  });

  it('explains bad command lines and files', async () => {
    expect((await run('classify', '--ids', '1,2')).err).toMatch(/--model is required/);
    expect((await run('classify', '--model', `${ROBERTA}roberta-tiny`)).err).toMatch(/exactly one of --ids and --text/);
    expect((await run('classify', '--model', `${ROBERTA}roberta-tiny`, '--ids', '1,x')).code).toBe(2);
    const missingAlpha = await run('classify', '--model', `${ROBERTA}roberta-tiny`, '--adapter', `${ROBERTA}loralib-adapter.bin`, '--ids', '0,2', '--backend', 'cpu');
    expect(missingAlpha.code).toBe(1);
    expect(missingAlpha.err).toMatch(/pass --alpha/);
    const noModel = await run('classify', '--model', ROBERTA, '--ids', '0,2', '--backend', 'cpu');
    expect(noModel.err).toMatch(/config\.json: cannot read/);
  });
});
