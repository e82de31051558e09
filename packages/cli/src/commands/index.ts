// Every `lorats` subcommand, in the order `lorats --help` lists them. Add one line per command.
import type { Command } from '../command.js';
import { classify } from './classify.js';
import { convert } from './convert.js';
import { e2eMetrics } from './e2e-metrics.js';
import { generate } from './generate.js';
import { inspect } from './inspect.js';
import { perplexity } from './perplexity.js';
import { sacrebleu } from './sacrebleu.js';
import { webnlgEval } from './webnlg-eval.js';

export const COMMANDS: readonly Command[] = [
  inspect,
  convert,
  sacrebleu,
  e2eMetrics,
  webnlgEval,
  classify,
  perplexity,
  generate,
];
