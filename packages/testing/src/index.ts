export { expectTensorsClose, maxAbsDiff } from './expect-close.js';
export type { CloseOptions, HostTensor, NestedNumbers, TensorLike } from './expect-close.js';
export { fixtureHostTensor, fixtureTensor, loadFixture } from './fixtures.js';
export type { FixtureCase, FixtureFile, FixtureTensor } from './fixtures.js';
export { expectNoTensorLeak } from './memory.js';
export { seedTestRandomness, setupTestBackend } from './backend.js';
export { FUSED_KERNEL_NAMES, registerReferenceKernels } from './reference-kernels.js';
