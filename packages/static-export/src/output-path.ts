/**
 * Where a path's page goes, and which artifact names are safe: pure
 * functions, the same in the coordinator (before a path is dispatched) and in
 * the render child (before anything is written).
 *
 * @module
 */
import { StaticExportError } from './errors.js';

/** A last segment with an extension of 1–8 letters and digits, at least one a letter, names a file: `feed.xml`, `404.html`. */
const FILE_EXTENSION = /\.(?=[A-Za-z0-9]{0,7}[A-Za-z])[A-Za-z0-9]{1,8}$/;
const DRIVE_LETTER = /^[A-Za-z]:/;
/** A path of plain segments (letters, digits, `-_~.`, none starting with a dot): nothing to decode, drop or resolve. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+\/?$/;

/**
 * Maps a URL path to the file its page is written to, relative to `outDir`,
 * with `/` separators:
 *
 * - `/` → `index.html`; `/about` and `/about/` → `about/index.html`;
 * - a last segment with an extension is a file: `/feed.xml` → `feed.xml`, `/404.html` → `404.html`;
 * - percent-escapes are decoded per segment (`/caf%C3%A9` → `café/index.html`);
 *   empty and `.` segments are dropped, and `..` climbs one segment.
 *
 * @throws {StaticExportError} `ERR_EXPORT_PATH_ESCAPES` for a path that would leave
 * `outDir` (`/../x`, an encoded `..%2F`, a NUL byte, a backslash, a drive letter like `C:`);
 * `ERR_EXPORT_INVALID_PATH` for a non-string, an empty string, a query or fragment
 * (`?`, `#`), or a malformed percent-escape.
 * @example
 * ```ts
 * import { resolveOutputFile } from '@drove/static-export';
 * resolveOutputFile('/blog/hello-world'); // 'blog/hello-world/index.html'
 * ```
 */
export function resolveOutputFile(path: string): string {
  // Most paths are plain; the coordinator maps each one twice, so they skip the general case's arrays.
  if (typeof path === 'string' && PLAIN_PATH.test(path)) return plainOutputFile(path);
  if (typeof path !== 'string' || path.length === 0) {
    throw new StaticExportError('ERR_EXPORT_INVALID_PATH', `A path must be a non-empty string, got ${typeof path === 'string' ? 'an empty string' : typeof path}`, {
      path: typeof path === 'string' ? path : String(path),
    });
  }
  if (path.includes('?') || path.includes('#')) {
    throw new StaticExportError('ERR_EXPORT_INVALID_PATH', `The path ${JSON.stringify(path)} has a query or a fragment, which no file can hold`, { path });
  }
  const raw = path.split('/');
  const segments: string[] = [];
  for (const part of raw) {
    let segment: string;
    try {
      segment = part.includes('%') ? decodeURIComponent(part) : part;
    } catch {
      throw new StaticExportError('ERR_EXPORT_INVALID_PATH', `The path ${JSON.stringify(path)} has a malformed percent-escape`, { path });
    }
    if (segment.includes('/') && part !== segment) pathEscapes(path, 'an encoded `/` (%2F) in a segment');
    pushSegment(segments, segment, (why) => pathEscapes(path, why));
  }
  const last = raw[raw.length - 1]!;
  const directory = last === '' || last === '.' || last === '..' || segments.length === 0;
  if (!directory && FILE_EXTENSION.test(segments[segments.length - 1]!)) return segments.join('/');
  segments.push('index.html');
  return segments.join('/');
}

/** {@link resolveOutputFile} of a path that matches {@link PLAIN_PATH}. */
function plainOutputFile(path: string): string {
  const relative = path.slice(1);
  if (relative.endsWith('/')) return `${relative}index.html`;
  return FILE_EXTENSION.test(relative) ? relative : `${relative}/index.html`;
}

/**
 * Checks an artifact's file name (what `render()` returns or passes to
 * `ctx.write()`) and normalises it: relative to `outDir`, `/` separators,
 * empty and `.` segments dropped, `..` resolved.
 *
 * @throws {StaticExportError} `ERR_EXPORT_PATH_ESCAPES` for a name that would leave `outDir`
 * (absolute, `..` past the top, NUL, backslash, drive letter); `ERR_EXPORT_INVALID_ARTIFACT`
 * for a non-string, an empty name or one that names a directory.
 * @example
 * ```ts
 * import { resolveArtifactName } from '@drove/static-export';
 * resolveArtifactName('blog/./feed.xml'); // 'blog/feed.xml'
 * ```
 */
export function resolveArtifactName(name: string, path?: string): string {
  const owner = path === undefined ? '' : ` (rendering ${path})`;
  if (typeof name !== 'string' || name.length === 0) {
    throw new StaticExportError('ERR_EXPORT_INVALID_ARTIFACT', `An artifact's file name must be a non-empty string, got ${typeof name === 'string' ? 'an empty string' : typeof name}${owner}`, { path });
  }
  if (name.startsWith('/')) {
    throw new StaticExportError('ERR_EXPORT_PATH_ESCAPES', `The artifact ${JSON.stringify(name)} is an absolute path; artifact names are relative to outDir${owner}`, { path });
  }
  const segments: string[] = [];
  const fail = (why: string): never => {
    throw new StaticExportError('ERR_EXPORT_PATH_ESCAPES', `The artifact ${JSON.stringify(name)} would escape outDir: it has ${why}${owner}`, { path });
  };
  for (const segment of name.split('/')) pushSegment(segments, segment, fail);
  if (segments.length === 0 || name.endsWith('/')) {
    throw new StaticExportError('ERR_EXPORT_INVALID_ARTIFACT', `The artifact ${JSON.stringify(name)} names a directory, not a file${owner}`, { path });
  }
  return segments.join('/');
}

function pushSegment(segments: string[], segment: string, escapes: (why: string) => never): void {
  if (segment.includes('\0')) escapes('a NUL byte');
  if (segment.includes('\\')) escapes('a backslash (a separator on Windows)');
  if (segment === '' || segment === '.') return;
  if (segment === '..') {
    if (segments.length === 0) escapes('`..` above the top');
    segments.pop();
    return;
  }
  if (segments.length === 0 && DRIVE_LETTER.test(segment)) escapes('a drive letter');
  segments.push(segment);
}

function pathEscapes(path: string, why: string): never {
  throw new StaticExportError('ERR_EXPORT_PATH_ESCAPES', `The path ${JSON.stringify(path)} would escape outDir: it has ${why}`, { path });
}
