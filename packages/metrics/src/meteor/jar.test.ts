import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMeteorJar } from './jar.js';
import { Meteor } from './scorer.js';
import { corpus } from '../../test/fixtures.js';

describe('runMeteorJar', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorats-jar-'));
  // A stand-in for `java` that records its arguments and input files and answers like METEOR's plaintext mode.
  const fakeJava = join(dir, 'java');
  writeFileSync(
    fakeJava,
    `#!/usr/bin/env node
const fs = require('fs');
const a = process.argv.slice(2);
fs.writeFileSync(${JSON.stringify(join(dir, 'seen.json'))}, JSON.stringify({ args: a, hyp: fs.readFileSync(a[3], 'utf8'), ref: fs.readFileSync(a[4], 'utf8') }));
console.log('Segment 1 score:\\t0.25\\nSegment 2 score:\\t0.75\\n\\nFinal score:            0.5');
`,
  );
  chmodSync(fakeJava, 0o755);
  writeFileSync(join(dir, 'meteor-1.5.jar'), '');

  it('pads references with the first one and reads segment and final scores', () => {
    const r = runMeteorJar(['a b', 'c'], [['a b', 'x'], ['c']], { jar: join(dir, 'meteor-1.5.jar'), java: fakeJava });
    expect(r).toEqual({ score: 0.5, segments: [0.25, 0.75] });
    const seen = JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8')) as { args: string[]; hyp: string; ref: string };
    expect(seen.args.slice(0, 3)).toEqual(['-Xmx2G', '-jar', join(dir, 'meteor-1.5.jar')]);
    expect(seen.args.slice(5)).toEqual(['-l', 'en', '-norm', '-r', '2']);
    expect(seen.hyp).toBe('a b\nc\n');
    expect(seen.ref).toBe('a b\nx\nc\nc\n');
  });
  it('explains a missing jar or Java', () => {
    expect(() => runMeteorJar(['a'], [['a']], { jar: join(dir, 'nope.jar') })).toThrow(/METEOR jar not found/);
    expect(() => runMeteorJar(['a'], [['a']], { jar: join(dir, 'meteor-1.5.jar'), java: join(dir, 'no-java') })).toThrow(/needs Java/);
  });

  // With LORATS_METEOR_JAR pointing at a METEOR 1.5 jar, compare it with our METEOR on the same modules.
  const jar = process.env.LORATS_METEOR_JAR;
  it.skipIf(!jar || !existsSync(jar))('agrees with a real METEOR 1.5 jar (exact, stem, synonym)', () => {
    const k = corpus('e2e-raw');
    const refs = k.hyps.map((_h, i) => k.streams.map((s) => s[i]).filter((x): x is string => x !== null));
    const real = runMeteorJar(k.hyps, refs, { jar: jar as string, extraArgs: ['-m', 'exact stem synonym', '-w', '1.0 0.6 0.8'] });
    const ours = new Meteor().corpusScore(k.hyps, refs);
    expect(Math.abs(real.score - ours.score)).toBeLessThanOrEqual(1e-12);
  });
});
