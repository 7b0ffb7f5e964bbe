import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { BlogEngineError } from './errors.js';
import { refuseOverwrite } from './internal/refuse-overwrite.js';
import { checkKeys, fail } from './internal/validate.js';

/** Options of {@link initSite}. */
export interface InitSiteOptions {
  /** The folder to create the site in (made when missing). @default process.cwd() */
  dir?: string;
  /** The site's title. @default the folder's name in words ("my-blog" → "My Blog") */
  title?: string;
  /** The site's public address, for feeds, the sitemap and links; its path is the site's base path. @default 'https://example.com/' */
  baseUrl?: string;
  /** Write the site into a folder that is not empty (replacing the files it writes). @default false */
  force?: boolean;
  /** The first post's date. @default now */
  date?: Date;
}

/** What {@link initSite} wrote. */
export interface InitializedSite {
  dir: string;
  title: string;
  /** The files written, relative to `dir`. */
  files: string[];
}

/** A title from a folder name: `my-blog` → `My Blog`. */
function titleOf(dir: string): string {
  const words = basename(dir).split(/[-_.\s]+/).filter(Boolean);
  return words.length === 0 ? 'My Blog' : words.map((w) => `${w[0]!.toUpperCase()}${w.slice(1)}`).join(' ');
}

/**
 * Creates a site that `build` and `serve` accept as it is: `site.config.json`
 * (title, description, base URL), a first post in `posts/YYYY/`, an About
 * page in `pages/`, and a `.gitignore` for the output and cache folders. The
 * built-in theme renders it; copy `layouts/` from the package's `theme/` to
 * change it. Refuses a folder that holds anything, unless `force`.
 *
 * @throws {InvalidOptionError} `ERR_BLOG_INVALID_OPTION` for invalid options.
 * @throws {OverwriteError} `ERR_BLOG_WOULD_OVERWRITE` when `dir` is not empty and `force` is not set; nothing is written.
 * @example
 * ```ts
 * import { initSite } from '@drove/blog-engine';
 * const site = await initSite({ dir: './my-blog', title: 'Field Notes', baseUrl: 'https://notes.example.com/' });
 * ```
 */
export async function initSite(options: InitSiteOptions = {}): Promise<InitializedSite> {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  checkKeys('', options, ['dir', 'title', 'baseUrl', 'force', 'date']);
  if (options.dir !== undefined && (typeof options.dir !== 'string' || options.dir === '')) fail('dir', 'a non-empty string', options.dir);
  const dir = resolve(options.dir ?? process.cwd());
  const title = options.title ?? titleOf(dir);
  if (typeof title !== 'string' || title.trim() === '') fail('title', 'a non-empty string', options.title);
  const baseUrl = options.baseUrl ?? 'https://example.com/';
  if (typeof baseUrl !== 'string' || !/^https?:\/\/[^/]+/.test(baseUrl)) fail('baseUrl', 'an absolute http(s) URL such as "https://example.com/"', options.baseUrl);
  const date = options.date ?? new Date();
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) fail('date', 'a valid Date', options.date);

  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new BlogEngineError('ERR_BLOG_IO', `${dir} is a file, not a folder`, { file: dir });
    const entries = (await readdir(dir)).sort();
    if (entries.length > 0 && options.force !== true) {
      refuseOverwrite(
        dir,
        entries,
        `refusing to create a site in ${dir}: it is not empty, it holds ${entries.length === 1 ? '1 entry' : `${entries.length} entries`}`,
        'run again with --force to write the site into it anyway, or choose an empty folder',
      );
    }
  }

  const year = String(date.getUTCFullYear());
  const stamp = date.toISOString().slice(0, 16).replace('T', ' ');
  const config = { title: title.trim(), description: `${title.trim()}: notes and posts.`, baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/` };
  const files: [string, string][] = [
    ['site.config.json', `${JSON.stringify(config, null, 2)}\n`],
    [
      `posts/${year}/hello-world.md`,
      [
        '---',
        'title: "Hello, world"',
        `date: ${stamp}`,
        'tags: [welcome]',
        '---',
        '',
        'This is the first post of the site. Its first paragraph becomes the **excerpt** on the home page, in tag lists and in the feeds.',
        '',
        'Write the next one with `npx drove-blog new "My second post"`, preview the site with `npx drove-blog serve`, and build it into `_site/` with `npx drove-blog build`.',
        '',
      ].join('\n'),
    ],
    ['pages/about.md', ['---', 'title: About', '---', '', `${config.title} is built with [drove-blog](https://www.npmjs.com/package/@drove/blog-engine).`, ''].join('\n')],
    ['.gitignore', '_site/\n.drove-cache/\n'],
  ];
  for (const [file, text] of files) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  return { dir, title: config.title, files: files.map(([file]) => file) };
}
