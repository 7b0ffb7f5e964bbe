// `npx drove-supervise examples/fleet.config.mjs`: the same fleet from the
// command line. SIGHUP rolls a restart, SIGTERM or Ctrl-C stops it.
export default {
  maxRestarts: 5,
  periodMs: 10_000,
  sockets: { http: { port: Number(process.env.PORT ?? 8080) } },
  children: [
    { name: 'web', kind: 'process', entry: './web.mjs', heartbeat: true },
    { name: 'jobs', kind: 'thread', entry: './jobs.mjs', restart: 'transient' },
  ],
};
