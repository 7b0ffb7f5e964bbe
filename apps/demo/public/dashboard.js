// The dashboard page: renders the snapshot the dashboard process pushes every
// second over a WebSocket, draws the charts, and sends the buttons' actions back.
// Plain browser JavaScript, no build step.

const $ = (selector) => document.querySelector(selector);
const esc = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (value) => Number(value).toLocaleString('en-US');
const mib = (bytes) => (bytes === undefined || bytes === null ? '—' : `${(bytes / 1048576).toFixed(1)} MiB`);
const pct = (value) => (value === undefined || value === null ? '—' : `${Math.round(value)} %`);
const ms = (value) => (value === undefined || value === null ? '—' : value < 10_000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`);
const clock = (at) => new Date(at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const palette = ['#2456c7', '#1a7f4b', '#b26b00', '#c0362c', '#7a3fc0', '#0f8aa3', '#8a6d1f', '#c03c8a'];

/** Replaces an element's HTML only when it changed, so buttons under the pointer survive a refresh. */
function put(selector, html) {
  const element = $(selector);
  if (element.dataset.html !== html) {
    element.innerHTML = html;
    element.dataset.html = html;
  }
}

/** A table that stacks into labelled cells in a narrow card (see dashboard.css): each cell carries its column's name. */
function table(className, headers, rows) {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map(({ attributes, cells }) => `<tr ${attributes}>${cells.map((cell, i) => `<td data-label="${esc(headers[i])}">${cell}</td>`).join('')}</tr>`).join('');
  return `<table class="${className}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

// ---- Charts: one series per worker (or tenant), points at the time they were measured.

const windowMs = 60_000;
const charts = { cpu: new Map(), rss: new Map() };
const colours = new Map();
// Per job, the time of the newest telemetry sample already charted (a fresh page charts every sample it is sent).
const chartedUntil = new Map();

function record(kind, name, at, value) {
  const points = charts[kind].get(name) ?? [];
  if (points.length === 0 || points[points.length - 1].at < at) points.push({ at, value });
  while (points.length > 0 && points[0].at < at - windowMs * 2) points.shift();
  charts[kind].set(name, points);
  if (!colours.has(name)) colours.set(name, palette[colours.size % palette.length]);
}

/** Drops the series of workers (or tenants) that are gone: a dead pid or an old thread has no place in the legend. */
function keepOnly(kind, live) {
  for (const name of charts[kind].keys()) if (!live.has(name)) charts[kind].delete(name);
}

/** An SVG chart as wide as its box: a time axis (clock time, the last minute), a value axis, one line per series from its first sample. */
function chartSvg(kind, { now, width, height, unit, floorMax, title }) {
  const left = 48;
  const right = 8;
  const top = 8;
  const bottom = 22;
  const from = now - windowMs;
  const series = [...charts[kind]];
  const max = Math.max(floorMax, ...series.flatMap(([, points]) => points.map((p) => p.value)));
  const x = (at) => left + ((Math.max(at, from) - from) / windowMs) * (width - left - right);
  const y = (value) => top + (height - top - bottom) * (1 - value / max);
  const parts = [];
  for (let i = 0; i <= 4; i++) {
    const value = (max * (4 - i)) / 4;
    parts.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}"/>`);
    parts.push(`<text class="y-tick" x="${left - 6}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end">${Math.round(value)}${esc(unit)}</text>`);
  }
  const axis = [`<line class="axis" x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}"/>`];
  const step = width < 480 ? 30_000 : 15_000;
  for (let at = Math.ceil(from / step) * step; at <= now; at += step) {
    axis.push(`<line class="axis" x1="${x(at).toFixed(1)}" x2="${x(at).toFixed(1)}" y1="${height - bottom}" y2="${height - bottom + 4}"/>`);
    axis.push(`<text class="x-tick" data-at="${at}" x="${x(at).toFixed(1)}" y="${height - 6}" text-anchor="middle">${clock(at)}</text>`);
  }
  const lines = series.map(([name, points]) => {
    const shown = points.filter((p) => p.at >= from - 1000);
    if (shown.length === 0) return '';
    const d = shown.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join('');
    const last = shown[shown.length - 1];
    return `<g class="series" data-name="${esc(name)}" data-first-at="${shown[0].at}" data-points="${shown.length}" style="color:${colours.get(name)}">
      <path d="${d}"/><circle cx="${x(last.at).toFixed(1)}" cy="${y(last.value).toFixed(1)}" r="2.5"/></g>`;
  });
  return `<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}"
    data-from="${from}" data-to="${now}" data-left="${left}" data-right="${width - right}">
    <g class="y-axis">${parts.join('')}</g><g class="x-axis" data-unit="time">${axis.join('')}</g>${lines.join('')}</svg>`;
}

