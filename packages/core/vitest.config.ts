import { onBothBackends } from '../../vitest.shared.ts';

// The suite runs on tfjs cpu and on the torch backend (test/setup.ts switches to the one each project names).
export default onBothBackends({ test: { setupFiles: ['./test/setup.ts'] } });
