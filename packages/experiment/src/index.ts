export { defineExperiment, mergeConfig, applyOverrides, splitOverrideArgs, ConfigError } from './config.js';
export type { DeepPartial, Json, Experiment, Override } from './config.js';
export { Rng, deriveSeed } from './rng.js';
export { lrLambda, learningRate } from './schedule.js';
export type { ScheduleKind, ScheduleOptions } from './schedule.js';
export { AdamW } from './adamw.js';
export type { AdamWOptions, AdamWState } from './adamw.js';
export { clipGradNorm } from './clip.js';
export { ProgressBar, formatDuration } from './progress.js';
export type { ProgressOptions, ProgressUpdate } from './progress.js';
export { lossCurveSvg, niceTicks } from './loss-curve-svg.js';
export type { CurveSeries, CurveOptions } from './loss-curve-svg.js';
export { RUN_RECORD_SCHEMA, parseRunRecord, readRunRecord, writeRunRecord, runRecordPath, RunRecordError } from './run-record.js';
export type { RunRecord, RunInputs, RunEnvironment, RunTraining } from './run-record.js';
export { gitInfo, packageVersions, runEnvironment } from './environment.js';
export { writeFileAtomicSync } from './files.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  loadLatestCheckpoint,
  listCheckpoints,
  checkpointPath,
  toHostTensor,
  fromHostTensor,
} from './checkpoint.js';
export type { TrainingCheckpoint } from './checkpoint.js';
export { runTrainingLoop } from './train-loop.js';
export type { TrainLoopOptions, TrainLoopResult } from './train-loop.js';
