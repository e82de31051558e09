import { describe, expect, it } from 'vitest';
import { pyNumber, pythonJsonDumps } from './python-json.js';

describe('pythonJsonDumps', () => {
  it('matches json.dumps(indent=2, sort_keys=True) from CPython 3', () => {
    const value = {
      r: 8,
      lora_alpha: 16,
      lora_dropout: 0.05,
      eps: 1e-5,
      small: 0.0001,
      neg: -2.5e-7,
      target_modules: ['query', 'value'],
      modules_to_save: null,
      rank_pattern: {},
      list_empty: [],
      uni: 'é"\\\n\x7f😀',
      nested: { b: [1, { a: true }], a: false },
    };
    // printed by: python3 -c "import json; print(repr(json.dumps(v, indent=2, sort_keys=True)))"
    expect(pythonJsonDumps(value)).toBe(
      '{\n  "eps": 1e-05,\n  "list_empty": [],\n  "lora_alpha": 16,\n  "lora_dropout": 0.05,\n  "modules_to_save": null,\n  "neg": -2.5e-07,\n  "nested": {\n    "a": false,\n    "b": [\n      1,\n      {\n        "a": true\n      }\n    ]\n  },\n  "r": 8,\n  "rank_pattern": {},\n  "small": 0.0001,\n  "target_modules": [\n    "query",\n    "value"\n  ],\n  "uni": "\\u00e9\\"\\\\\\n\\u007f\\ud83d\\ude00"\n}',
    );
  });

  it('prints integral values of float fields with .0', () => {
    expect(pythonJsonDumps({ lora_dropout: 0, r: 8, nested: { lora_dropout: [1, 0.5] } }, { floatKeys: ['lora_dropout'] })).toBe(
      '{\n  "lora_dropout": 0.0,\n  "nested": {\n    "lora_dropout": [\n      1.0,\n      0.5\n    ]\n  },\n  "r": 8\n}',
    );
  });

  it('prints floats like repr(float)', () => {
    expect([1e-5, 0.0001, 123456789.123, 1.5e-300, 0.1 + 0.2, -0.5].map(pyNumber)).toEqual(['1e-05', '0.0001', '123456789.123', '1.5e-300', '0.30000000000000004', '-0.5']);
  });
});
