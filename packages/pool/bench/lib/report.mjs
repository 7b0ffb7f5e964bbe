import os from 'node:os';

const ARROW = { higher: '↑', lower: '↓' };

/** The machine, so figures from different runs are never compared blind. */
export function describeMachine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))),
  };
}

export function renderMachine(machine, libraries, options) {
  const versions = libraries
    .map((library) => `${library.name} ${library.unavailable ? '(unavailable)' : (library.version ?? '?')}`)
    .join(', ');
  return [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`,
    `Load average at start: ${renderLoad(machine.loadAverage)}`,
    `Libraries: ${versions}`,
    `Mode: ${options.quick ? 'quick (smoke run: too few tasks to trust)' : 'full'}; each figure is the median of the repetitions named in its heading.`,
    `↑ higher is better, ↓ lower is better; drove/peer is drove's figure divided by that row's.`,
  ].join('\n');
}

/** A busy machine explains odd figures: the load is printed at start and end. */
export function renderLoad(loadAverage = os.loadavg()) {
  return `${loadAverage.map((load) => load.toFixed(2)).join(' / ')} (1/5/15 min)`;
}

/** One scenario: a row per library, a drove/peer column after each figure that has one. */
export function renderScenario(scenario, outcomes, sizes) {
  const rounds = scenario.rounds(sizes);
  const heading = `${scenario.number}. ${scenario.title(sizes)}${rounds > 1 ? ` (median of ${rounds})` : ''}`;
  const header = ['library'];
  for (const column of scenario.columns) {
    header.push(column.better ? `${column.label} ${ARROW[column.better]}` : column.label);
    if (column.ratio) header.push('drove/peer');
  }
  const drove = outcomes.get('drove');
  const rows = [...outcomes].map(([name, outcome]) => [name, ...cellsOf(scenario, outcome, name === 'drove' ? null : drove)]);
  const reasons = [...outcomes]
    .filter(([, outcome]) => outcome.reason)
    .map(([name, outcome]) => `   ${name}: ${outcome.reason}`);
  return [heading, renderTable([header, ...rows]), ...reasons].join('\n');
}

function cellsOf(scenario, outcome, drove) {
  return scenario.columns.flatMap((column) => {
    const cell = outcome.reason ? '—' : formatFigure(outcome.values[column.key], column.digits);
    if (!column.ratio) return [cell];
    return [cell, drove ? formatRatio(drove, outcome, column.key) : ''];
  });
}

function formatFigure(value, digits = 0) {
  if (value === null || value === undefined) return 'n/a';
  if (typeof value !== 'number') return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatRatio(drove, peer, key) {
  const ratio = ratioOf(drove, peer, key);
  return ratio === null ? '—' : `${ratio.toFixed(2)}×`;
}

function ratioOf(drove, peer, key) {
  if (drove.reason || peer.reason) return null;
  const [mine, theirs] = [drove.values[key], peer.values[key]];
  if (typeof mine !== 'number' || typeof theirs !== 'number' || theirs === 0) return null;
  return mine / theirs;
}

/** Every scenario's headline figure as drove/peer, one column per peer. */
export function renderSummary(results) {
  const peers = [...new Set(results.flatMap(({ outcomes }) => [...outcomes.keys()]))].filter((name) => name !== 'drove');
  const rows = [];
  for (const { scenario, outcomes } of results) {
    const headline = scenario.columns.find((column) => column.headline);
    if (!headline) continue;
    const drove = outcomes.get('drove');
    rows.push([
      `${scenario.number}. ${scenario.id}: ${headline.label} ${ARROW[headline.better]}`,
      ...peers.map((peer) => (outcomes.has(peer) ? formatRatio(drove, outcomes.get(peer), headline.key) : '—')),
    ]);
  }
  return ['Summary: drove/peer on each scenario’s headline figure', renderTable([['scenario', ...peers], ...rows])].join('\n');
}

/** Plain text columns: the first left-aligned, the rest right-aligned. */
function renderTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i] ?? '').length)));
  const line = (row) =>
    row
      .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return ['   ' + line(rows[0]), '   ' + rule, ...rows.slice(1).map((row) => '   ' + line(row))].join('\n');
}
