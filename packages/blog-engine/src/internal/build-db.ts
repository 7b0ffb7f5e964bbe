import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@libsql/client';
import { BlogEngineError } from '../errors.js';
import { crashPoint } from './crash-point.js';

/** What the database knows of one output file. */
export interface OutputRow {
  section: string;
  /** The render key the file was made for; null while the file is being replaced or removed. */
  key: string | null;
  /** The hash of the bytes on disk; null while pending. */
  hash: string | null;
}

/** What the database knows of one input file: its content hash, its parsed front matter, and facts about its body. */
export interface InputRow {
  fingerprint: string;
  parsed: string;
  /** JSON of the loader's `InputFacts` (excerpt source, macro mention, Liquid); null in rows of older builds. */
  facts: string | null;
  /** JSON of the loader's `InputHead` (stat data when read, when that was, publishing dates): what a build checks first; null in rows of older builds. */
  head: string | null;
}

/** What a build checks of an input before it trusts it: its content hash and its head (see {@link InputRow}). */
export interface InputHeadRow {
  fingerprint: string;
  head: string | null;
}

const schema = [
  'CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, section TEXT NOT NULL, render_key TEXT, hash TEXT)',
  'CREATE TABLE IF NOT EXISTS inputs (path TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, parsed TEXT NOT NULL, facts TEXT, head TEXT)',
  'CREATE TABLE IF NOT EXISTS macros (key TEXT PRIMARY KEY, output TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS owned (out_dir TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (out_dir, path)) WITHOUT ROWID',
];

/**
 * The build database: one libSQL connection on the main thread. Workers never
 * touch it: they return hashes and the main thread commits them in batched
 * transactions, so there is one writer and no lock contention. Bulk reads and
 * writes go through one JSON argument (`json_each`), not one statement per row.
 *
 * The invariant every crash-safety argument rests on: a row holds a key and a
 * hash only while the file on disk holds exactly those bytes. Before a file is
 * replaced or removed its row is nulled (committed); after the rename or
 * unlink the new row is committed.
 *
 * `owned` lists, per output folder, every file the engine has put there (its
 * row is inserted with the pending row, before the rename) and not removed
 * since. It outlives `outputs` (which forgets everything when the build moves
 * to another output folder), so that coming back to a folder the engine wrote
 * does not need `--force`, and anything not in it is the user's.
 */
/** A URL the SQLite client opens itself: a file, or an in-memory database. */
const isLocal = (url: string): boolean => url.startsWith('file:') || url === ':memory:';

/** Where the build lock of the database at `url` is: next to a `file:` database; none for a remote server or `:memory:`. */
export function buildLockPath(url: string): string | undefined {
  return url.startsWith('file:') ? `${fileURLToPath(url)}.lock` : undefined;
}

export class BuildDatabase {
  readonly #client: Client;
  readonly url: string;

  private constructor(client: Client, url: string) {
    this.#client = client;
    this.url = url;
  }

