// Every experiment, by id (its path under experiments/). Generated list: add a line per new experiment file.
import type { Experiment } from '@lorats/experiment';
import type { NluConfig } from '../defaults.js';
import debertaV2XxlargeCola from './deberta-v2-xxlarge/cola.js';
import debertaV2XxlargeMnli from './deberta-v2-xxlarge/mnli.js';
import debertaV2XxlargeMrpc from './deberta-v2-xxlarge/mrpc.js';
import debertaV2XxlargeQnli from './deberta-v2-xxlarge/qnli.js';
import debertaV2XxlargeQqp from './deberta-v2-xxlarge/qqp.js';
import debertaV2XxlargeRte from './deberta-v2-xxlarge/rte.js';
import debertaV2XxlargeSst2 from './deberta-v2-xxlarge/sst2.js';
import debertaV2XxlargeStsb from './deberta-v2-xxlarge/stsb.js';
import robertaBaseCola from './roberta-base/cola.js';
import robertaBaseMnli from './roberta-base/mnli.js';
import robertaBaseMrpc from './roberta-base/mrpc.js';
import robertaBaseQnli from './roberta-base/qnli.js';
import robertaBaseQqp from './roberta-base/qqp.js';
import robertaBaseRte from './roberta-base/rte.js';
import robertaBaseSst2 from './roberta-base/sst2.js';
import robertaBaseStsb from './roberta-base/stsb.js';
import robertaLargeCola from './roberta-large/cola.js';
import robertaLargeMnli from './roberta-large/mnli.js';
import robertaLargeMrpc from './roberta-large/mrpc.js';
import robertaLargeQnli from './roberta-large/qnli.js';
import robertaLargeQqp from './roberta-large/qqp.js';
import robertaLargeRte from './roberta-large/rte.js';
import robertaLargeSst2 from './roberta-large/sst2.js';
import robertaLargeStsb from './roberta-large/stsb.js';
import tinyCola from './tiny/cola.js';
import tinyMnli from './tiny/mnli.js';
import tinyMrpc from './tiny/mrpc.js';
import tinyQnli from './tiny/qnli.js';
import tinyQqp from './tiny/qqp.js';
import tinyRte from './tiny/rte.js';
import tinySst2 from './tiny/sst2.js';
import tinyStsb from './tiny/stsb.js';

/** Experiments by id, e.g. `roberta-base/rte`. */
export const EXPERIMENTS: ReadonlyMap<string, Experiment<NluConfig>> = new Map(
  [debertaV2XxlargeCola, debertaV2XxlargeMnli, debertaV2XxlargeMrpc, debertaV2XxlargeQnli, debertaV2XxlargeQqp, debertaV2XxlargeRte, debertaV2XxlargeSst2, debertaV2XxlargeStsb, robertaBaseCola, robertaBaseMnli, robertaBaseMrpc, robertaBaseQnli, robertaBaseQqp, robertaBaseRte, robertaBaseSst2, robertaBaseStsb, robertaLargeCola, robertaLargeMnli, robertaLargeMrpc, robertaLargeQnli, robertaLargeQqp, robertaLargeRte, robertaLargeSst2, robertaLargeStsb, tinyCola, tinyMnli, tinyMrpc, tinyQnli, tinyQqp, tinyRte, tinySst2, tinyStsb].map((e) => [e.id, e]),
);
