import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { configFileNames, loadSiteConfig } from './config.js';
import { BlogEngineError, InvalidOptionError } from './errors.js';
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
  /** One of the site's languages: the file is named `slug.<lang>.md`. @default the default language (no suffix) */
  lang?: string;
  /** Write `draft: true`. @default false */
  draft?: boolean;
}

/**
 * Creates `posts/YYYY/<slug>.md` with front matter. Checks the site first, so
 * that what it writes builds: the folder must hold a valid site
 * configuration, and `lang` must be one of its languages. Refuses to
 * overwrite.
 *
 * @returns the new file's path.
 * @throws {BlogEngineError} `ERR_BLOG_IO` when the file exists; `ERR_BLOG_CONFIG` when the folder has no site
 * configuration; `ERR_BLOG_INVALID_OPTION` for a bad title or a language the site does not have.
 * @throws {BuildError} `ERR_BLOG_BUILD_FAILED` listing the `ERR_BLOG_CONFIG` problems of an invalid configuration.
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
  if (!configFileNames.some((name) => existsSync(join(site, name)))) {
    throw new BlogEngineError('ERR_BLOG_CONFIG', `no site configuration in ${site} (looked for ${configFileNames.join(', ')})`);
  }
  const config = await loadSiteConfig(site);
  const codes = config.languages.map((language) => language.code);
  if (options.lang !== undefined && !codes.includes(options.lang)) {
    throw new InvalidOptionError(`unknown language \`${options.lang}\`: this site has ${codes.map((c) => `\`${c}\``).join(', ')} (add it to \`languages\` in the site configuration first)`);
  }
  // The default language's posts carry no suffix and no `lang:`.
  const lang = options.lang === config.defaultLanguage ? undefined : options.lang;
  const folder = join(site, 'posts', String(date.getUTCFullYear()));
  const file = join(folder, `${slug}${lang ? `.${lang}` : ''}.md`);
  if (existsSync(file)) throw new BlogEngineError('ERR_BLOG_IO', 'already exists; choose another title, or edit that post', { file });
  const lines = ['---', `title: ${JSON.stringify(options.title.trim())}`, `date: ${date.toISOString().slice(0, 16).replace('T', ' ')}`];
  lines.push(`tags: [${(options.tags ?? []).map((t) => JSON.stringify(t)).join(', ')}]`);
  if (lang) lines.push(`lang: ${lang}`);
  if (options.draft) lines.push('draft: true');
  lines.push('---', '', 'Write the first paragraph here: it becomes the excerpt.', '');
  await mkdir(folder, { recursive: true });
  await writeFile(file, lines.join('\n'), { flag: 'wx' });
  return file;
}
