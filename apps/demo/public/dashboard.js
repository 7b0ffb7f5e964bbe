// The dashboard page: renders the snapshot the dashboard process pushes every
// second over a WebSocket, draws the charts, and sends the buttons' actions back.
// Plain browser JavaScript, no build step.

const $ = (selector) => document.querySelector(selector);
const esc = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const mib = (bytes) => (bytes === undefined || bytes === null ? '—' : `${(bytes / 1048576).toFixed(1)} MiB`);
const pct = (value) => (value === undefined || value === null ? '—' : `${Math.round(value)} %`);
const ms = (value) => (value === undefined || value === null ? '—' : value < 10_000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`);
const ago = (at) => `${Math.max(0, Math.round((Date.now() - at) / 1000))} s ago`;
const palette = ['#2456c7', '#1a7f4b', '#b26b00', '#c0362c', '#7a3fc0', '#0f8aa3', '#8a6d1f', '#c03c8a'];

/** Replaces an element's HTML only when it changed, so buttons under the pointer survive a refresh. */
function put(selector, html) {
  const element = $(selector);
  if (element.dataset.html !== html) {
    element.innerHTML = html;
    element.dataset.html = html;
  }
}

// Histories for the charts: one series per name, the last 90 samples.
const history = { cpu: new Map(), rss: new Map() };
// Per job, the time of the newest telemetry sample already charted.
const chartedUntil = new Map();
function record(kind, name, value) {
  const series = history[kind].get(name) ?? [];
  series.push(value);
  if (series.length > 90) series.shift();
  history[kind].set(name, series);
}
function age(kind, live) {
  for (const [name, series] of history[kind]) {
    if (!live.has(name)) series.push(null);
    if (series.length > 90) series.shift();
    if (series.every((v) => v === null)) history[kind].delete(name);
  }
}

function drawChart(canvas, kind, unit, floorMax) {
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const series = [...history[kind]];
  const max = Math.max(floorMax, ...series.flatMap(([, values]) => values.filter((v) => v !== null)));
  context.strokeStyle = '#dde3ee';
  context.fillStyle = '#667085';
  context.font = '11px system-ui';
  for (let i = 0; i <= 4; i++) {
    const y = 8 + ((height - 16) * i) / 4;
    context.beginPath();
    context.moveTo(40, y);
    context.lineTo(width, y);
    context.stroke();
    context.fillText(`${Math.round(max - (max * i) / 4)}${unit}`, 0, y + 4);
  }
  series.forEach(([, values], index) => {
    context.strokeStyle = palette[index % palette.length];
    context.lineWidth = 2;
    context.beginPath();
    let drawing = false;
    values.forEach((value, i) => {
      const x = 40 + ((width - 40) * (i + 90 - values.length)) / 89;
      if (value === null) {
        drawing = false;
        return;
      }
      const y = 8 + (height - 16) * (1 - value / max);
      if (drawing) context.lineTo(x, y);
      else context.moveTo(x, y);
      drawing = true;
    });
    context.stroke();
  });
  return series.map(([name], index) => `<span><i style="background:${palette[index % palette.length]}"></i>${esc(name)}</span>`).join('');
}

function jobCard(job) {
  const share = job.total > 0 ? Math.min(100, (job.done / job.total) * 100) : job.status === 'done' ? 100 : 0;
  const detail = job.status === 'failed' ? `<p class="error">${esc(job.error)}</p>` : `<p class="muted summary">${esc(job.summary || (job.phase ? `${job.phase}…` : ''))}</p>`;
  const kills = job.killedWorkers > 0 ? ` · ${job.killedWorkers} worker${job.killedWorkers > 1 ? 's' : ''} killed, no page lost` : '';
  return `<div class="card" data-job="${esc(job.name)}">
    <h3>${job.name === 'blog' ? 'Blog · threads' : 'Catalogue · processes'} <span class="badge status ${esc(job.status)}">${esc(job.status)}</span></h3>
    <div class="progress"><div style="width:${share.toFixed(1)}%"></div></div>
    <p class="count">${esc(job.phase)} ${job.done} / ${job.total}${job.durationMs !== undefined && job.durationMs !== null ? ` · ${ms(job.durationMs)}` : ''}${kills}</p>
    ${detail}</div>`;
}

function poolTable(job) {
  if (job.workers.length === 0) return '';
  const rows = job.workers
    .map((w) => `<tr data-worker="${w.pid}-${w.threadId}">
      <td>${w.workerId}</td><td>${w.kind === 'thread' ? `thread ${w.threadId}` : `pid ${w.pid}`}</td><td>${esc(w.state)}${w.stale ? ' (busy)' : ''}</td>
      <td><span class="bar"><i style="width:${Math.min(100, w.cpuPercent)}%"></i></span>${pct(w.cpuPercent)}</td>
      <td>${mib(w.heapUsedBytes)}</td><td>${pct(w.eventLoopUtilization * 100)}</td><td>${w.activeTasks}</td><td>${w.completedTasks}</td>
      <td>${w.kind === 'process' ? `<button class="danger" data-action="kill-worker" data-pid="${w.pid}">kill -9</button>` : '<span class="muted">thread</span>'}</td></tr>`)
    .join('');
  return `<h3>${job.name} pool</h3><table><thead><tr><th>#</th><th>where</th><th>state</th><th>CPU</th><th>heap</th><th>event loop</th><th>active</th><th>done</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function childRows(supervisor) {
  const rows = supervisor.children
    .map((c) => {
      const t = c.lastPong?.telemetry;
      const exit = c.lastExit ? `${esc(c.lastExit.reason)}${c.lastExit.signal ? ` (${esc(c.lastExit.signal)})` : ''}` : '—';
      return `<tr data-child="${esc(c.name)}"><td>${esc(c.name)}</td><td><span class="badge state ${esc(c.state)}">${esc(c.state)}</span></td>
        <td>${c.pid ?? '—'}</td><td class="restarts">${c.restarts}</td><td>${c.consecutiveFailures}</td><td>${ms(c.uptimeMs)}</td><td>${exit}</td>
        <td>${t ? mib(t.heapUsedBytes) : '—'}</td><td>${t ? mib(t.rssBytes) : '—'}</td>
        <td><button class="danger" data-action="kill-child" data-name="${esc(c.name)}" ${c.pid ? '' : 'disabled'}>kill -9</button></td></tr>`;
    })
    .join('');
  return `<table><thead><tr><th>child</th><th>state</th><th>pid</th><th>restarts</th><th>failures</th><th>up</th><th>last exit</th><th>heap</th><th>RSS</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function tenantRows(frontDoor) {
  const rows = frontDoor.tenants
    .map((t) => {
      const wait = t.retryAt ? Math.ceil((t.retryAt - Date.now()) / 1000) : 0;
      const retry = t.state === 'backing-off' && t.retryAt ? (wait > 0 ? ` · retry in ${wait} s` : ' · retries next request') : '';
      const exit = t.lastExit ? `${esc(t.lastExit.reason)}${t.lastExit.exitCode ? ` (code ${t.lastExit.exitCode})` : ''}` : '—';
      return `<tr data-tenant="${esc(t.key)}"><td><a href="${esc(state.coordinator?.urls.frontDoor ?? '/')}${esc(t.key)}/" target="_blank">/${esc(t.key)}/</a></td>
        <td><span class="badge state ${esc(t.state)}">${esc(t.state)}</span><span class="muted">${retry}</span></td>
        <td>${t.pid ?? '—'}</td><td>${ms(t.readyMs)}</td><td>${pct(t.cpuPercent)}</td><td>${mib(t.rssBytes)}</td><td>${t.spawns}</td><td>${exit}</td>
        <td><button class="danger kill" data-action="kill-tenant" data-key="${esc(t.key)}" ${t.pid ? '' : 'disabled'}>kill</button>
        ${t.state === 'backing-off' ? `<button data-action="clear-backoff" data-key="${esc(t.key)}">clear back-off</button>` : ''}</td></tr>`;
    })
    .join('');
  return `<table class="tenants"><thead><tr><th>tenant</th><th>state</th><th>pid</th><th>ready in</th><th>CPU</th><th>RSS</th><th>spawns</th><th>last exit</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

let state = { coordinator: undefined, frontDoor: undefined, problems: [] };

function render() {
  const { coordinator, frontDoor, problems } = state;
  if (coordinator) {
    const { urls, jobs, supervisor, events, running } = coordinator;
    put('#links', ['frontDoor', 'blog', 'catalogue', 'api'].map((k) => `<a href="${esc(urls[k])}" target="_blank">${k === 'frontDoor' ? 'front door' : k}</a>`).join(''));
    put('#jobs', jobs.map(jobCard).join(''));
    $('#rebuild').disabled = running;
    put('#run', `run ${coordinator.run}${running ? ', building' : ''}`);
    put('#pool-tables', jobs.map(poolTable).join('') || '<p class="muted">No pool is running: press “Rebuild” to watch the workers.</p>');
    // One point a refresh: each worker's latest sample since the last one, so a job shorter than a refresh still shows.
    const live = new Set();
    for (const job of jobs) {
      const since = chartedUntil.get(job.name) ?? 0;
      const latest = new Map();
      for (const sample of job.samples.filter((s) => s.at > since)) {
        for (const w of sample.workers) latest.set(`${job.name} ${w.kind === 'thread' ? `t${w.threadId}` : `pid ${w.pid}`}`, w.cpuPercent);
      }
      if (job.samples.length > 0) chartedUntil.set(job.name, job.samples[job.samples.length - 1].at);
      for (const [name, cpuPercent] of latest) {
        live.add(name);
        record('cpu', name, cpuPercent);
      }
    }
    age('cpu', live);
    put('#children', childRows(supervisor));
    put('#events', events.slice().reverse().map((e) => `<li>${new Date(e.at).toLocaleTimeString()} ${esc(e.text)}</li>`).join(''));
  }
  if (frontDoor) {
    put('#tenant-table', tenantRows(frontDoor));
    const exits = Object.entries(frontDoor.metrics.totalExits ?? {}).filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${n}`).join(', ');
    put('#tenant-metrics', `${frontDoor.metrics.running} running · ${frontDoor.metrics.totalSpawns} spawns · exits: ${esc(exits || 'none')} · last start ${ms(frontDoor.metrics.lastSpawnMs)}${frontDoor.draining ? ' · <strong>draining</strong>' : ''}`);
    $('#drain').disabled = frontDoor.draining;
    const live = new Set();
    for (const t of frontDoor.tenants) {
      if (t.rssBytes !== undefined && t.rssBytes !== null) {
        live.add(t.key);
        record('rss', t.key, t.rssBytes / 1048576);
      }
    }
    age('rss', live);
  } else {
    put('#tenant-table', '<p class="muted">The front door is not answering (restarting?).</p>');
  }
  const cpuLegend = drawChart($('#cpu-chart'), 'cpu', '%', 100);
  const rssLegend = drawChart($('#rss-chart'), 'rss', ' MiB', 64);
  put('#cpu-legend', cpuLegend);
  put('#rss-legend', rssLegend);
  // Problems (a process restarting) show until they clear; an action's result stays.
  const notice = $('#notice');
  if (problems.length > 0) {
    notice.textContent = problems.join(' · ');
    notice.dataset.problem = 'yes';
  } else if (notice.dataset.problem) {
    notice.textContent = '';
    delete notice.dataset.problem;
  }
}

// Legends under the charts.
for (const [chart, id] of [['#cpu-chart', 'cpu-legend'], ['#rss-chart', 'rss-legend']]) {
  const legend = document.createElement('p');
  legend.className = 'legend';
  legend.id = id;
  $(chart).after(legend);
}

let socket;
let nextId = 1;
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
      $('#notice').textContent = `${message.ok ? '✓' : '✗'} ${message.message}`;
      delete $('#notice').dataset.problem;
    }
  });
  // The dashboard process may be killed from this very page: reconnect to its successor.
  socket.addEventListener('close', () => {
    $('#connection').textContent = 'reconnecting…';
    $('#connection').className = 'badge disconnected';
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
  socket.send(JSON.stringify({ id: nextId++, action }));
  $('#notice').textContent = `${action.type}…`;
});

connect();
