import { median, withTimeout } from './measure.mjs';
import { note } from './notes.mjs';

/** How long close() may take before it is reported as hung and abandoned. */
const CLOSE_DEADLINE_MS = 5_000;

/**
 * Opens a pool, hands it to `use`, and always closes it, so no scenario leaks
 * workers into the next one. `use` is cut off after `trialTimeoutMs`: a pool
 * that stops answering costs that library its row, not the whole run.
 */
export async function withPool(library, config, use, { trialTimeoutMs }) {
  const pool = library.open(config);
  try {
    return await withTimeout(use(pool), trialTimeoutMs, `${library.name}: the trial`);
  } finally {
    await closeOrNote(library, pool);
  }
}

async function closeOrNote(library, pool) {
  try {
    await withTimeout(Promise.resolve(pool.close()), CLOSE_DEADLINE_MS, `${library.name}: close()`);
  } catch (error) {
    note(error.message);
  }
}

/**
 * Runs a scenario's trial `rounds` times per library. Libraries take turns
 * within each round, so slow drift in the load of a shared machine falls on all
 * of them alike rather than on whichever ran last. The first `warmupRounds`
 * are run and dropped. A library that fails once keeps its error and is not
 * tried again in that scenario.
 */
export async function runScenario(scenario, libraries, sizes) {
  const warmupRounds = scenario.warmupRounds ?? 0;
  const rounds = scenario.rounds(sizes) + warmupRounds;
  const outcomes = new Map(libraries.map((library) => [library.name, initialOutcome(scenario, library)]));
  for (let round = 0; round < rounds; round++) {
    for (const library of libraries) {
      const outcome = outcomes.get(library.name);
      if (outcome.reason) continue;
      try {
        const sample = await scenario.trial(library, sizes);
        if (round >= warmupRounds) outcome.samples.push(sample);
      } catch (error) {
        outcome.reason = `failed: ${error.message}`;
      }
    }
  }
  for (const outcome of outcomes.values()) outcome.values = summarize(outcome.samples);
  return outcomes;
}

function initialOutcome(scenario, library) {
  let reason = null;
  if (library.unavailable) reason = `unavailable: ${library.unavailable}`;
  else if (!library.kinds.includes(scenario.kind)) reason = `has no ${scenario.kind} pool`;
  return { reason, samples: [], values: {} };
}

/** Median of each numeric figure across samples; other figures from the first sample. */
function summarize(samples) {
  const values = {};
  for (const key of Object.keys(samples[0] ?? {})) {
    const figures = samples.map((sample) => sample[key]);
    values[key] = figures.every((figure) => typeof figure === 'number') ? median(figures) : figures[0];
  }
  return values;
}
