import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteLevelBpe } from '@lorats/tokenizers';
import { describe, expect, it } from 'vitest';
import { parseDartJson, parseDartXml, readDart } from './dart.js';
import { parseE2E, readE2E } from './e2e.js';
import { encodeExample } from './encode.js';
import { formatJsonl } from './formatted.js';
import { collate, FtBatcher, lmExample, queryOf } from './ft-dataset.js';
import { formatE2ELines, generateSyntheticE2E } from './synthetic-e2e.js';
import { parseWebNLGJson, parseWebNLGXml, readWebNLG } from './webnlg.js';
import { parseXml } from './xml.js';

const SHARED = new URL('../../../../../shared/data/', import.meta.url).pathname;

describe('E2E (format_converting_e2e.py)', () => {
  it('splits MR||text, drops the separator and the trailing space', () => {
    const text = 'name : Blue Spice | Type : coffee shop||A coffee shop called Blue Spice . \n\nname : X||Y . \n';
    expect(parseE2E(text)).toEqual([
      { context: 'name : Blue Spice | Type : coffee shop', completion: 'A coffee shop called Blue Spice .' },
      { context: 'name : X', completion: 'Y .' },
    ]);
    expect(formatJsonl(parseE2E(text)).split('\n')[0]).toBe('{"context":"name : Blue Spice | Type : coffee shop","completion":"A coffee shop called Blue Spice ."}');
  });

  it('names the file and line of a line without ||', () => {
    expect(() => parseE2E('a||b\nno separator\n', 'test.txt')).toThrow('test.txt:2: expected "MR||text"');
  });
});

const DART_JSON = JSON.stringify([
  {
    tripleset: [
      ['Mars Hill College', 'JOINED', '1973'],
      ['Mars Hill College', 'LOCATION', 'Mars Hill, North Carolina'],
    ],
    annotations: [
      { source: 'WikiSQL_decl_sents', text: 'A school from Mars Hill joined in 1973.' },
      { source: 'x', text: 'Second.' },
    ],
  },
]);
const DART_XML = `<?xml version='1.0' encoding='utf-8'?>
<benchmark><entries>
  <entry category="MISC" eid="Id1" size="2">
    <modifiedtripleset>
      <mtriple>Mars Hill College | JOINED | 1973</mtriple>
      <mtriple>Mars Hill College | LOCATION | Mars Hill, North Carolina</mtriple>
    </modifiedtripleset>
    <lex comment="WikiSQL_decl_sents" lid="Id1">A school from Mars Hill joined in 1973.</lex>
    <lex comment="x" lid="Id2">Second.</lex>
  </entry>
</entries></benchmark>`;

describe('DART (format_converting_dart.py)', () => {
  it('lowercases only the predicate and makes one example per annotation, from JSON and XML alike', () => {
    const fromJson = parseDartJson(DART_JSON);
    expect(fromJson).toEqual([
      { context: 'Mars Hill College : joined : 1973 | Mars Hill College : location : Mars Hill, North Carolina', completion: 'A school from Mars Hill joined in 1973.' },
      { context: 'Mars Hill College : joined : 1973 | Mars Hill College : location : Mars Hill, North Carolina', completion: 'Second.' },
    ]);
    expect(parseDartXml(DART_XML)).toEqual(fromJson);
  });

  it('rejects malformed entries with the file name', () => {
    expect(() => parseDartJson('[{"tripleset": [["a", "b"]], "annotations": []}]', 'd.json')).toThrow('d.json: entry 0 triple 0 is not [s, p, o]');
    expect(() => parseDartJson('{', 'd.json')).toThrow('d.json: not valid JSON');
  });
});

const WEBNLG_JSON = JSON.stringify({
  entries: [
    {
      '1': {
        category: 'Airport',
        modifiedtripleset: [{ subject: 'Aarhus', property: 'leaderName', object: 'Jacob_Bundsgaard' }],
        lexicalisations: [
          { comment: 'good', lex: 'The leader of Aarhus is Jacob Bundsgaard.' },
          { comment: 'toFix', lex: 'bad one' },
        ],
      },
    },
    {
      '2': {
        category: 'Artist',
        modifiedtripleset: [
          { subject: 'A', property: 'genre', object: 'Rock_music' },
          { subject: 'A', property: 'birthPlace', object: 'B' },
        ],
        lexicalisations: [{ comment: 'good', lex: 'A plays rock.' }],
      },
    },
  ],
});

