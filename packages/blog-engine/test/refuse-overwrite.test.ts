import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folders, post, read, runCli, spawnCli, tempDir, tree, writeSite } from './helpers.js';

/** Every file's bytes and every folder under `dir`: what "untouched" is checked against. */
function contents(dir: string): { files: Map<string, string>; folders: string[] } {
  return { files: tree(dir), folders: folders(dir) };
}

/** A user's folder: files at paths a build writes (`index.html`) and paths it never does. */
function userFolder(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'notes'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<p>my own home page</p>\n');
  writeFileSync(join(dir, 'notes', 'todo.txt'), 'buy milk\n');
  writeFileSync(join(dir, 'photo.bin'), Buffer.from([0, 1, 2, 255, 254]));
  return dir;
}

function blog(): string {
  return writeSite({
    'posts/a.md': post({ title: 'A', date: '2021-01-01', tags: '[x]' }, 'Alpha.\n'),
    'posts/b.md': post({ title: 'B', date: '2021-02-01', tags: '[y]' }, 'Beta.\n'),
  });
}

/** Asserts a refusal: exit 1, one line on stderr naming the files and their count, no stack. */
function expectRefusal(result: { code: number; stdout: string; stderr: string }, names: string[], count: number): void {
  expect(result.code, result.stderr).toBe(1);
  // The build's plain progress lines (stderr is not a terminal) come before it.
  const lines = result.stderr.trimEnd().split('\n').filter((line) => !/^(render|commit) +[\d,]+\/[\d,]+ /.test(line));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^drove-blog: refusing to /);
  expect(lines[0]).toContain(`${count} file${count === 1 ? '' : 's'}`);
  expect(lines[0]).toContain('--force');
  for (const name of names) expect(lines[0]).toContain(name);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('drove-blog generate', () => {
  it('refuses an existing blog, naming what it would replace, and changes nothing; --force replaces it', async () => {
    const site = writeSite({
      'site.config.json': JSON.stringify({ title: 'My real blog', baseUrl: 'https://me.example/' }),
      'posts/2020/my-first-post.md': post({ title: 'Mine', date: '2020-05-01' }, 'Years of writing.\n'),
      'posts/2021/second.md': post({ title: 'Second', date: '2021-05-01' }),
      'pages/about.md': post({ title: 'About me' }),
      'README.md': 'my notes\n',
    });
    const before = contents(site);
    const refused = await runCli(['generate', '--posts', '20', '--out', site]);
    expectRefusal(refused, ['site.config.json', 'posts/2020/my-first-post.md', 'pages/about.md'], 4);
    expect(contents(site)).toEqual(before);

    const forced = await runCli(['generate', '--posts', '20', '--out', site, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(join(site, 'posts/2020/my-first-post.md'))).toBe(false);
    expect(JSON.parse(read(site, 'site.config.json'))).toMatchObject({ title: 'Drove Field Notes' });
    expect(read(site, 'README.md')).toBe('my notes\n');
  });

  it('refuses a folder that holds anything, even files it would not replace, and writes into an empty or new one', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'README.md'), 'keep me\n');
    const before = contents(dir);
    const refused = await runCli(['generate', '--posts', '5', '--out', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^drove-blog: refusing to generate into .*: it is not empty, it holds 1 entry \(README\.md\); run again with --force/)]);
    expect(contents(dir)).toEqual(before);

    expect((await runCli(['generate', '--posts', '5', '--out', join(dir, 'new', 'blog')])).code).toBe(0);
    const empty = tempDir();
    expect((await runCli(['generate', '--posts', '5', '--out', empty])).code).toBe(0);
  });
});

