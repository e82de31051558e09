// BLEU + chrF + TER on a 10,000-segment corpus: @lorats/metrics against sacrebleu on the same machine. Both run
// the same corpus (written to a temp folder for Python), timed from raw strings to the corpus score (tokenization
// included), median of several rounds; the record also checks that the scores agree.
//
//   node --conditions=@lorats/source --import tsx apps/bench/src/metrics.ts
//     [--segments 10000] [--rounds 3] [--python python3] [--sacrebleu PATH] [--stubs PATH] [--out FILE]
//
// --sacrebleu/--stubs put a sacrebleu source checkout (and stub modules for its optional imports) on PYTHONPATH
// when sacrebleu is not installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Bleu, Chrf, SACREBLEU_VERSION, Ter } from '@lorats/metrics';

import { intFlag, readFlags, stringFlag } from './args.js';
import { median, writeRecord } from './record.js';
import { metricsCorpus } from './metrics-corpus.js';

const flags = readFlags(process.argv.slice(2), { segments: 'string', rounds: 'string', python: 'string', sacrebleu: 'string', stubs: 'string', out: 'string' });
const segments = intFlag(flags, 'segments', 10000);
const rounds = intFlag(flags, 'rounds', 3);
const { hyps, refs } = metricsCorpus(segments, 20240611);

type Timed = { ms: number; score: number };

function time(run: () => number): Timed {
  let score = run(); // warm-up
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    score = run();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), score };
}

const ours = {
  bleu: time(() => new Bleu().corpusScore(hyps, [refs]).score),
  chrf: time(() => new Chrf().corpusScore(hyps, [refs]).score),
  ter: time(() => new Ter().corpusScore(hyps, [refs]).score),
};

// The same work in Python, timed inside the interpreter (imports excluded).
const PY = `
import sys, time, statistics
from sacrebleu.metrics import BLEU, CHRF, TER
import sacrebleu
hyps = open(sys.argv[1], encoding='utf-8').read().split('\\n')[:-1]
refs = open(sys.argv[2], encoding='utf-8').read().split('\\n')[:-1]
rounds = int(sys.argv[3])
out = {'version': sacrebleu.__version__, 'python': sys.version.split()[0]}
for name, cls in (('bleu', BLEU), ('chrf', CHRF), ('ter', TER)):
    score = cls().corpus_score(hyps, [refs]).score
    ms = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        score = cls().corpus_score(hyps, [refs]).score
        ms.append((time.perf_counter() - t0) * 1000)
    out[name] = {'ms': statistics.median(ms), 'score': score}
import json
print(json.dumps(out))
`;

function runSacrebleu(): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'lorats-bench-metrics-'));
  try {
    writeFileSync(join(dir, 'hyp.txt'), hyps.map((h) => `${h}\n`).join(''));
    writeFileSync(join(dir, 'ref.txt'), refs.map((r) => `${r}\n`).join(''));
    writeFileSync(join(dir, 'bench.py'), PY);
    const paths = [stringFlag(flags, 'stubs'), stringFlag(flags, 'sacrebleu'), process.env.PYTHONPATH].filter((p): p is string => !!p);
    const run = spawnSync(stringFlag(flags, 'python') ?? 'python3', [join(dir, 'bench.py'), join(dir, 'hyp.txt'), join(dir, 'ref.txt'), String(rounds)], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: paths.join(delimiter) },
      maxBuffer: 1 << 24,
    });
    if (run.status !== 0) return { available: false, error: (run.error?.message ?? run.stderr).trim().split('\n').slice(-1)[0] };
    return { available: true, ...(JSON.parse(run.stdout) as Record<string, unknown>) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sacre = runSacrebleu();
const comparison: Record<string, unknown> = {};
if (sacre.available) {
  for (const m of ['bleu', 'chrf', 'ter'] as const) {
    const s = sacre[m] as Timed;
    comparison[m] = { speedup: s.ms / ours[m].ms, scoreDifference: Math.abs(s.score - ours[m].score) };
  }
  const total = (t: Record<string, Timed>) => t.bleu.ms + t.chrf.ms + t.ter.ms;
  comparison.total = { speedup: total(sacre as unknown as Record<string, Timed>) / total(ours) };
}
const wordsPerSegment = hyps.reduce((a, h) => a + h.split(' ').length, 0) / hyps.length;
const path = writeRecord(
  'metrics',
  {
    corpus: { segments, references: 1, meanWordsPerSegment: wordsPerSegment, generator: 'apps/bench/src/metrics-corpus.ts (seed 20240611)' },
    rounds,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAverage1m: loadavg()[0] },
    lorats: { emulates: `sacrebleu ${SACREBLEU_VERSION}`, ...ours },
    sacrebleu: sacre,
    comparison,
  },
  stringFlag(flags, 'out'),
);
console.log(JSON.stringify({ lorats: ours, sacrebleu: sacre, comparison }, null, 1));
console.log(`wrote ${path}`);
