// vitest setup: run the suite on the backend LORATS_TEST_BACKEND names (cpu by default; torch for conformance).
import { setupTestBackend } from '@lorats/testing';

await setupTestBackend();