function legend(kind) {
  return [...charts[kind].keys()].map((name) => `<span data-name="${esc(name)}"><i style="background:${colours.get(name)}"></i>${esc(name)}</span>`).join('');
}

function drawCharts(now) {
  for (const [kind, options] of [
    ['cpu', { unit: '%', floorMax: 100, height: 180, title: 'CPU per worker' }],
    ['rss', { unit: ' MiB', floorMax: 64, height: 140, title: 'Memory per tenant' }],
  ]) {
    const box = $(`#${kind}-chart`);
    box.innerHTML = chartSvg(kind, { now, width: Math.max(200, Math.floor(box.clientWidth)), ...options });
    put(`#${kind}-legend`, legend(kind) || '<span class="muted">nothing running</span>');
  }
}

// ---- Cards and tables.

function jobCard(job) {
  const p = job.progress;
  const waiting = job.status === 'waiting';
  const count = waiting
    ? job.name === 'catalogue' ? 'waits for the blog' : 'waiting'
    : p.total === undefined
      ? `${esc(p.phase)} · ${esc(p.note)}…`
      : `${esc(p.phase)} ${num(p.done)} / ${num(p.total)}${p.totalFinal ? '' : '+'} ${esc(p.unit)}`;
  const detail = job.status === 'failed' ? `<p class="error">${esc(job.error)}</p>` : `<p class="muted summary">${esc(job.summary)}</p>`;
  const kills = job.killedWorkers > 0 ? ` · ${job.killedWorkers} worker${job.killedWorkers > 1 ? 's' : ''} killed, no page lost` : '';
  const busy = job.status === 'running' && p.total === undefined;
  return `<div class="card" data-job="${esc(job.name)}" data-phase="${esc(p.phase)}" data-done="${p.done}" data-total="${p.total ?? ''}" data-final="${p.totalFinal}" data-share="${p.share}">
    <h3>${job.name === 'blog' ? 'Blog · threads' : 'Catalogue · processes'} <span class="badge status ${esc(job.status)}">${esc(job.status)}</span></h3>
    <div class="progress${busy ? ' busy' : ''}" role="progressbar" aria-valuemin="0" aria-valuemax="100" ${busy ? '' : `aria-valuenow="${Math.round(p.share * 100)}"`}><div style="width:${busy ? 100 : (p.share * 100).toFixed(1)}%"></div></div>
    <p class="count">${count}${job.durationMs !== undefined && job.durationMs !== null ? ` · ${ms(job.durationMs)}` : ''}${kills}</p>
    ${detail}</div>`;
}

/** A worker's name in the chart's legend. */
const seriesName = (job, w) => `${job.name} ${w.kind === 'thread' ? `thread ${w.threadId}` : `pid ${w.pid}`}`;

function poolTable(job) {
  if (job.workers.length === 0) return '';
  const rows = job.workers.map((w) => ({
    attributes: `data-worker="${w.pid}-${w.threadId}" data-series="${esc(seriesName(job, w))}"`,
    cells: [
      w.workerId,
      w.kind === 'thread' ? `thread ${w.threadId}` : `pid ${w.pid}`,
      `${esc(w.state)}${w.stale ? ' (busy)' : ''}`,
      `<span class="bar"><i style="width:${Math.min(100, w.cpuPercent)}%"></i></span>${pct(w.cpuPercent)}`,
      mib(w.heapUsedBytes),
      pct(w.eventLoopUtilization * 100),
      w.activeTasks,
      w.completedTasks,
      w.kind === 'process' ? `<button class="danger" data-action="kill-worker" data-pid="${w.pid}">kill -9</button>` : '<span class="muted">thread</span>',
    ],
  }));
  return `<h3>${esc(job.name)} pool</h3>${table('pool', ['#', 'where', 'state', 'CPU', 'heap', 'event loop', 'active', 'done', ''], rows)}`;
}

function childRows(supervisor) {
  const rows = supervisor.children.map((c) => {
    const t = c.lastPong?.telemetry;
    const exit = c.lastExit ? `${esc(c.lastExit.reason)}${c.lastExit.signal ? ` (${esc(c.lastExit.signal)})` : ''}` : '—';
    return {
      attributes: `data-child="${esc(c.name)}"`,
      cells: [
        esc(c.name),
        `<span class="badge state ${esc(c.state)}">${esc(c.state)}</span>`,
        c.pid ?? '—',
        `<span class="restarts">${c.restarts}</span>`,
        c.consecutiveFailures,
        ms(c.uptimeMs),
        exit,
        t ? mib(t.heapUsedBytes) : '—',
        t ? mib(t.rssBytes) : '—',
        `<button class="danger" data-action="kill-child" data-name="${esc(c.name)}" ${c.pid ? '' : 'disabled'}>kill -9</button>`,
      ],
    };
  });
  return table('children', ['child', 'state', 'pid', 'restarts', 'failures', 'up', 'last exit', 'heap', 'RSS', ''], rows);
}

