// Every table `nx run results:tables` renders, in the order of results/tables/README.md.
import type { TableSpec } from '../spec.js';
import paperTable2Glue from './paper-table2-glue.js';
import paperTable3E2e from './paper-table3-e2e.js';
import paperGpt2DartWebnlg from './paper-gpt2-dart-webnlg.js';
import loralibReadmeGlue from './loralib-readme-glue.js';
import loralibReadmeGpt2 from './loralib-readme-gpt2.js';

export const TABLES: readonly TableSpec[] = [paperTable2Glue, paperTable3E2e, paperGpt2DartWebnlg, loralibReadmeGlue, loralibReadmeGpt2];
