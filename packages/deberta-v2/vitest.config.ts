import { onBothBackends } from '../../vitest.shared.ts';

// The model tests run on tfjs cpu and on the torch backend (setupTestBackend switches to the one each project names).
export default onBothBackends();
