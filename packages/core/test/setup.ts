// vitest setup: run the suite on the backend LORATS_TEST_BACKEND names (cpu by default; torch for conformance),
// with repeatable randomness in every test file.
import { seedTestRandomness, setupTestBackend } from '@lorats/testing';
import { manualSeed } from '../src/index.js';

seedTestRandomness();
manualSeed(20260101);
await setupTestBackend();
