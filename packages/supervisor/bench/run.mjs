// The supervisor's benchmarks, side by side in one run: drove against a bare
// respawn loop and PM2. `node bench/run.mjs [--trials=N] [--kills=N] [--children=N]
// [--instances=N] [--reloads=N] [--only=restart,refused,memory,reload]`.
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { contenders } from './lib/contenders.mjs';
import { memoryPerChild } from './scenarios/memory.mjs';
import { refusedDuringRestart } from './scenarios/refused.mjs';
import { reloadContenders, reloadUnderLoad } from './scenarios/reload.mjs';
import { restartToReady } from './scenarios/restart.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const trials = arg('trials', 20);
const kills = arg('kills', 10);
const childCount = arg('children', 8);
const instances = arg('instances', 2);
const reloads = arg('reloads', 5);
const scenarios = ['restart', 'refused', 'memory', 'reload'];
const only = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1]?.split(',') ?? scenarios;
const unknown = only.filter((name) => !scenarios.includes(name));
if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')} (known: ${scenarios.join(', ')})`);
const runs = (name) => only.includes(name);
const ms = (value) => (value === undefined ? '—' : `${value.toFixed(1)} ms`);
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const ratio = (value, base) => (value === undefined || !base ? '—' : `${(value / base).toFixed(2)}×`);

function table(header, rows) {
  const widths = header.map((_, i) => Math.max(header[i].length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

const cpu = cpus();
console.log(`Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${mib(totalmem())} RAM (${mib(freemem())} free), Linux ${release()}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the start`);
console.log(
  `Command: node bench/run.mjs --trials=${trials} --kills=${kills} --children=${childCount} --instances=${instances} --reloads=${reloads}${only.length < scenarios.length ? ` --only=${only.join(',')}` : ''}\n`,
);

if (runs('restart')) {
  console.log(`## Restart to ready after kill -9 of a tiny HTTP child (${trials} kills each, after a warm-up)\n`);
  const restart = [];
  for (const contender of contenders) restart.push([contender.name, await restartToReady(contender, trials)]);
  const baseline = restart.find(([name]) => name === 'bare respawn loop')?.[1]?.serving.p50;
  console.log(
    table(
      ['', 'kill → answering p50', 'p90', 'max', 'vs bare loop (p50)', 'kill → ready event p50'],
      restart.map(([name, result]) =>
        result
          ? [name, ms(result.serving.p50), ms(result.serving.p90), ms(result.serving.max), ratio(result.serving.p50, baseline), ms(result.ready?.p50)]
          : [name, 'not installed', '', '', '', ''],
      ),
    ),
  );

}

if (runs('refused')) {
  console.log(`\n## Requests during ${kills} kill -9 restarts (4 client loops, one request per fresh connection)\n`);
  const refused = [];
  for (const contender of contenders) refused.push([contender.name, await refusedDuringRestart(contender, kills)]);
  console.log(
    table(
      ['', 'answered', 'refused', 'reset', 'other', 'refused per restart', 'steady req/s (no kills)'],
      refused.map(([name, counts]) =>
        counts
          ? [name, counts.ok, counts.refused, counts.reset, counts.other, (counts.refused / kills).toFixed(1), Math.round(counts.steadyPerSecond)]
          : [name, 'not installed', '', '', '', '', ''],
      ),
    ),
  );

}

if (runs('memory')) {
  console.log(`\n## Memory: master, and what each idle child adds (${childCount} children)\n`);
  const memory = await memoryPerChild(childCount);
  const { process: proc, spare, thread } = memory.perChild;
  console.log(
    table(
      ['', 'RSS', 'private (USS)', 'vs process (USS)'],
      [
        ['master alone (no children)', mib(memory.master.rss), mib(memory.master.uss), ''],
        ['added per process child', mib(proc.rss), mib(proc.uss), '1.00×'],
        ['added per process child with a warm spare', mib(spare.rss), mib(spare.uss), ratio(spare.uss, proc.uss)],
        ['added per thread child', mib(thread.rss), mib(thread.uss), ratio(thread.uss, proc.uss)],
      ],
    ),
  );
  console.log(
    `\nMaster RSS with ${childCount} process children: ${mib(proc.masterWith.rss)}; with ${childCount} process children and their spares: ${mib(spare.masterWith.rss)}; with ${childCount} thread children: ${mib(thread.masterWith.rss)}.`,
  );

  console.log(`\n## Master overhead: drove's master beside PM2's daemon (God), same run\n`);
  if (!memory.pm2) {
    console.log('pm2 not installed');
  } else {
    const { pm2 } = memory;
    console.log(
      table(
        ['', 'RSS', 'private (USS)', 'drove / pm2 (RSS)', 'drove / pm2 (USS)'],
        [
          ['drove master, no children', mib(memory.master.rss), mib(memory.master.uss), ratio(memory.master.rss, pm2.daemon.rss), ratio(memory.master.uss, pm2.daemon.uss)],
          ['pm2 daemon, no apps', mib(pm2.daemon.rss), mib(pm2.daemon.uss), '', ''],
          [`drove master, ${childCount} process children`, mib(proc.masterWith.rss), mib(proc.masterWith.uss), ratio(proc.masterWith.rss, pm2.daemonWith.rss), ratio(proc.masterWith.uss, pm2.daemonWith.uss)],
          [`pm2 daemon, ${childCount} apps`, mib(pm2.daemonWith.rss), mib(pm2.daemonWith.uss), '', ''],
        ],
      ),
    );
    console.log(`\nAn idle PM2 app (a plain script, no child helper) adds ${mib(pm2.perChild.rss)} RSS, ${mib(pm2.perChild.uss)} private.`);
  }
}

if (runs('reload')) {
  console.log(`\n## A full reload of ${instances} instances on one port under load, ${reloads} reloads each (2 keep-alive + 2 new-connection client loops)\n`);
  const results = [];
  for (const contender of reloadContenders) results.push([contender.name, await reloadUnderLoad(contender, { instances, reloads })]);
  const base = results[0]?.[1];
  console.log(
    table(
      ['', 'requests sent', 'failed', 'refused', 'reset', 'reload (median)', 'reload (max)', 'vs drove (median)', 'p99 during reloads', 'vs drove (p99)', 'p99 steady'],
      results.map(([name, r]) =>
        r
          ? [name, r.sent, r.failed, r.refused, r.reset, ms(r.reloadMs), ms(r.reloadMaxMs), ratio(r.reloadMs, base?.reloadMs), ms(r.p99ReloadMs), ratio(r.p99ReloadMs, base?.p99ReloadMs), ms(r.p99SteadyMs)]
          : [name, 'not installed', '', '', '', '', '', '', '', '', ''],
      ),
    ),
  );
  for (const [name, r] of results) {
    if (r) console.log(`${name}: failed on keep-alive connections ${r.failedKeepAlive}, on new connections ${r.failedFresh}`);
    if (r?.other.length) console.log(`${name}: other failures: ${[...new Set(r.other)].map((code) => `${code} × ${r.other.filter((c) => c === code).length}`).join(', ')}`);
  }
}
console.log(`\nLoad average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
process.exit(0);