function tenantRows(frontDoor, now) {
  const rows = frontDoor.tenants.map((t) => {
    const wait = t.retryAt ? Math.ceil((t.retryAt - now) / 1000) : 0;
    const retry = t.state === 'backing-off' && t.retryAt ? (wait > 0 ? ` retry in ${wait} s` : ' retries next request') : '';
    const exit = t.lastExit ? `${esc(t.lastExit.reason)}${t.lastExit.exitCode ? ` (code ${t.lastExit.exitCode})` : ''}` : '—';
    return {
      attributes: `data-tenant="${esc(t.key)}"`,
      cells: [
        `<a href="${esc(state.coordinator?.urls.frontDoor ?? '/')}${esc(t.key)}/" target="_blank">/${esc(t.key)}/</a>`,
        `<span class="badge state ${esc(t.state)}">${esc(t.state)}</span><span class="muted">${retry}</span>`,
        t.pid ?? '—',
        ms(t.readyMs),
        pct(t.cpuPercent),
        mib(t.rssBytes),
        t.spawns,
        exit,
        `<span class="actions"><button class="danger kill" data-action="kill-tenant" data-key="${esc(t.key)}" ${t.pid ? '' : 'disabled'}>kill</button>${
          t.state === 'backing-off' ? `<button data-action="clear-backoff" data-key="${esc(t.key)}">clear back-off</button>` : ''
        }</span>`,
      ],
    };
  });
  return table('tenants', ['tenant', 'state', 'pid', 'ready in', 'CPU', 'RSS', 'spawns', 'last exit', ''], rows);
}

// ---- Notices: what an action did, shown until that action is over.

/** The notice under way: its text, and when it is over (a predicate on the state, or a time). */
let notice;

function showNotice(text, kind, over) {
  notice = { text, kind, over };
  renderNotice();
}

function renderNotice() {
  const element = $('#notice');
  const problems = state.problems ?? [];
  if (notice && notice.over(state)) notice = undefined;
  // A part restarting is said until it is back; an action's notice comes second.
  const text = [problems.length > 0 ? problems.join(' · ') : '', notice?.text ?? ''].filter(Boolean).join(' · ');
  if (element.textContent !== text) element.textContent = text;
  element.dataset.kind = problems.length > 0 ? 'problem' : notice?.kind ?? '';
}

/** When an action's notice is over: a rebuild once its run ended, anything else a few seconds after its result. */
function overWhen(action, ok) {
  if (ok && action.type === 'rebuild') {
    const run = state.coordinator?.run ?? 0;
    return (s) => s.coordinator !== undefined && (s.coordinator.run > run || !s.coordinator.running);
  }
  const until = Date.now() + (ok ? 5000 : 10_000);
  setTimeout(renderNotice, until - Date.now() + 50);
  return () => Date.now() >= until;
}

let state = { at: Date.now(), coordinator: undefined, frontDoor: undefined, problems: [] };

/** The Remote panel: the pool's stats and one row a host, from `remote.hosts()`. */
function renderRemote(remote) {
  $('#remote').hidden = !remote;
  if (!remote) return;
  const { stats, hosts, batch } = remote;
  put('#remote-where', `@drove/remote · queue ${esc(remote.queue)} at ${esc(remote.connection)}`);
  const progress = batch.batches > 0 ? ` · batch ${batch.batches}: ${num(batch.done)} / ${num(batch.total)}${batch.running ? '' : ' done'}` : '';
  put(
    '#remote-stats',
    `${hosts.length} host${hosts.length === 1 ? '' : 's'} · ${num(stats.pending)} pending · ${num(stats.running)} running · ${num(stats.completed)} completed · ${num(stats.failed)} failed · ${num(stats.stalled)} stalled${progress}${
      remote.error ? ` · <span class="error">${esc(remote.error)}</span>` : ''
    }`,
  );
  // Made here, not in the page: a page without Redis has no Remote panel, and no hidden button either.
  put('#remote-buttons', `<button id="remote-batch" data-action="remote-batch"${batch.running || remote.error ? ' disabled' : ''}>Send 200 tasks</button>`);
  const rows = hosts.map((host) => {
    const cpu = host.workers.reduce((sum, w) => sum + (w.cpuPercent ?? 0), 0);
    const rss = host.workers.reduce((sum, w) => sum + (w.rssBytes ?? 0), 0);
    return {
      attributes: `data-host="${esc(host.hostId)}"`,
      cells: [
        esc(host.hostId),
        esc(host.hostname),
        esc(host.pid),
        num(host.workers.length),
        num(host.stats.running),
        num(host.stats.completed),
        num(host.stats.failed),
        pct(cpu),
        mib(rss || undefined),
        clock(host.at),
      ],
    };
  });
  put('#remote-hosts', rows.length > 0 ? table('remote-hosts', ['host', 'machine', 'pid', 'workers', 'running', 'completed', 'failed', 'CPU', 'RSS', 'report'], rows) : '<p class="muted">No host has reported yet.</p>');
}