describe('WebNLG (format_converting_webnlg.py)', () => {
  it('keeps good lexicalisations, properties as they are, and marks seen categories', () => {
    expect(parseWebNLGJson(WEBNLG_JSON)).toEqual([
      { context: 'Aarhus : leaderName : Jacob_Bundsgaard', completion: 'The leader of Aarhus is Jacob Bundsgaard.', cate: true, category: 'Airport' },
      { context: 'A : genre : Rock_music | A : birthPlace : B', completion: 'A plays rock.', cate: false, category: 'Artist' },
    ]);
    expect(formatJsonl(parseWebNLGJson(WEBNLG_JSON)).split('\n')[1]).toBe('{"context":"A : genre : Rock_music | A : birthPlace : B","completion":"A plays rock.","cate":false}');
  });

  it('reads the v1.4 XML layout (<lex><text>) and a split folder in corpus order', () => {
    const xml = (cat: string, subject: string) => `<?xml version="1.0" ?>
<benchmark><entries><entry category="${cat}" eid="Id1" size="1">
  <originaltripleset><otriple>x | y | z</otriple></originaltripleset>
  <modifiedtripleset><mtriple>${subject} | location | &quot;Madrid&quot;</mtriple></modifiedtripleset>
  <lex comment="good" lid="Id1"><sortedtripleset/><text>${subject} is in Madrid.</text><template>AGENT-1 is in PATIENT-1 .</template></lex>
  <lex comment="toFix" lid="Id2"><text>no</text></lex>
</entry></entries></benchmark>`;
    const dir = mkdtempSync(join(tmpdir(), 'webnlg-'));
    for (const [n, cat, s] of [[2, 'Airport', 'B'], [1, 'University', 'A2'], [1, 'Airport', 'A1']] as const) {
      mkdirSync(join(dir, `${n}triples`), { recursive: true });
      writeFileSync(join(dir, `${n}triples`, `${cat}.xml`), xml(cat, s));
    }
    expect(readWebNLG(dir).map((e) => e.context)).toEqual(['A1 : location : "Madrid"', 'A2 : location : "Madrid"', 'B : location : "Madrid"']);
    expect(parseWebNLGXml(xml('Artist', 'Q'))[0]).toEqual({ context: 'Q : location : "Madrid"', completion: 'Q is in Madrid.', cate: false, category: 'Artist' });
  });
});

describe('parseXml', () => {
  it('decodes entities and CDATA and reports the line of an error', () => {
    const root = parseXml('<?xml version="1.0"?>\n<!-- c -->\n<a x="1 &amp; 2"><b>&lt;&#65;&#x42;&apos;</b><![CDATA[<raw>]]></a>');
    expect(root.attributes.x).toBe('1 & 2');
    expect(root.children[0].text).toBe("<AB'");
    expect(root.text).toBe('<raw>');
    expect(() => parseXml('<a>\n<b>\n</a>', 'f.xml')).toThrow('f.xml:3: expected </b>');
    expect(() => parseXml('<a>&nope;</a>', 'f.xml')).toThrow('f.xml:1: unknown entity &nope;');
  });
});

