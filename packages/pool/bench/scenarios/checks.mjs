/**
 * Every scenario checks the answers it gets back, after the clock has stopped:
 * a pool that is fast because it drops or mangles results must not win.
 */

/** `results[i]` must be `i`: each echo task is sent its own index. */
export function expectEcho(results) {
  results.forEach((result, i) => {
    if (result !== i) throw new Error(`echo task ${i} returned ${String(result)}`);
  });
}

export function expectEach(results, expected, what) {
  for (const result of results) {
    if (result !== expected) throw new Error(`${what} returned ${String(result)}, expected ${expected}`);
  }
}
