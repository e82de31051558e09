// Runs this package's test files on the GPU machine without vitest (esbuild aliases 'vitest' to vitest-shim.ts).
// LORATS_TEST_DEVICE picks the device (cuda:0 there). Writes a JSON report and prints `N passed, N failed`.
import { writeFileSync } from 'node:fs';

import { runCollected } from './vitest-shim.js';

await import('../../test/conformance.test.js');
await import('../../test/fused.test.js');
await import('../../test/backend.test.js');

const out = process.argv[2];
const t0 = performance.now();
const results = await runCollected((line) => console.log(line));
const count = (s: string) => results.filter((r) => r.status === s).length;
const summary = { device: process.env.LORATS_TEST_DEVICE ?? 'cpu', seconds: (performance.now() - t0) / 1000, passed: count('passed'), failed: count('failed'), skipped: count('skipped') };
if (out) writeFileSync(out, `${JSON.stringify({ ...summary, results }, null, 1)}\n`);
console.log(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped (${summary.seconds.toFixed(1)} s on ${summary.device})`);
process.exitCode = summary.failed > 0 ? 1 : 0;