describe('FT_Dataset semantics (data_utils.py)', () => {
  // E2E test[0], encoded as gpt2_encode.py does (reference §2.2).
  const ex = {
    context: [3672, 1058, 4518, 43537, 930, 5994, 1058, 6891, 6128, 930, 1989, 1058, 1748, 7372, 50256],
    completion: [317, 6891, 6128, 287, 262, 1748, 7372, 1989, 1444, 4518, 43537, 764, 50256],
  };

  it('takes the loss on exactly the completion tokens (the worked example of reference §2.3)', () => {
    const e = lmExample(ex, 512);
    expect(e.input).toHaveLength(28);
    expect(e.mask.map((m, i) => (m ? i : -1)).filter((i) => i >= 0)).toEqual(Array.from({ length: 13 }, (_, i) => 14 + i));
    expect([e.input[14], e.target[14]]).toEqual([50256, 317]);
    expect([e.input[26], e.target[26]]).toEqual([764, 50256]);
    const b = collate([e], 512, 512);
    expect(b.seqLength).toBe(512);
    expect(b.input[28]).toBe(0);
    expect(b.tokens).toBe(13);
  });

  it('truncates the input from the head and the query from the left', () => {
    const e = lmExample(ex, 20);
    expect(e.input).toEqual([...ex.context, ...ex.completion].slice(0, 20));
    expect(e.mask.reduce((a, b) => a + b, 0)).toBe(5);
    expect(queryOf(ex, 20, 8)).toEqual(ex.context.slice(-12));
    expect(queryOf(ex, 512, 64)).toEqual(ex.context);
    expect(lmExample(ex, 28, true).mask.every((m) => m === 1)).toBe(true);
  });

  it('pads the data set to whole batches with random examples and shuffles per epoch, deterministically', () => {
    const data = Array.from({ length: 10 }, (_, i) => ({ context: [i + 1, 99], completion: [i + 1, 98] }));
    const a = new FtBatcher(data, { batchSize: 4, maxSeqLength: 16, shuffle: true, seed: 110 });
    const b = new FtBatcher(data, { batchSize: 4, maxSeqLength: 16, shuffle: true, seed: 110 });
    expect(a.batchesPerEpoch).toBe(3);
    const order1 = a.epochOrder(1);
    expect(order1).toHaveLength(12);
    expect(new Set(order1.filter((i) => i < 10)).size).toBeGreaterThanOrEqual(8);
    expect(order1.every((i) => i >= 0 && i < 10)).toBe(true);
    expect(b.epochOrder(1)).toEqual(order1);
    expect(a.epochOrder(2)).not.toEqual(order1);
    expect(a.batchAtStep(4).input).toEqual(b.batch(2, 0).input);
    const plain = new FtBatcher(data, { batchSize: 4, maxSeqLength: 16, shuffle: false, seed: 1 });
    expect(plain.epochOrder(1).slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(plain.batch(1, 0).seqLength).toBe(8);
  });
});

describe('synthetic E2E-style data', () => {
  it('is deterministic, E2E-formatted, with disjoint MRs across splits', () => {
    const opts = { seed: 5, trainMrs: 40, validMrs: 8, testMrs: 8, refsPerMr: [2, 4] as const };
    const d = generateSyntheticE2E(opts);
    expect(generateSyntheticE2E(opts)).toEqual(d);
    const mrs = (xs: typeof d.train) => new Set(xs.map((e) => e.context));
    expect(mrs(d.train).size).toBe(40);
    for (const m of mrs(d.test)) expect(mrs(d.train).has(m)).toBe(false);
    for (const e of d.train) {
      expect(e.context).toMatch(/^name : [A-Z]/);
      expect(e.completion.endsWith(' .')).toBe(true);
    }
    expect(parseE2E(formatE2ELines(d.valid))).toEqual(d.valid);
  });
});

describe.skipIf(!existsSync(join(SHARED, 'gpt2', 'encoder.json')))('gpt2_encode.py with the GPT-2 vocabulary', () => {
  it('encodes E2E test[0] to the reference ids (context + [50256], " " + completion + [50256])', () => {
    const tok = ByteLevelBpe.fromFolder(join(SHARED, 'gpt2'));
    const [first] = readE2E(join(SHARED, 'e2e', 'test.txt'));
    const e = encodeExample(tok, first);
    expect(e.context).toEqual([3672, 1058, 4518, 43537, 930, 5994, 1058, 6891, 6128, 930, 1989, 1058, 1748, 7372, 50256]);
    expect(e.completion).toEqual([317, 6891, 6128, 287, 262, 1748, 7372, 1989, 1444, 4518, 43537, 764, 50256]);
  });
});

describe.skipIf(!existsSync(join(SHARED, 'e2e', 'test.txt')))('the real data sets (../shared/data)', () => {
  it('has the sizes of reference §3.1', () => {
    const test = readE2E(join(SHARED, 'e2e', 'test.txt'));
    expect(test).toHaveLength(4693);
    expect(new Set(test.map((e) => e.context)).size).toBe(630);
    const dart = readDart(join(SHARED, 'dart', 'dart-v1.1.1-full-dev.json'));
    expect(dart).toHaveLength(6980);
    expect(new Set(dart.map((e) => e.context)).size).toBe(2721);
    expect(readDart(join(SHARED, 'dart', 'dart-v1.1.1-full-test.xml'))).toHaveLength(12552);
    const fromJson = readWebNLG(join(SHARED, 'webnlg_challenge_2017', 'dev.json'));
    const fromXml = readWebNLG(join(SHARED, 'webnlg_v1.4_en', 'dev'));
    expect(fromJson).toHaveLength(2258);
    expect(fromJson.every((e) => e.cate)).toBe(true);
    // The same 870 entries: v1.4 edited the triples of two and left a few enriched texts empty (skipped).
    const jsonContexts = new Set(fromJson.map((e) => e.context));
    expect(new Set(fromXml.map((e) => e.context)).size).toBe(868);
    expect(fromXml.filter((e) => !jsonContexts.has(e.context)).length).toBeLessThan(10);
    expect(fromXml.length).toBeGreaterThan(2250);
    const test14 = readWebNLG(join(SHARED, 'webnlg_v1.4_en', 'test'));
    expect(new Set(test14.filter((e) => !e.cate).map((e) => e.category))).toEqual(new Set(['Artist', 'Athlete', 'CelestialBody', 'MeanOfTransportation', 'Politician']));
  });
});
