/**
 * Where a site keeps its posts, pages, data, includes and files to copy: this
 * engine's own folders, or a Jekyll or Hugo site's, read as they are.
 */

/** The folder layouts a site can be read in. */
export type FolderLayout = 'drove' | 'jekyll' | 'hugo';

/** A post or page file and what its path says. */
export interface ContentFile {
  /** Relative to the site folder, with `/`. */
  source: string;
  kind: 'post' | 'page';
  /**
   * The path its slug and language suffix come from, without the content
   * extension: `posts/2020/a.de.md` → `2020/a.de`; a bundle's `index.md` gives its folder's (`my-post`).
   */
  name: string;
  /** Hugo's section (`posts` for `content/posts/…`); the folder it sits in otherwise. */
  section: string;
  /** A Jekyll `_drafts/` post: a draft whatever its front matter says. */
  draft: boolean;
  /** A leaf bundle (`content/posts/my-post/index.md`): the folder whose other files are the post's own, else undefined. */
  bundle: string | undefined;
  /** `text`: a Jekyll file of another kind with front matter (`robots.txt`): its Liquid is rendered, nothing else. Else by extension. */
  format?: 'text';
}

/** Where a site's files go, by layout. */
export interface SiteFolders {
  posts: ContentFile[];
  /** Folders of data files, relative to the site. */
  data: string;
  includes: string;
  /** Files copied to the output as they are: `{ file, path }` (source relative to the site, output path). */
  statics: { file: string; path: string }[];
  /** Resources of bundles: `{ file, bundle, path }`, `path` relative to the bundle's folder. */
  resources: { file: string; bundle: string; path: string }[];
  /** Files not built, with the reason. */
  skipped: { file: string; reason: string }[];
}

/** The extensions read as Markdown, as Jekyll reads them. */
export const markdownExtensions = ['.md', '.markdown', '.mdown', '.mkd'] as const;

/** How a post's or page's body is written. */
export type ContentFormat = 'markdown' | 'html' | 'text';

/** The format a content file's name gives it, or undefined when it is not a post or page. */
export function contentFormatOf(file: string): ContentFormat | undefined {
  const dot = file.lastIndexOf('.');
  const extension = dot === -1 ? '' : file.slice(dot).toLowerCase();
  if ((markdownExtensions as readonly string[]).includes(extension)) return 'markdown';
  return extension === '.html' ? 'html' : undefined;
}

/** The file's name without its content extension (`posts/2020/a.de.markdown` → `posts/2020/a.de`). */
export function withoutContentExtension(file: string): string {
  return contentFormatOf(file) === undefined ? file : file.slice(0, file.lastIndexOf('.'));
}

/** Hugo sections whose pages are blog posts (the others are pages). */
export const hugoPostSections = ['posts', 'post', 'blog', 'articles', 'news'] as const;

/** Files at a Jekyll site's root that are the site's tooling, never published (Jekyll's default `exclude`, and this engine's own). */
const jekyllExcluded = /^(?:Gemfile(?:\.lock)?|node_modules\/|vendor\/|package(?:-lock)?\.json|site\.config\.(?:mjs|js|json)|_config\.ya?ml|README(?:\.\w+)?|LICEN[CS]E(?:[.-]\w+)?|NOTICE|CHANGELOG(?:\.\w+)?|\.drove-cache\/)/;

/** Files a Jekyll site renders with Liquid that this engine writes itself. */
const generatedByEngine = new Set(['feed.xml', 'atom.xml', 'sitemap.xml', 'index.html', 'index.md']);

/**
 * Sorts a site's files (all of them, relative with `/`, hidden ones left out)
 * into posts, pages and the rest, for a layout. `hasFrontMatter` tells an
 * `.html` page from an `.html` file to copy, and a Jekyll `feed.xml` template
 * from a plain file. `outDir` (relative, when inside the site) is never read.
 */
