// Just enough of vitest's API (describe/it/each/skipIf/hooks/expect) to run this package's test files on the GPU
// machine from one esbuild bundle, where vitest itself is not installed. Used only by device-runner.ts.
type Fn = () => unknown;

interface TestCase {
  name: string;
  fn: Fn;
  skip: boolean;
  befores: Fn[];
}

const tests: TestCase[] = [];
const stack: { name: string; skip: boolean; beforeAll: Fn[]; beforeEach: Fn[]; ranBeforeAll: boolean }[] = [];

function fullName(name: string): string {
  return [...stack.map((s) => s.name), name].join(' > ');
}

function format(title: string, args: readonly unknown[]): string {
  let i = 0;
  return title.replace(/%[sjdi]/g, () => {
    const v = args[i++];
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

function makeDescribe(skip: boolean) {
  return (name: string, fn: () => void): void => {
    const parentSkip = stack.some((s) => s.skip);
    stack.push({ name, skip: skip || parentSkip, beforeAll: [], beforeEach: [], ranBeforeAll: false });
    fn();
    stack.pop();
  };
}

function makeIt(skip: boolean) {
  return (name: string, fn: Fn = () => undefined): void => {
    const frames = stack.slice();
    const skipped = skip || frames.some((s) => s.skip);
    const befores: Fn[] = [];
    // beforeAll once per describe (first test), beforeEach every test
    for (const f of frames) {
      befores.push(() => {
        if (!f.ranBeforeAll) {
          f.ranBeforeAll = true;
          return f.beforeAll.reduce<Promise<unknown>>((p, h) => p.then(() => h()), Promise.resolve());
        }
        return undefined;
      });
      for (const h of f.beforeEach) befores.push(h);
    }
    tests.push({ name: fullName(name), fn, skip: skipped, befores });
  };
}

type Each = <T extends readonly unknown[] | unknown>(rows: readonly T[]) => (title: string, fn: (...args: never[]) => unknown) => void;

function withEach(base: (name: string, fn?: Fn) => void): Each {
  return (rows) => (title, fn) => {
    for (const row of rows) {
      const args = Array.isArray(row) ? row : [row];
      base(format(title, args), () => (fn as (...a: unknown[]) => unknown)(...args));
    }
  };
}

const baseIt = makeIt(false);
export const it = Object.assign(baseIt, {
  skip: makeIt(true),
  each: withEach(baseIt),
  skipIf: (cond: boolean) => Object.assign(makeIt(cond), { each: withEach(makeIt(cond)) }),
  runIf: (cond: boolean) => Object.assign(makeIt(!cond), { each: withEach(makeIt(!cond)) }),
});
export const test = it;
export const describe = Object.assign(makeDescribe(false), {
  skip: makeDescribe(true),
  skipIf: (cond: boolean) => makeDescribe(cond),
  runIf: (cond: boolean) => makeDescribe(!cond),
});
export function beforeAll(fn: Fn): void {
  stack[stack.length - 1]?.beforeAll.push(fn);
}
export function beforeEach(fn: Fn): void {
  stack[stack.length - 1]?.beforeEach.push(fn);
}

// ---- expect ------------------------------------------------------------------------------------------------------

class AssertionError extends Error {
  override name = 'AssertionError';
}

function show(v: unknown): string {
  if (v instanceof Set) return `Set(${JSON.stringify([...v])})`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${JSON.stringify(Array.from(v as unknown as ArrayLike<number>))})`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((x) => [...b].some((y) => equal(x, y)));
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return equal(Array.from(a as unknown as ArrayLike<number>), Array.from(b as unknown as ArrayLike<number>));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

function throwsMatching(e: unknown, expected?: RegExp | string): boolean {
  if (expected === undefined) return true;
  const msg = e instanceof Error ? e.message : String(e);
  return typeof expected === 'string' ? msg.includes(expected) : expected.test(msg);
}

function matchers(actual: unknown, label: string | undefined, negate: boolean) {
  const check = (ok: boolean, what: string): void => {
    if (ok === negate) throw new AssertionError(`${label ? `${label}: ` : ''}expected ${show(actual)} ${negate ? 'not ' : ''}${what}`);
  };
  const num = (): number => actual as number;
  return {
    toBe: (e: unknown) => check(Object.is(actual, e), `to be ${show(e)}`),
    toEqual: (e: unknown) => check(equal(actual, e), `to equal ${show(e)}`),
    toStrictEqual: (e: unknown) => check(equal(actual, e), `to equal ${show(e)}`),
    toBeDefined: () => check(actual !== undefined, 'to be defined'),
    toBeUndefined: () => check(actual === undefined, 'to be undefined'),
    toBeTruthy: () => check(Boolean(actual), 'to be truthy'),
    toBeFalsy: () => check(!actual, 'to be falsy'),
    toBeInstanceOf: (c: new (...a: never[]) => unknown) => check(actual instanceof c, `to be an instance of ${c.name}`),
    toBeGreaterThan: (n: number) => check(num() > n, `to be > ${n}`),
    toBeGreaterThanOrEqual: (n: number) => check(num() >= n, `to be >= ${n}`),
    toBeLessThan: (n: number) => check(num() < n, `to be < ${n}`),
    toBeLessThanOrEqual: (n: number) => check(num() <= n, `to be <= ${n}`),
    toBeCloseTo: (n: number, digits = 2) => check(Math.abs(num() - n) < 10 ** -digits / 2, `to be close to ${n} (${digits} digits)`),
    toHaveLength: (n: number) => check((actual as { length: number }).length === n, `to have length ${n}`),
    toContain: (x: unknown) => check((actual as { includes(v: unknown): boolean }).includes(x), `to contain ${show(x)}`),
    toMatch: (r: RegExp | string) => check(typeof actual === 'string' && (typeof r === 'string' ? actual.includes(r) : r.test(actual)), `to match ${String(r)}`),
    toThrow: (expected?: RegExp | string) => {
      let thrown: unknown;
      let did = false;
      try {
        (actual as () => unknown)();
      } catch (e) {
        did = true;
        thrown = e;
      }
      check(did && throwsMatching(thrown, expected), `to throw ${expected ?? ''} (got ${did ? String(thrown) : 'no error'})`);
    },
  };
}

export function expect(actual: unknown, label?: string) {
  return Object.assign(matchers(actual, label, false), {
    not: matchers(actual, label, true),
    rejects: {
      toThrow: async (expected?: RegExp | string) => {
        try {
          await (actual as Promise<unknown>);
        } catch (e) {
          if (!throwsMatching(e, expected)) throw new AssertionError(`${label ?? ''} rejected with "${String(e)}", expected ${String(expected)}`);
          return;
        }
        throw new AssertionError(`${label ?? ''} expected a rejection`);
      },
    },
  });
}
expect.fail = (message: string): never => {
  throw new AssertionError(message);
};

/** Runs every collected test in order; returns per-test results. */
export async function runCollected(log: (line: string) => void): Promise<{ name: string; status: 'passed' | 'failed' | 'skipped'; ms: number; error?: string }[]> {
  const results = [];
  for (const t of tests) {
    if (t.skip) {
      results.push({ name: t.name, status: 'skipped' as const, ms: 0 });
      continue;
    }
    const t0 = performance.now();
    try {
      for (const b of t.befores) await b();
      await t.fn();
      results.push({ name: t.name, status: 'passed' as const, ms: performance.now() - t0 });
    } catch (e) {
      const error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
      results.push({ name: t.name, status: 'failed' as const, ms: performance.now() - t0, error });
      log(`FAIL ${t.name}: ${error.split('\n')[0]}`);
    }
  }
  return results;
}