  /** Opens (and creates) the database at a libSQL URL. @throws {BlogEngineError} `ERR_BLOG_IO` */
  static async open(url: string): Promise<BuildDatabase> {
    try {
      if (url.startsWith('file:')) mkdirSync(dirname(fileURLToPath(url)), { recursive: true });
      // Loaded here, not with the package: commands that never open the database (`new`, `init`, `--help`) skip it.
      // A local file needs only the SQLite client (about 30 ms to load here); the full client (about 80 ms) adds
      // the HTTP and WebSocket protocols of a remote libSQL server.
      const { createClient } = isLocal(url) ? await import('@libsql/client/sqlite3') : await import('@libsql/client');
      const client = createClient({ url });
      if (url.startsWith('file:')) {
        await client.execute('PRAGMA journal_mode=WAL');
        await client.execute('PRAGMA synchronous=NORMAL');
        await client.execute('PRAGMA busy_timeout=10000');
      }
      const hadOwned = (await client.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'owned'")).rows.length > 0;
      await client.batch(schema, 'write');
      // A database made before `owned` existed: the files its rows record are the engine's.
      if (!hadOwned) {
        await client.execute(
          "INSERT OR IGNORE INTO owned SELECT m.value, o.path FROM outputs o JOIN meta m ON m.key = 'outDir'",
        );
      }
      // A database made before `inputs.facts` or `inputs.head` existed gains the column (its rows read as null: not trusted, read again).
      const columns = await client.execute("SELECT name FROM pragma_table_info('inputs')");
      for (const column of ['facts', 'head']) {
        if (!columns.rows.some((row) => row.name === column)) await client.execute(`ALTER TABLE inputs ADD COLUMN ${column} TEXT`);
      }
      return new BuildDatabase(client, url);
    } catch (error) {
      throw new BlogEngineError('ERR_BLOG_IO', `could not open the build database ${url}: ${(error as Error).message}`, { cause: error });
    }
  }

  async outputs(): Promise<Map<string, OutputRow>> {
    const result = await this.#client.execute(
      'SELECT json_group_array(json_array(path, section, render_key, hash)) AS rows FROM outputs',
    );
    const rows = JSON.parse(String(result.rows[0]?.rows ?? '[]')) as [string, string, string | null, string | null][];
    return new Map(rows.map(([path, section, key, hash]) => [path, { section, key, hash }]));
  }

  async inputs(): Promise<Map<string, InputRow>> {
    const result = await this.#client.execute('SELECT json_group_array(json_array(path, fingerprint, parsed, facts, head)) AS rows FROM inputs');
    const rows = JSON.parse(String(result.rows[0]?.rows ?? '[]')) as [string, string, string, string | null, string | null][];
    return new Map(rows.map(([path, fingerprint, parsed, facts, head]) => [path, { fingerprint, parsed, facts, head }]));
  }

  /** Every input's hash and head: a fraction of {@link inputs}' bytes, for a build that may find nothing changed. */
  async inputHeads(): Promise<Map<string, InputHeadRow>> {
    const result = await this.#client.execute('SELECT json_group_array(json_array(path, fingerprint, head)) AS rows FROM inputs');
    const rows = JSON.parse(String(result.rows[0]?.rows ?? '[]')) as [string, string, string | null][];
    return new Map(rows.map(([path, fingerprint, head]) => [path, { fingerprint, head }]));
  }

