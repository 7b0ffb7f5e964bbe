import { parseArgs } from 'node:util';

/** Sizes of the full run: the figures the README and the brief talk about. */
const FULL = {
  reps: 3,
  // The figure most hurt by other tenants of a 2-core machine, and cheap.
  scalingReps: 5,
  startupReps: 10,
  settleReps: 3,
  throughputTasks: 100_000,
  latencyTasks: 20_000,
  latencyWarmup: 2_000,
  fibN: 27,
  fibTasks: 200,
  transferTasks: 2_000,
  transferBytes: 1024 * 1024,
  transferInFlight: 16,
  processTasks: 50_000,
  crashDeadlineMs: 5_000,
  trialTimeoutMs: 60_000,
};

/** A smoke run: every code path once, in seconds rather than minutes. */
const QUICK = {
  ...FULL,
  reps: 1,
  scalingReps: 1,
  startupReps: 3,
  settleReps: 1,
  throughputTasks: 5_000,
  latencyTasks: 1_000,
  latencyWarmup: 200,
  fibN: 24,
  fibTasks: 40,
  transferTasks: 200,
  processTasks: 2_000,
  trialTimeoutMs: 20_000,
};

const SCENARIO_IDS = ['throughput', 'latency', 'scaling', 'transfer', 'startup', 'process', 'settle', 'robustness'];

const USAGE = `usage: node bench/run.mjs [--quick] [--json out.json] [--only id,id]
  --quick        fewer tasks and one repetition: a smoke run
  --json FILE    also write the raw figures (every repetition) to FILE
  --only IDS     run only these scenarios, comma-separated:
                 ${SCENARIO_IDS.join(', ')}`;

/** Reads the command line; prints usage and exits on a bad flag. */
export function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const only = values.only ? new Set(values.only.split(',').map((id) => id.trim())) : null;
  const unknown = [...(only ?? [])].filter((id) => !SCENARIO_IDS.includes(id));
  if (unknown.length > 0) {
    console.error(`unknown scenario: ${unknown.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  return {
    quick: values.quick,
    jsonPath: values.json,
    only,
    sizes: values.quick ? QUICK : FULL,
  };
}
