// wrk (Debian's package wrk) for the proxy benchmark: the binary, and one run's requests/s.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The first executable `name` on PATH (or at one of `also`), or undefined. */
export function findBinary(name, also = []) {
  for (const candidate of [...also, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name))]) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // the next one
    }
  }
  return undefined;
}

/** `wrk -t1 -c16 -d5s` (by default) with `host` as the Host header; resolves with requests/s and the errors wrk counted. */
export function runWrk(binary, port, host, { threads = 1, connections = 16, seconds = 5 } = {}) {
  const result = spawnSync(binary, [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`], {
    encoding: 'utf8',
  });
  if (result.error !== undefined || result.status !== 0) throw new Error(`wrk failed: ${result.error?.message ?? result.stderr}`);
  const out = result.stdout;
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: (.*)/.exec(out)?.[1];
  if (Number.isNaN(rate)) throw new Error(`could not read wrk's output:\n${out}`);
  return { rate, non2xx, socketErrors };
}