  /**
   * Saves these inputs' rows and forgets the removed ones, a thousand rows a transaction, letting the event loop
   * run between them: a cold build saves while its workers render, and a render task waits for no more than one
   * transaction. Each row stands on its own (a file's facts as it was read), so a build killed half-way leaves
   * only rows that are right.
   */
  async saveInputs(rows: { path: string; fingerprint: string; parsed: string; facts: string; head: string }[], removed: string[]): Promise<void> {
    const chunk = 1000;
    for (let start = 0; start === 0 || start < rows.length; start += chunk) {
      const part = rows.slice(start, start + chunk);
      const gone = start === 0 ? removed : [];
      if (part.length === 0 && gone.length === 0) return;
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      crashPoint('db-write');
      await this.#client.batch(
        [
          {
            sql: `INSERT OR REPLACE INTO inputs SELECT value->>'path', value->>'fingerprint', value->>'parsed', value->>'facts', value->>'head' FROM json_each(?)`,
            args: [JSON.stringify(part)],
          },
          { sql: 'DELETE FROM inputs WHERE path IN (SELECT value FROM json_each(?))', args: [JSON.stringify(gone)] },
        ],
        'write',
      );
    }
  }

  /**
   * Nulls the rows of files about to be replaced or removed (inserting rows for new paths) and records the
   * paths as the engine's in `outDir`, in one transaction.
   */
  async markPending(outDir: string, rows: { path: string; section: string }[]): Promise<void> {
    if (rows.length === 0) return;
    crashPoint('db-write');
    const json = JSON.stringify(rows);
    await this.#client.batch(
      [
        { sql: `INSERT OR REPLACE INTO outputs SELECT value->>'path', value->>'section', NULL, NULL FROM json_each(?)`, args: [json] },
        { sql: `INSERT OR IGNORE INTO owned SELECT ?, value->>'path' FROM json_each(?)`, args: [outDir, json] },
      ],
      'write',
    );
  }

  /** Records files that are now on disk in `outDir` with these keys and hashes, in one transaction. */
  async commitOutputs(outDir: string, rows: { path: string; section: string; key: string; hash: string }[]): Promise<void> {
    if (rows.length === 0) return;
    crashPoint('db-write');
    const json = JSON.stringify(rows);
    await this.#client.batch(
      [
        { sql: `INSERT OR REPLACE INTO outputs SELECT value->>'path', value->>'section', value->>'key', value->>'hash' FROM json_each(?)`, args: [json] },
        { sql: `INSERT OR IGNORE INTO owned SELECT ?, value->>'path' FROM json_each(?)`, args: [outDir, json] },
      ],
      'write',
    );
  }

  /** Forgets files that were removed from `outDir`. */
  async deleteOutputs(outDir: string, paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    crashPoint('db-write');
    const json = JSON.stringify(paths);
    await this.#client.batch(
      [
        { sql: 'DELETE FROM outputs WHERE path IN (SELECT value FROM json_each(?))', args: [json] },
        { sql: 'DELETE FROM owned WHERE out_dir = ? AND path IN (SELECT value FROM json_each(?))', args: [outDir, json] },
      ],
      'write',
    );
  }

  /** The files the engine has put in `outDir` and not removed since (relative paths). */
  async ownedPaths(outDir: string): Promise<Set<string>> {
    const result = await this.#client.execute({ sql: 'SELECT json_group_array(path) AS paths FROM owned WHERE out_dir = ?', args: [outDir] });
    return new Set(JSON.parse(String(result.rows[0]?.paths ?? '[]')) as string[]);
  }

  /** Forgets that the engine wrote anything in `outDir` (the folder is gone, or was emptied). */
  async disownAll(outDir: string): Promise<void> {
    crashPoint('db-write');
    await this.#client.execute({ sql: 'DELETE FROM owned WHERE out_dir = ?', args: [outDir] });
  }

  async macros(): Promise<Map<string, string>> {
    const result = await this.#client.execute('SELECT json_group_array(json_array(key, output)) AS rows FROM macros');
    return new Map(JSON.parse(String(result.rows[0]?.rows ?? '[]')) as [string, string][]);
  }

  /** Stores new macro results and drops those no post uses any more. */
  async saveMacros(added: { key: string; output: string }[], used: string[]): Promise<void> {
    crashPoint('db-write');
    await this.#client.batch(
      [
        { sql: `INSERT OR REPLACE INTO macros SELECT value->>'key', value->>'output' FROM json_each(?)`, args: [JSON.stringify(added)] },
        { sql: 'DELETE FROM macros WHERE key NOT IN (SELECT value FROM json_each(?))', args: [JSON.stringify(used)] },
      ],
      'write',
    );
  }

  async meta(key: string): Promise<string | undefined> {
    const result = await this.#client.execute({ sql: 'SELECT value FROM meta WHERE key = ?', args: [key] });
    const value = result.rows[0]?.value;
    return value === undefined || value === null ? undefined : String(value);
  }

  async setMeta(key: string, value: string): Promise<void> {
    crashPoint('db-write');
    await this.#client.execute({ sql: 'INSERT OR REPLACE INTO meta VALUES (?, ?)', args: [key, value] });
  }

  async deleteMeta(key: string): Promise<void> {
    crashPoint('db-write');
    await this.#client.execute({ sql: 'DELETE FROM meta WHERE key = ?', args: [key] });
  }

  /** Forgets every output's row (a clean build, or a different output folder); what the engine owns in each folder stays known. */
  async resetOutputs(): Promise<void> {
    crashPoint('db-write');
    await this.#client.batch(['DELETE FROM outputs', "DELETE FROM meta WHERE key = 'complete'"], 'write');
  }

  close(): void {
    this.#client.close();
  }
}
