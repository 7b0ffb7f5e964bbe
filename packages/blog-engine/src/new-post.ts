import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BlogEngineError } from './errors.js';
import { slugify } from './internal/slugify.js';
import { fail } from './internal/validate.js';

/** Options of {@link createPost}. */
export interface NewPostOptions {
  /** The post's title. */
  title: string;
  /** The site folder. @default process.cwd() */
  site?: string;
  /** The post's date. @default now */
  date?: Date;
  /** Tags for the front matter. @default [] */
  tags?: string[];
  /** A language code: the file is named `slug.<lang>.md`. @default the default language (no suffix) */
  lang?: string;
  /** Write `draft: true`. @default false */
  draft?: boolean;
}

/**
 * Creates `posts/YYYY/<slug>.md` with front matter. Refuses to overwrite.
 *
 * @returns the new file's path.
 * @throws {BlogEngineError} `ERR_BLOG_IO` when the file exists; `ERR_BLOG_INVALID_OPTION` for a bad title.
 * @example
 * ```ts
 * import { createPost } from '@drove/blog-engine';
 * const file = await createPost({ title: 'Hello, workers', site: './my-blog' });
 * ```
 */
export async function createPost(options: NewPostOptions): Promise<string> {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  if (typeof options.title !== 'string' || options.title.trim() === '') fail('title', 'a non-empty string', options.title);
  const slug = slugify(options.title);
  if (!slug) fail('title', 'a title with letters or digits (it names the file)', options.title);
  const date = options.date ?? new Date();
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) fail('date', 'a valid Date', options.date);
  if (options.lang !== undefined && !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(options.lang)) fail('lang', 'a language code such as "de"', options.lang);
  const site = resolve(options.site ?? process.cwd());
  const folder = join(site, 'posts', String(date.getUTCFullYear()));
  const file = join(folder, `${slug}${options.lang ? `.${options.lang}` : ''}.md`);
  if (existsSync(file)) throw new BlogEngineError('ERR_BLOG_IO', `${file} already exists`, { file });
  const lines = ['---', `title: ${JSON.stringify(options.title.trim())}`, `date: ${date.toISOString().slice(0, 16).replace('T', ' ')}`];
  lines.push(`tags: [${(options.tags ?? []).map((t) => JSON.stringify(t)).join(', ')}]`);
  if (options.lang) lines.push(`lang: ${options.lang}`);
  if (options.draft) lines.push('draft: true');
  lines.push('---', '', 'Write the first paragraph here: it becomes the excerpt.', '');
  await mkdir(folder, { recursive: true });
  await writeFile(file, lines.join('\n'), { flag: 'wx' });
  return file;
}
