import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { note } from './notes.mjs';

/**
 * Every library behind one small surface, modelled on drove's own API, so each
 * scenario is written once:
 *
 *   library.open({ workers, kind }) → { run(payload, { handler, transfer, signal }), close(), destroy() }
 *
 * `kind` is 'thread' or 'process'; `handler` left out means the worker's
 * default handler, which in every fixture is echo. Each pool is built with its
 * library's defaults apart from the worker count, so the figures are what a
 * user gets out of the box.
 */

const fixture = (name) => new URL(`../fixtures/${name}`, import.meta.url);

/**
 * drove with its defaults, and — as a row of its own in the process scenarios —
 * drove's process pool over a JSON channel (`serialization: 'json'`).
 */
function drove({ name = 'drove', kinds = ['thread', 'process'], options = {} } = {}) {
  let createPool;
  return {
    name,
    packageName: '@drove/pool',
    kinds,
    async load() {
      ({ createPool } = await import('@drove/pool'));
    },
    open({ workers, kind }) {
      const pool = createPool({
        worker: fixture('drove-worker.mjs'),
        kind,
        minWorkers: workers,
        maxWorkers: workers,
        ...options,
      });
      reportErrorEvents(name, pool);
      return {
        run: (payload, options) => pool.run(payload, options),
        close: () => pool.close(),
        destroy: () => pool.destroy(),
        stats: () => pool.stats(),
      };
    },
  };
}

/**
 * Pools that re-emit worker errors as 'error' events would throw if nobody
 * listened, and the robustness scenario raises such errors on purpose; they
 * are reported as notes instead.
 */
function reportErrorEvents(name, emitter) {
  emitter?.on('error', (error) => note(`${name}: 'error' event: ${error?.message ?? String(error)}`));
}

/** piscina and tinypool share a fixture and a calling convention. */
function piscinaLike(pool) {
  return {
    run: (payload, { handler, transfer, signal } = {}) =>
      pool.run(payload, { name: handler, transferList: transfer, signal }),
    close: () => pool.destroy(),
    destroy: () => pool.destroy(),
  };
}

function piscina() {
  let Piscina;
  return {
    name: 'piscina',
    kinds: ['thread'],
    async load() {
      ({ Piscina } = await import('piscina'));
    },
    open({ workers }) {
      return piscinaLike(
        new Piscina({
          filename: fixture('named-exports-worker.mjs').href,
          minThreads: workers,
          maxThreads: workers,
        }),
      );
    },
  };
}

function tinypool() {
  let Tinypool;
  return {
    name: 'tinypool',
    kinds: ['thread', 'process'],
    async load() {
      ({ Tinypool } = await import('tinypool'));
    },
    open({ workers, kind }) {
      return piscinaLike(
        new Tinypool({
          filename: fixture('named-exports-worker.mjs').href,
          runtime: kind === 'process' ? 'child_process' : 'worker_threads',
          minThreads: workers,
          maxThreads: workers,
        }),
      );
    },
  };
}

function poolifier() {
  let api;
  return {
    name: 'poolifier',
    kinds: ['thread', 'process'],
    async load() {
      api = await import('poolifier');
    },
    open({ workers, kind }) {
      const pool =
        kind === 'process'
          ? new api.FixedClusterPool(workers, fileURLToPath(fixture('poolifier-cluster-worker.cjs')))
          : new api.FixedThreadPool(workers, fileURLToPath(fixture('poolifier-thread-worker.mjs')));
      reportErrorEvents('poolifier', pool.emitter);
      return {
        run: (payload, { handler, transfer, signal } = {}) =>
          pool.execute(payload, handler, signal, transfer),
        close: () => pool.destroy(),
        destroy: () => pool.destroy(),
      };
    },
  };
}

/**
 * Loads every library. One that fails to load (drove before its first build,
 * poolifier if not installed) stays in the list with `unavailable` set, so the
 * tables say why its column is empty instead of silently dropping it.
 */
export async function loadLibraries() {
  const libraries = [drove(), drove({ name: 'drove json', kinds: ['process'], options: { serialization: 'json' } }), piscina(), tinypool(), poolifier()];
  for (const library of libraries) {
    try {
      await library.load();
      library.version = packageVersion(library.packageName ?? library.name);
    } catch (error) {
      library.unavailable = error.code === 'ERR_MODULE_NOT_FOUND' ? 'not built or not installed' : error.message;
    }
  }
  return libraries;
}

/** The installed version, read from the package.json above its entry point. */
function packageVersion(packageName) {
  let dir = dirname(fileURLToPath(import.meta.resolve(packageName)));
  while (dir !== dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8'));
      if (name === packageName) return version;
    }
    dir = dirname(dir);
  }
  return undefined;
}