describe('drove-blog build', () => {
  it('refuses an --out folder with the user’s files in the way, changing nothing; --force replaces only those in the way', async () => {
    const site = blog();
    const out = userFolder();
    const before = contents(out);
    expectRefusal(await runCli(['build', site, '--out', out, '--workers', '2']), ['index.html'], 1);
    expect(contents(out)).toEqual(before);
    // Refused again on the next try: the refusal recorded nothing as the engine's.
    expectRefusal(await runCli(['build', site, '--out', out]), ['index.html'], 1);
    expect(contents(out)).toEqual(before);

    const forced = await runCli(['build', site, '--out', out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(read(out, 'index.html')).toContain('Alpha.');
    expect(read(out, 'notes/todo.txt')).toBe('buy milk\n');
    expect(readFileSync(join(out, 'photo.bin'))).toEqual(Buffer.from([0, 1, 2, 255, 254]));
    // index.html is the engine's now: edits and removals go on without --force.
    writeFileSync(join(site, 'posts/a.md'), post({ title: 'A', date: '2021-01-01', tags: '[x]' }, 'Alpha, edited.\n'));
    rmSync(join(site, 'posts/b.md'));
    const again = await runCli(['build', site, '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(read(out, 'index.html')).toContain('Alpha, edited.');
    expect(read(out, 'notes/todo.txt')).toBe('buy milk\n');
  });

  it('never removes or replaces a file the user put in the output folder, through edits, removals and --clean', async () => {
    const site = blog();
    expect((await runCli(['build', site])).code).toBe(0);
    const out = join(site, '_site');
    writeFileSync(join(out, 'CNAME'), 'blog.example.com\n');
    mkdirSync(join(out, 'tags', 'x', 'mine'), { recursive: true });
    writeFileSync(join(out, 'tags', 'x', 'mine', 'keep.txt'), 'inside a folder the build writes to\n');
    writeFileSync(join(site, 'posts/a.md'), post({ title: 'A', date: '2021-01-01', tags: '[z]' }, 'Alpha, retagged.\n'));
    rmSync(join(site, 'posts/b.md'));
    const rebuilt = await runCli(['build', site, '--json']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ removed: expect.any(Number) as number });
    expect(JSON.parse(rebuilt.stdout).removed).toBeGreaterThan(0);
    expect(existsSync(join(out, 'tags', 'y'))).toBe(false);
    const clean = await runCli(['build', site, '--clean']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(read(out, 'CNAME')).toBe('blog.example.com\n');
    expect(read(out, 'tags/x/mine/keep.txt')).toBe('inside a folder the build writes to\n');
    expect(read(out, 'index.html')).toContain('Alpha, retagged.');

    // --clean --force empties the folder, as it says.
    expect((await runCli(['build', site, '--clean', '--force'])).code).toBe(0);
    expect(existsSync(join(out, 'CNAME'))).toBe(false);
    expect(read(out, 'index.html')).toContain('Alpha, retagged.');
  });

  it('remembers what it wrote in a folder while building into another, and forgets a folder that was removed', async () => {
    const site = blog();
    const first = join(tempDir(), 'first');
    const second = join(tempDir(), 'second');
    expect((await runCli(['build', site, '--out', first])).code).toBe(0);
    expect((await runCli(['build', site, '--out', second])).code).toBe(0);
    writeFileSync(join(site, 'posts/a.md'), post({ title: 'A', date: '2021-01-01', tags: '[x]' }, 'Alpha, moved on.\n'));
    const back = await runCli(['build', site, '--out', first]);
    expect(back.code, back.stderr).toBe(0);
    expect(read(first, 'index.html')).toContain('Alpha, moved on.');

    // The folder is removed and the user makes one of the same name: its files are the user's.
    rmSync(second, { recursive: true });
    const build = await runCli(['build', site, '--out', join(tempDir(), 'elsewhere')]);
    expect(build.code).toBe(0);
    cpSync(userFolder(), second, { recursive: true });
    const before = contents(second);
    expectRefusal(await runCli(['build', site, '--out', second]), ['index.html'], 1);
    expect(contents(second)).toEqual(before);
  });

  it('serve refuses the same way, in one line, and serves nothing it would have replaced', async () => {
    const site = blog();
    const out = userFolder();
    const before = contents(out);
    const { child, ended } = spawnCli(['serve', site, '--port', '0', '--out', out, '--workers', '1']);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        let stdout = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('serving ')) resolve();
        });
        void ended.then(() => reject(new Error(`serve ended early: ${stdout}${stderr}`)));
      });
    } finally {
      child.kill('SIGTERM');
      await ended;
    }
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^drove-blog: refusing to replace 1 file in .* \(index\.html\); run again with --force/)]);
    expect(contents(out)).toEqual(before);
  });
});

describe('drove-blog new', () => {
  it('never overwrites an existing post', async () => {
    const site = blog();
    const created = await runCli(['new', 'Hello', '--site', site]);
    expect(created.code).toBe(0);
    const file = created.stdout.trim().replace(/^created /, '');
    writeFileSync(file, 'my draft, written by hand\n');
    expect((await runCli(['new', 'Hello', '--site', site])).code).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('my draft, written by hand\n');
  });
});
