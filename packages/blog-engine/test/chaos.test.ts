import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { build } from '@drove/blog-engine';
import { seededRandom } from '@drove/test-support';
import { folders, post, spawnCli, tempDir, tree } from './helpers.js';

/**
 * The chaos suite: a seeded schedule of site edits and SIGKILLs at random
 * moments, each followed by a normal build whose output must equal, byte for
 * byte and folder for folder, a clean build of the same sources, with no
 * temporary file left. The seed is printed; `CHAOS_SEED=<seed>` replays the
 * same schedule (where a timer kill lands still depends on the machine).
 * `CHAOS_ITERATIONS` sets the rounds: a few in `npm test`, many in
 * `npm run chaos`.
 */
const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
const iterations = process.env.CHAOS_ITERATIONS ? Number(process.env.CHAOS_ITERATIONS) : 5;

const run = promisify(execFile);
const readBuildDb = fileURLToPath(new URL('./fixtures/read-build-db.mjs', import.meta.url));

class Dice {
  readonly next: () => number;
  constructor(start: number) {
    this.next = seededRandom(start);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A site the schedule edits: posts in English and German, later French too; Liquid in bodies, old URLs, a nested data file, a page bundle. */
class ChaosSite {
  readonly dir = tempDir('drove-blog-chaos-');
  readonly #posts = new Map<number, { title: string; tags: string[]; body: string; translated: boolean }>();
  #languages = ['en', 'de'];
  #nextId = 1;

  constructor(dice: Dice) {
    for (let i = 0; i < 36; i++) this.#add(dice);
    mkdirSync(join(this.dir, 'data/people'), { recursive: true });
    writeFileSync(join(this.dir, 'data/people/jane.yml'), 'name: Jane\n');
    mkdirSync(join(this.dir, 'pages/about'), { recursive: true });
    writeFileSync(join(this.dir, 'pages/about/index.md'), post({ title: 'About', aliases: '[/old-about/]' }, 'By {{ site.data.people.jane.name }}. ![Me](me.png)\n'));
    writeFileSync(join(this.dir, 'pages/about/me.png'), 'png');
    this.#writeConfig();
  }

  #add(dice: Dice): number {
    const id = this.#nextId++;
    this.#posts.set(id, {
      title: `Post ${id}`,
      tags: [...new Set([`t${dice.int(0, 6)}`, `t${dice.int(0, 9)}`])],
      body: `First of ${id}, by {{ site.data.people.jane.name }}.\n\nMore of ${id}, with \`code\` and *emphasis*; [about]({% link pages/about/index.md %}).\n`,
      translated: dice.chance(0.25),
    });
    this.#writePost(id);
    return id;
  }

  #date(id: number): string {
    return `20${20 + (id % 4)}-${String((id % 12) + 1).padStart(2, '0')}-${String((id % 27) + 1).padStart(2, '0')}`;
  }

  #writePost(id: number): void {
    const p = this.#posts.get(id)!;
    mkdirSync(join(this.dir, 'posts'), { recursive: true });
    const aliases: Record<string, string> = id % 2 === 0 ? { aliases: `[/old/p${id}/]` } : {};
    writeFileSync(join(this.dir, `posts/p${id}.md`), post({ title: p.title, date: this.#date(id), tags: `[${p.tags.join(', ')}]`, categories: `c${id % 3}`, ...aliases }, p.body));
    for (const lang of this.#languages.slice(1)) {
      const file = join(this.dir, `posts/p${id}.${lang}.md`);
      if (p.translated) writeFileSync(file, post({ title: `${p.title} (${lang})`, date: this.#date(id) }, `Erst ${id} ${lang}.\n`));
      else rmSync(file, { force: true });
    }
  }

  #writeConfig(): void {
    const config = { title: 'Chaos', baseUrl: 'https://example.com/', languages: this.#languages, paginate: { home: 4, tag: 3, archive: 5 }, feeds: { limit: 5 } };
    writeFileSync(join(this.dir, 'site.config.json'), JSON.stringify(config));
  }

  /** Edits, removes and adds posts, and now and then adds a language; returns what it did. */
  mutate(dice: Dice): string[] {
    const done: string[] = [];
    const ids = () => [...this.#posts.keys()];
    for (let n = dice.int(1, 4); n > 0; n--) {
      const id = dice.pick(ids());
      const p = this.#posts.get(id)!;
      const what = dice.int(0, 3);
      if (what === 0) p.body = `${p.body}\nEdited ${dice.int(0, 999)}.\n`;
      else if (what === 1) p.title = `${p.title} again`;
      else if (what === 2) p.tags = [`t${dice.int(0, 12)}`];
      else p.translated = !p.translated;
      this.#writePost(id);
      done.push(`edit p${id} (${['body', 'title', 'tags', 'translation'][what]})`);
    }
    for (let n = dice.int(0, 2); n > 0 && this.#posts.size > 10; n--) {
      const id = dice.pick(ids());
      this.#posts.delete(id);
      for (const name of readdirSync(join(this.dir, 'posts'))) if (name.startsWith(`p${id}.`)) rmSync(join(this.dir, 'posts', name));
      done.push(`remove p${id}`);
    }
    for (let n = dice.int(0, 2); n > 0; n--) done.push(`add p${this.#add(dice)}`);
    // The data file every body reads: every post page changes.
    if (dice.chance(0.2)) {
      writeFileSync(join(this.dir, 'data/people/jane.yml'), `name: Jane ${dice.int(0, 999)}\n`);
      done.push('edit data/people/jane.yml');
    }
    if (this.#languages.length === 2 && dice.chance(0.3)) {
      this.#languages = [...this.#languages, 'fr'];
      this.#writeConfig();
      for (const id of ids()) this.#writePost(id);
      done.push('add language fr');
    }
    return done;
  }
}

/** Where and how a killed run dies. */
type Kill = { kind: 'point'; spec: string } | { kind: 'timer'; afterMs: number };

function pickKill(dice: Dice): Kill {
  if (dice.chance(0.3)) return { kind: 'timer', afterMs: dice.int(40, 1500) };
  const point = dice.pick(['after-render', 'after-pending', 'commit-chunk', 'after-commit-chunk', 'after-remove', 'render-page', 'stage-write', 'move', 'remove-file', 'db-write', 'db-write']);
  // Per-page points pass dozens of times a build, database writes about ten, commit chunks a few, the rest once.
  const nth = ['render-page', 'move', 'stage-write'].includes(point) ? dice.int(1, 60) : point === 'db-write' ? dice.int(1, 10) : point.includes('commit-chunk') || point === 'remove-file' ? dice.int(1, 3) : 1;
  // SQLite commits run in native code: a killer thread SIGKILLs the process a fraction of a millisecond into one.
  const action = point === 'db-write' ? `after-${(dice.next() * 2).toFixed(2)}` : point === 'render-page' && dice.chance(0.3) ? 'exit-thread' : 'kill';
  return { kind: 'point', spec: `${point}:${nth}:${action}` };
}

/**
 * A build that has not ended after this long is hung: it is SIGKILLed (so no process outlives the test) and
 * reported as such. Not a timing assertion: a build of this site takes about a second.
 */
const hungAfterMs = 120_000;

function watched(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnCli> & { hung: () => boolean } {
  const spawned = spawnCli(args, env);
  let hung = false;
  const watchdog = setTimeout(() => {
    hung = true;
    spawned.child.kill('SIGKILL');
  }, hungAfterMs);
  void spawned.ended.then(() => clearTimeout(watchdog));
  return { ...spawned, hung: () => hung };
}

async function killedRun(site: string, kill: Kill, workers: number, clean: boolean): Promise<string> {
  const args = ['build', site, '--workers', String(workers), ...(clean ? ['--clean'] : [])];
  if (kill.kind === 'point') {
    const { ended, hung } = watched(args, { DROVE_BLOG_CRASH_AT: kill.spec });
    const { code, signal } = await ended;
    return hung() ? 'HUNG' : `${signal ?? `exit ${code}`}`;
  }
  const { child, ended } = watched(args);
  // The delay only picks where the kill lands; the run may also have ended by then.
  await Promise.race([sleep(kill.afterMs), ended]);
  child.kill('SIGKILL');
  const { code, signal } = await ended;
  return `${signal ?? `exit ${code}`}`;
}

async function cleanBuild(site: string): Promise<{ files: Map<string, string>; folders: string[] }> {
  const dir = tempDir('drove-blog-chaos-clean-');
  await build({ site, out: join(dir, 'out'), database: `file:${join(dir, 'clean.db')}`, workers: 2 });
  return { files: tree(join(dir, 'out')), folders: folders(join(dir, 'out')) };
}

describe('chaos: builds SIGKILLed at random moments, with the site edited between runs', () => {
  it(`rebuild to exactly a clean build's output, leaving no temporary file (seed ${seed}, ${iterations} rounds)`, { timeout: (iterations * 4 + 2) * hungAfterMs }, async () => {
    console.log(`chaos seed ${seed}, ${iterations} rounds (replay: CHAOS_SEED=${seed} CHAOS_ITERATIONS=${iterations} npx vitest run test/chaos.test.ts)`);
    const dice = new Dice(seed);
    const site = new ChaosSite(dice);
    const out = join(site.dir, '_site');
    expect((await spawnCli(['build', site.dir, '--workers', '2']).ended).code).toBe(0);
    const log: string[] = [];
    const note = (line: string) => {
      log.push(line);
      if (process.env.CHAOS_VERBOSE) console.log(line);
    };
    for (let round = 1; round <= iterations; round++) {
      note(`round ${round}:`);
      // One to three killed runs in a row, the site edited before each (and sometimes before the rerun).
      for (let kills = dice.int(1, 3); kills > 0; kills--) {
        note(`  ${site.mutate(dice).join(', ')}`);
        const kill = pickKill(dice);
        const workers = dice.int(1, 2);
        const clean = dice.chance(0.15);
        note(`  killed run: ${kill.kind === 'point' ? kill.spec : `timer ${kill.afterMs} ms`}, ${workers} worker(s)${clean ? ', --clean' : ''}`);
        const outcome = await killedRun(site.dir, kill, workers, clean);
        note(`    → ${outcome}`);
        expect(outcome, `seed ${seed}\n${log.join('\n')}`).not.toBe('HUNG');
      }
      if (dice.chance(0.3)) note(`  ${site.mutate(dice).join(', ')}`);
      const rerun = watched(['build', site.dir, '--workers', String(dice.int(1, 2))]);
      let stderr = '';
      rerun.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const ended = await rerun.ended;
      const context = `seed ${seed}\n${log.join('\n')}\n${rerun.hung() ? 'the rerun HUNG\n' : ''}${stderr}`;
      expect(ended, context).toEqual({ code: 0, signal: null });
      expect(existsSync(join(out, '.drove-tmp')), context).toBe(false);
      const clean = await cleanBuild(site.dir);
      expect({ files: tree(out), folders: folders(out) }, context).toEqual(clean);
      expect(readdirSync(join(site.dir, '.drove-cache')), context).toEqual(['build.db']);
      // The database agrees with the disk: a row and an owner for every file, holding that file's hash.
      const { stdout } = await run(process.execPath, [readBuildDb, pathToFileURL(join(site.dir, '.drove-cache', 'build.db')).href, out]);
      const db = JSON.parse(stdout) as { outputs: [string, string | null][]; owned: string[] };
      expect(new Map(db.outputs), context).toEqual(clean.files);
      expect(db.owned, context).toEqual([...clean.files.keys()].sort());
    }
  });
});
