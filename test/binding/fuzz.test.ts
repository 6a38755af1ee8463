import { runFixture } from '../helpers/dist.js';

// Random calls on the native handle (test/fixtures/binding-fuzz.js): wrong
// arguments, getters that detach, resize, dispose and collect, shared and
// resizable buffers, calls out of order. A fixed seed and call count here;
// ARIADNE_FUZZ_SEED and ARIADNE_FUZZ_CALLS run others (ARIADNE_FUZZ_TRACE=1
// makes the fixture print each call, to find one that crashes).
const seed = Number(process.env.ARIADNE_FUZZ_SEED ?? 1);
const calls = Number(process.env.ARIADNE_FUZZ_CALLS ?? 1500);
const timeoutMs = Math.max(120_000, calls * 100);

describe('the native binding under random calls', () => {
  test(
    `throws only TypeError, RangeError or ERR_INVALID_STATE, and never crashes (seed ${seed}, ${calls} calls)`,
    () => {
      const child = runFixture('binding-fuzz.js', [String(seed), String(calls)], timeoutMs);
      console.log(`binding fuzz, seed ${seed}, ${calls} calls: ${child.stdout.trim() || '(no summary)'}`);
      expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    },
    timeoutMs + 10_000,
  );
});