function render() {
  const { coordinator, frontDoor } = state;
  const now = state.at ?? Date.now();
  if (coordinator) {
    const { urls, jobs, supervisor, events, running } = coordinator;
    put('#links', ['frontDoor', 'blog', 'catalogue', 'api'].map((k) => `<a href="${esc(urls[k])}" target="_blank">${k === 'frontDoor' ? 'front door' : k}</a>`).join(''));
    put('#jobs', jobs.map(jobCard).join(''));
    $('#rebuild').disabled = running;
    put('#run', `run ${coordinator.run}${running ? ', building' : ''}`);
    put('#pool-tables', jobs.map(poolTable).join('') || '<p class="muted">No pool is running: press “Rebuild” to watch the workers.</p>');
    const live = new Set();
    for (const job of jobs) {
      const since = chartedUntil.get(job.name) ?? 0;
      const name = (w) => seriesName(job, w);
      for (const sample of job.samples) if (sample.at > since) for (const w of sample.workers) record('cpu', name(w), sample.at, w.cpuPercent);
      if (job.samples.length > 0) chartedUntil.set(job.name, job.samples[job.samples.length - 1].at);
      if (job.status === 'running') for (const w of job.workers) live.add(name(w));
    }
    keepOnly('cpu', live);
    put('#children', childRows(supervisor));
    put('#events', events.slice().reverse().map((e) => `<li>${clock(e.at)} ${esc(e.text)}</li>`).join(''));
    renderRemote(coordinator.remote);
  }
  if (frontDoor) {
    put('#tenant-table', tenantRows(frontDoor, now));
    const exits = Object.entries(frontDoor.metrics.totalExits ?? {}).filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${n}`).join(', ');
    put('#tenant-metrics', `${frontDoor.metrics.running} running · ${frontDoor.metrics.totalSpawns} spawns · exits: ${esc(exits || 'none')} · last start ${ms(frontDoor.metrics.lastSpawnMs)}${frontDoor.draining ? ' · <strong>draining</strong>' : ''}`);
    $('#drain').disabled = frontDoor.draining;
    const live = new Set();
    for (const t of frontDoor.tenants) {
      if (t.rssBytes !== undefined && t.rssBytes !== null) {
        live.add(t.key);
        record('rss', t.key, now, t.rssBytes / 1048576);
      }
    }
    keepOnly('rss', live);
  } else {
    put('#tenant-table', '<p class="muted">The front door is not answering (restarting?).</p>');
  }
  drawCharts(now);
  renderNotice();
}

// Charts are drawn at their box's width: draw again when it changes.
new ResizeObserver(() => drawCharts(state.at ?? Date.now())).observe($('#cpu-chart'));

let socket;
let nextId = 1;
const pending = new Map();
function connect() {
  socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket.addEventListener('open', () => {
    $('#connection').textContent = 'live';
    $('#connection').className = 'badge connected';
  });
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'state') {
      state = message.state;
      render();
    } else if (message.type === 'result') {
      const action = pending.get(message.id) ?? { type: '' };
      pending.delete(message.id);
      showNotice(`${message.ok ? '✓' : '✗'} ${message.message}`, message.ok ? 'ok' : 'error', overWhen(action, message.ok));
    }
  });
  // The dashboard process may be killed from this very page: reconnect to its successor.
  socket.addEventListener('close', () => {
    $('#connection').textContent = 'reconnecting…';
    $('#connection').className = 'badge disconnected';
    // An action whose answer was lost with the socket is over too.
    if (notice?.kind === 'pending') showNotice('', '', () => true);
    pending.clear();
    setTimeout(connect, 500);
  });
}

document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button || button.disabled || socket?.readyState !== WebSocket.OPEN) return;
  const action = { type: button.dataset.action };
  if (button.dataset.pid) action.pid = Number(button.dataset.pid);
  if (button.dataset.name) action.name = button.dataset.name;
  if (button.dataset.key) action.key = button.dataset.key;
  const id = nextId++;
  pending.set(id, action);
  socket.send(JSON.stringify({ id, action }));
  showNotice(`${action.type}…`, 'pending', () => false);
});

connect();
