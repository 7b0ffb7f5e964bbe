// The benchmark suite: drove against piscina, tinypool and poolifier, side by
// side in one process. `node bench/run.mjs --help` lists the flags; README.md
// says what each scenario measures and how to read the tables.
import { writeFileSync } from 'node:fs';
import { loadLibraries } from './lib/libraries.mjs';
import { msSince, now } from './lib/measure.mjs';
import { allNotes, note, setNoteContext } from './lib/notes.mjs';
import { parseOptions } from './lib/options.mjs';
import { describeMachine, renderLoad, renderMachine, renderScenario, renderSummary } from './lib/report.mjs';
import { runScenario } from './lib/trials.mjs';
import latency from './scenarios/latency.mjs';
import processKind from './scenarios/process.mjs';
import robustness from './scenarios/robustness.mjs';
import scaling from './scenarios/scaling.mjs';
import settle from './scenarios/settle.mjs';
import startup from './scenarios/startup.mjs';
import throughput from './scenarios/throughput.mjs';
import transfer from './scenarios/transfer.mjs';

// Failure scenarios last: a pool that fails them can leave a hung worker behind.
const SCENARIOS = [throughput, latency, scaling, transfer, startup, processKind, settle, robustness];

// A library bug that leaks a rejected promise must not end the run for the
// others; it is reported at the end instead.
process.on('unhandledRejection', (reason) => note(`unhandled rejection: ${reason?.message ?? String(reason)}`));

const options = parseOptions(process.argv.slice(2));
const machine = describeMachine();
const libraries = await loadLibraries();
const runStart = now();

console.log(renderMachine(machine, libraries, options));
const results = [];
for (const scenario of SCENARIOS.filter(({ id }) => !options.only || options.only.has(id))) {
  setNoteContext(scenario.id);
  const start = now();
  const outcomes = await runScenario(scenario, libraries, options.sizes);
  results.push({ scenario, outcomes, seconds: msSince(start) / 1e3 });
  console.log(`\n${renderScenario(scenario, outcomes, options.sizes)}`);
}

console.log(`\n${renderSummary(results)}`);
for (const message of allNotes()) console.log(`Note: ${message}`);
console.log(`\nLoad average at end: ${renderLoad()}`);
console.log(`Total time: ${(msSince(runStart) / 1e3).toFixed(1)} s`);
if (options.jsonPath) writeRawFigures(options.jsonPath);

// Exit outright: a pool that failed the robustness scenario may keep a worker
// or a timer alive, and the run must end on its own regardless.
process.exit(0);

function writeRawFigures(path) {
  const scenarios = results.map(({ scenario, outcomes, seconds }) => ({
    id: scenario.id,
    title: scenario.title(options.sizes),
    seconds,
    columns: scenario.columns,
    libraries: Object.fromEntries(outcomes),
  }));
  const report = { machine, quick: options.quick, sizes: options.sizes, libraries: versions(), scenarios, notes: allNotes() };
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Raw figures written to ${path}`);
}

function versions() {
  return Object.fromEntries(libraries.map(({ name, version, unavailable }) => [name, unavailable ? null : version]));
}
