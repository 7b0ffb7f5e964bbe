// The parts of a child spec that have a shape of their own (watch, warm
// spare, readiness, heartbeat): each checked into the problems list and
// resolved to its filled-in form, for resolveChildSpec() in ../child-spec.ts.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SpawnSpec } from '@drove/pool/transport';
import type { ChildKind, HeartbeatOptions, ProbeContext, ResolvedChildSpec, ResolvedReadiness } from '../child-spec.js';
import type { Problems } from './validate.js';

/** A Node child's entry as a file path. */
export function entryPath(entry: URL | string): string {
  return entry instanceof URL || entry.startsWith('file:') ? fileURLToPath(entry) : entry;
}

const DEFAULT_IGNORE = ['node_modules', '.git', 'dist', 'build', 'coverage'];

/** `watch`: what to watch (absolute paths), what to skip, the debounce. */
export function resolveWatch(value: unknown, spawn: SpawnSpec | undefined, cwd: string | undefined, name: string, problems: Problems): ResolvedChildSpec['watch'] {
  if (value === undefined || value === false) return undefined;
  const options = value === true ? {} : value;
  if (!problems.object(name, options)) return undefined;
  problems.keys(name, options, ['paths', 'ignore', 'debounceMs']);
  const base = cwd ?? process.cwd();
  let paths: string[] = [];
  if (options.paths !== undefined) {
    if (problems.stringArray(`${name}.paths`, options.paths, { nonEmpty: true })) paths = (options.paths as string[]).map((path) => resolve(base, path));
  } else if (spawn && spawn.kind !== 'command') {
    paths = [dirname(entryPath(spawn.entry))];
  } else {
    paths = [base];
  }
  for (const path of paths) if (!existsSync(path)) problems.add(`Expected \`${name}.paths\` to name existing folders or files, got \`${path}\` (missing)`);
  let ignore = DEFAULT_IGNORE;
  if (options.ignore !== undefined && problems.stringArray(`${name}.ignore`, options.ignore)) ignore = options.ignore as string[];
  const debounceMs = options.debounceMs ?? 200;
  problems.number(`${name}.debounceMs`, debounceMs, { min: 0 });
  return { paths, ignore, debounceMs: debounceMs as number };
}

/** `spare` and `preload` (process children), `preload` as `node:` names and `file:` URLs. */
export function resolveSpare(
  raw: Record<string, unknown>,
  kind: ChildKind,
  cwd: string | undefined,
  at: (field: string) => string,
  problems: Problems,
): { spare: boolean; preload: string[] } {
  const spare = raw.spare ?? false;
  const preload: string[] = [];
  if (!problems.boolean(at('spare'), spare)) return { spare: false, preload };
  if (spare && kind !== 'process') problems.fail(at('spare'), 'unset for a thread or a command (a warm spare is a Node process)', spare);
  if (raw.preload === undefined) return { spare, preload };
  if (!spare) problems.add(`Expected \`${at('preload')}\` to come with \`${at('spare')}: true\` (only a warm spare preloads)`);
  if (!Array.isArray(raw.preload)) {
    problems.fail(at('preload'), 'an array of `node:` names, file: URLs or paths', raw.preload);
    return { spare, preload };
  }
  raw.preload.forEach((item: unknown, index) => {
    const name = at(`preload[${index}]`);
    if (item instanceof URL) {
      if (item.protocol === 'file:') preload.push(item.href);
      else problems.fail(name, 'a file: URL', item.href);
    } else if (typeof item !== 'string' || item === '') {
      problems.fail(name, 'a `node:` name, a file: URL or a path', item);
    } else if (item.startsWith('node:') || item.startsWith('file:')) {
      preload.push(item);
    } else if (isAbsolute(item) || item.startsWith('./') || item.startsWith('../')) {
      const file = resolve(cwd ?? process.cwd(), item);
      if (existsSync(file)) preload.push(pathToFileURL(file).href);
      else problems.add(`Expected \`${name}\` to name an existing file, got \`${file}\` (missing)`);
    } else {
      problems.fail(name, "a `node:` name, a file: URL or a path (for a package, its URL: `import.meta.resolve('name')`)", item);
    }
  });
  return { spare, preload };
}

/** `readiness`, defaulting by kind; a `tcp` host defaults to 127.0.0.1. */
export function resolveReadiness(value: unknown, kind: ChildKind, name: string, problems: Problems): ResolvedReadiness | undefined {
  const readiness = value ?? (kind === 'command' ? 'spawn' : 'envelope');
  if (readiness === 'spawn') return 'spawn';
  if (readiness === 'envelope') {
    if (kind !== 'command') return 'envelope';
    problems.fail(name, "`'spawn'`, `{ tcp }` or `{ probe }` for a command (it has no envelope channel)", readiness);
    return undefined;
  }
  if (typeof readiness === 'object' && readiness !== null && 'tcp' in readiness) {
    const tcp = (readiness as { tcp: unknown }).tcp;
    if (!problems.object(`${name}.tcp`, tcp)) return undefined;
    if (!problems.count(`${name}.tcp.port`, tcp.port, { min: 1 }) || (tcp.port as number) > 65_535) {
      if ((tcp.port as number) > 65_535) problems.fail(`${name}.tcp.port`, 'an integer >= 1 and <= 65535', tcp.port);
      return undefined;
    }
    if (tcp.host !== undefined && !problems.string(`${name}.tcp.host`, tcp.host)) return undefined;
    return { tcp: { port: tcp.port as number, host: (tcp.host as string | undefined) ?? '127.0.0.1' } };
  }
  if (typeof readiness === 'object' && readiness !== null && 'probe' in readiness) {
    const probe = (readiness as { probe: unknown }).probe;
    if (!problems.function(`${name}.probe`, probe)) return undefined;
    return { probe: probe as (context: ProbeContext) => boolean | Promise<boolean> };
  }
  problems.fail(name, "`'envelope'`, `'spawn'`, `{ tcp: { port, host } }` or `{ probe }`", readiness);
  return undefined;
}

/** `heartbeat` (Node children), `true` for the defaults. */
export function resolveHeartbeat(value: unknown, kind: ChildKind, name: string, problems: Problems): Required<HeartbeatOptions> | undefined {
  if (value === undefined || value === false) return undefined;
  if (kind === 'command') {
    problems.fail(name, 'unset for a command (a heartbeat travels over the envelope)', value);
    return undefined;
  }
  const options = value === true ? {} : value;
  if (!problems.object(name, options)) return undefined;
  problems.keys(name, options, ['intervalMs', 'timeoutMs']);
  const intervalMs = (options.intervalMs ?? 1000) as number;
  const timeoutMs = (options.timeoutMs ?? 5000) as number;
  const ok = problems.number(`${name}.intervalMs`, intervalMs, { min: 1 }) && problems.number(`${name}.timeoutMs`, timeoutMs, { min: 1 });
  if (ok && timeoutMs <= intervalMs) {
    problems.add(`Expected \`${name}.timeoutMs\` (${timeoutMs}) to be > \`${name}.intervalMs\` (${intervalMs})`);
    return undefined;
  }
  return ok ? { intervalMs, timeoutMs } : undefined;
}
