// Typed errors: every one names the file, and the tensor or entry key when there is one.

/** Base class of every error this package throws for a bad file or a failed write. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
  /** The file (or folder) the problem is in. */
  readonly file: string;
  /** The tensor name, zip entry or config field, when the problem is in one. */
  readonly key?: string;
  /** The problem, without the file and key. */
  readonly problem: string;

  constructor(file: string, problem: string, options: { key?: string; cause?: unknown } = {}) {
    super(`${file}${options.key !== undefined ? ` (${options.key})` : ''}: ${problem}`, { cause: options.cause });
    this.file = file;
    this.key = options.key;
    this.problem = problem;
  }
}

/** The file is damaged or is not what it claims to be: bad magic, malformed header, offsets out of range. */
export class CorruptCheckpointError extends CheckpointError {
  override name = 'CorruptCheckpointError';
}

/** The file ends before the data its header or structure points to. */
export class TruncatedCheckpointError extends CorruptCheckpointError {
  override name = 'TruncatedCheckpointError';
}

/** A dtype the file declares that this package cannot represent (e.g. `F8_E4M3`, `ComplexFloatStorage`). */
export class UnsupportedDTypeError extends CheckpointError {
  override name = 'UnsupportedDTypeError';
  readonly dtype: string;
  constructor(file: string, dtype: string, options: { key?: string } = {}) {
    super(file, `unsupported dtype "${dtype}"`, options);
    this.dtype = dtype;
  }
}

/** A pickle refers to a Python global outside the state-dict allow-list; nothing from the file is run. */
export class UnsafePickleError extends CheckpointError {
  override name = 'UnsafePickleError';
  /** The refused global, `module.name` (e.g. `os.system`). */
  readonly global: string;
  constructor(file: string, global: string, options: { key?: string } = {}) {
    super(file, `refusing pickle global "${global}": only what a PyTorch state dict needs is allowed`, options);
    this.global = global;
  }
}

/** Something the format requires is absent: `data.pkl` in a torch zip, a tensor name, an adapter file. */
export class MissingEntryError extends CheckpointError {
  override name = 'MissingEntryError';
}

/** The file format is not recognised, or is a variant this package does not read (e.g. pre-0.4 tar checkpoints). */
export class UnsupportedFormatError extends CheckpointError {
  override name = 'UnsupportedFormatError';
}

/** The tensors or config handed to a writer are invalid (shape/data mismatch, bad name); nothing was written. */
export class InvalidTensorError extends CheckpointError {
  override name = 'InvalidTensorError';
}