export function sortSiteFiles(layout: FolderLayout, files: string[], hasFrontMatter: (file: string) => boolean, outDir: string | undefined): SiteFolders {
  const inOut = (file: string) => outDir !== undefined && (file === outDir || file.startsWith(`${outDir}/`));
  const site = files.filter((file) => !inOut(file));
  switch (layout) {
    case 'drove':
      return droveFolders(site);
    case 'jekyll':
      return jekyllFolders(site, hasFrontMatter);
    case 'hugo':
      return hugoFolders(site);
  }
}

/** A bundle's own post or page: `index.md`, or a translation such as `index.de.md` (the suffix captured). */
const indexName = /^index(\.[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)?\.(?:md|markdown|mdown|mkd|html)$/;

/**
 * The folders of `files` that hold an `index` post or page (`posts/trip/index.md`): bundles, as Hugo names them.
 * With `onlyIndex`, a folder that holds other posts or pages too is not one (`pages/docs/index.md` beside `pages/docs/install.md`).
 */
function bundleFinder(files: string[], onlyIndex = false): (file: string) => string | undefined {
  const bundles = new Set(files.filter((file) => /\/index(?:\.[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)?\.(?:md|markdown|mdown|mkd|html)$/.test(file)).map((file) => file.slice(0, file.lastIndexOf('/'))));
  // Most sites have no bundle: then there is nothing to look up, file after file.
  if (bundles.size === 0) return () => undefined;
  if (onlyIndex) {
    for (const file of files) {
      if (!contentFormatOf(file) || indexName.test(file.slice(file.lastIndexOf('/') + 1))) continue;
      for (let at = file.lastIndexOf('/'); at > 0; at = file.lastIndexOf('/', at - 1)) bundles.delete(file.slice(0, at));
    }
  }
  return (file) => {
    for (let at = file.lastIndexOf('/'); at > 0; at = file.lastIndexOf('/', at - 1)) {
      if (bundles.has(file.slice(0, at))) return file.slice(0, at);
    }
    return undefined;
  };
}

function droveFolders(files: string[]): SiteFolders {
  const folders: SiteFolders = { posts: [], data: 'data', includes: 'includes', statics: [], resources: [], skipped: [] };
  // A post in a folder of its own (`posts/trip/index.md`, as Eleventy and Hugo sites keep them) is the post `trip`, its folder's other files its own.
  const bundleOf = bundleFinder(files.filter((file) => file.startsWith('posts/') || file.startsWith('pages/')), true);
  for (const file of files) {
    const top = file.slice(0, file.indexOf('/') + 1);
    if (top === 'static/') folders.statics.push({ file, path: file.slice('static/'.length) });
    if (top !== 'posts/' && top !== 'pages/') continue;
    const kind = top === 'posts/' ? 'post' : 'page';
    const bundle = bundleOf(file);
    const index = bundle === undefined ? undefined : indexName.exec(file.slice(bundle.length + 1));
    if (bundle !== undefined && !index) folders.resources.push({ file, bundle, path: file.slice(bundle.length + 1) });
    else if (contentFormatOf(file)) {
      // `index.de.md` is the bundle's German translation: the language suffix moves onto the bundle's name.
      const name = index ? `${bundle!.slice(top.length)}${index[1] ?? ''}` : withoutContentExtension(file.slice(top.length));
      folders.posts.push({ source: file, kind, name, section: top.slice(0, -1), draft: false, bundle });
    } else folders.skipped.push({ file, reason: `not a ${kind}: only ${markdownExtensions.join(', ')} and .html files with front matter are built (files to copy as they are go in static/ or assets/)` });
  }
  return folders;
}

function jekyllFolders(files: string[], hasFrontMatter: (file: string) => boolean): SiteFolders {
  const folders: SiteFolders = { posts: [], data: '_data', includes: '_includes', statics: [], resources: [], skipped: [] };
  for (const file of files) {
    const parts = file.split('/');
    const postsAt = parts.findIndex((part) => part === '_posts' || part === '_drafts');
    if (postsAt !== -1 && parts.slice(0, postsAt).every((part) => !part.startsWith('_'))) {
      const draft = parts[postsAt] === '_drafts';
      const inside = parts.slice(postsAt + 1).join('/');
      if (contentFormatOf(file)) folders.posts.push({ source: file, kind: 'post', name: withoutContentExtension(inside), section: parts[postsAt]!.slice(1), draft, bundle: undefined });
      else folders.skipped.push({ file, reason: `not a post: only ${markdownExtensions.join(', ')} and .html files are posts` });
      continue;
    }
    // Jekyll publishes nothing under `_folders` (layouts, includes, data, collections) or excluded tooling.
    if (parts.some((part) => part.startsWith('_')) || jekyllExcluded.test(file)) {
      const top = parts[0]!;
      if (parts.length > 1 && top.startsWith('_') && !['_layouts', '_includes', '_data', '_sass', '_plugins', '_site'].includes(top)) {
        folders.skipped.push({ file, reason: `in ${top}/, a Jekyll collection or folder this engine does not read (posts go in _posts/, pages anywhere else)` });
      }
      continue;
    }
    const format = contentFormatOf(file);
    if (parts.length === 1 && generatedByEngine.has(file) && hasFrontMatter(file)) {
      folders.skipped.push({ file, reason: 'the engine writes this page itself (the home list, the feeds and the sitemap, from its layouts)' });
    } else if (format && (format === 'markdown' || hasFrontMatter(file))) {
      folders.posts.push({ source: file, kind: 'page', name: withoutContentExtension(file), section: parts.length > 1 ? parts[0]! : '', draft: false, bundle: undefined });
    } else if (hasFrontMatter(file)) {
      // `robots.txt`, `humans.txt`, `security.txt` with front matter: Jekyll renders their Liquid and writes them at their path.
      folders.posts.push({ source: file, kind: 'page', name: file, section: parts.length > 1 ? parts[0]! : '', draft: false, bundle: undefined, format: 'text' });
    } else folders.statics.push({ file, path: file });
  }
  return folders;
}

function hugoFolders(files: string[]): SiteFolders {
  const folders: SiteFolders = { posts: [], data: 'data', includes: 'includes', statics: [], resources: [], skipped: [] };
  const content = files.filter((file) => file.startsWith('content/')).map((file) => file.slice('content/'.length));
  const bundleOf = bundleFinder(content);
  for (const file of files) if (file.startsWith('static/')) folders.statics.push({ file, path: file.slice('static/'.length) });
  for (const file of content) {
    const source = `content/${file}`;
    const section = file.includes('/') ? file.slice(0, file.indexOf('/')) : '';
    const isPost = (hugoPostSections as readonly string[]).includes(section);
    const bundle = bundleOf(file);
    const format = contentFormatOf(file);
    if (/(?:^|\/)_index\.\w+$/.test(file)) {
      folders.skipped.push({ file: source, reason: 'a Hugo section page (_index): the engine makes its own list pages' });
    } else if (bundle !== undefined && !indexName.test(file.slice(bundle.length + 1))) {
      folders.resources.push({ file: source, bundle: `content/${bundle}`, path: file.slice(bundle.length + 1) });
    } else if (format) {
      const inSection = isPost ? file.slice(section.length + 1) : file;
      const name = withoutContentExtension(inSection).replace(/(?:^|\/)index(?=$|\.[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$)/, '') || section;
      folders.posts.push({ source, kind: isPost ? 'post' : 'page', name, section, draft: false, bundle: bundle === undefined ? undefined : `content/${bundle}` });
    } else {
      // As Hugo publishes them: a file in content/ outside any bundle is copied at its path there.
      folders.statics.push({ file: source, path: file });
    }
  }
  return folders;
}
