/**
 * A URL slug: letters and digits of any script kept (lower-cased, accents
 * dropped), everything else one `-`. The same everywhere: main thread,
 * workers and the `slugify` filter.
 */
const cache = new Map<string, string>();

export function slugify(text: string): string {
  // Tags and categories repeat on every post: slug each spelling once.
  const known = cache.get(text);
  if (known !== undefined) return known;
  const slug = slugOf(text);
  if (cache.size > 50_000) cache.clear();
  cache.set(text, slug);
  return slug;
}

/**
 * The slug, not remembered. For text cut out of a larger string (a Markdown
 * heading is a slice of its post's whole source): as a key in the cache such a
 * slice would keep the whole source alive.
 */
export function slugOf(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}
