/**
 * Tenant keys and their directories. A key names a directory under the
 * runtime's root, so it is checked twice before anything is spawned: against
 * a strict pattern, and, once symlinks are resolved, that its directory is
 * still inside the (resolved) root.
 *
 * @module
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { InvalidTenantKeyError, TenantEntryOutsideRootError, TenantNotFoundError } from './errors.js';

/** The longest key: a DNS label, so that a key can be a host name's first label. */
export const MAX_TENANT_KEY_LENGTH = 63;

/**
 * The pattern every key must match: a letter or digit, then letters, digits,
 * `.`, `_` or `-`, at most {@link MAX_TENANT_KEY_LENGTH} characters in all. It
 * admits no path separator and no key that starts with a dot (`.` and `..`).
 */
export const TENANT_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * Checks a key against {@link TENANT_KEY_PATTERN}.
 *
 * @throws InvalidTenantKeyError (`ERR_TENANT_INVALID_KEY`) saying what is wrong.
 * @example
 * ```ts
 * import { assertTenantKey } from '@drove/tenant-runtime';
 * assertTenantKey('acme-42');   // fine
 * assertTenantKey('../etc');    // throws ERR_TENANT_INVALID_KEY
 * ```
 */
export function assertTenantKey(key: unknown): asserts key is string {
  if (typeof key === 'string' && TENANT_KEY_PATTERN.test(key)) return;
  throw new InvalidTenantKeyError(String(key), whyRefused(key));
}

/** True when `key` matches {@link TENANT_KEY_PATTERN}. */
export function isTenantKey(key: unknown): key is string {
  return typeof key === 'string' && TENANT_KEY_PATTERN.test(key);
}

function whyRefused(key: unknown): string {
  if (typeof key !== 'string') return `a key must be a string, got ${typeof key}`;
  if (key.length === 0) return 'a key must not be empty';
  if (key.includes('\0')) return 'a key must not contain a NUL byte';
  if (key.length > MAX_TENANT_KEY_LENGTH) return `a key must be at most ${MAX_TENANT_KEY_LENGTH} characters, got ${key.length}`;
  if (key.includes('/') || key.includes('\\')) return 'a key must not contain a path separator';
  if (key.startsWith('.')) return 'a key must not start with a dot';
  return 'a key must be letters, digits, ".", "_" or "-", starting with a letter or digit';
}

/**
 * Resolves the directory of a tenant: `root/key`, with every symlink resolved,
 * which must still lie inside the resolved root. `root` is expected to be
 * resolved already (the runtime resolves it once).
 *
 * @throws InvalidTenantKeyError when the key is invalid or its directory escapes the root.
 * @throws TenantNotFoundError when there is no such directory.
 */
export async function resolveTenantDirectory(realRoot: string, key: string): Promise<string> {
  assertTenantKey(key);
  const candidate = join(realRoot, key);
  let resolved: string;
  try {
    resolved = await realpath(candidate);
  } catch (error) {
    throw new TenantNotFoundError(key, candidate, { cause: error });
  }
  if (!isStrictlyInside(realRoot, resolved)) throw new InvalidTenantKeyError(key, 'its directory resolves outside the tenants root');
  let isDirectory = false;
  try {
    isDirectory = (await stat(resolved)).isDirectory();
  } catch (error) {
    throw new TenantNotFoundError(key, candidate, { cause: error });
  }
  if (!isDirectory) throw new TenantNotFoundError(key, candidate);
  return resolved;
}

/** True when `path` lies below `root` (both resolved), not `root` itself. */
function isStrictlyInside(root: string, path: string): boolean {
  const inside = relative(root, path);
  return !(inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside));
}

/**
 * Checks that a tenant's own entry file (an `entry` relative to its
 * directory), once every symlink is resolved, lies inside the resolved root:
 * a tenant cannot point the runtime at a file outside its fence. An entry
 * that does not exist passes (the start fails on its own, with Node's
 * message); an absolute `entry` is the operator's, not a tenant's, and is not
 * checked.
 *
 * @throws TenantEntryOutsideRootError (`ERR_TENANT_ENTRY_OUTSIDE_ROOT`).
 */
export async function assertEntryInsideRoot(realRoot: string, key: string, directory: string, entry: string): Promise<void> {
  if (isAbsolute(entry)) return;
  let resolved: string;
  try {
    resolved = await realpath(join(directory, entry));
  } catch {
    return;
  }
  if (!isStrictlyInside(realRoot, resolved)) throw new TenantEntryOutsideRootError(key, entry, resolved);
}
