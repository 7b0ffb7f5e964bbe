/**
 * Memory limits through a cgroup v2 per tenant, where the host delegates one:
 * a directory of the unified hierarchy that has the `memory` controller
 * enabled for its children and that this process may write. Where there is
 * none (cgroup v1, no delegation, not Linux), the limit is skipped and the
 * probe says why; nothing is changed on the host to make it work.
 *
 * @module
 */
import { constants } from 'node:fs';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What {@link probeMemoryCgroup} found. */
export type MemoryCgroupProbe =
  | { available: true; /** The cgroup directory tenants' cgroups are made in. */ parent: string }
  | { available: false; /** Why not, for logs and for `limit-skipped` events. */ reason: string };

/**
 * Finds where tenant cgroups with a memory limit can be made: `parent` when
 * given, otherwise this process's own cgroup v2 directory (from
 * `/proc/self/cgroup` and the cgroup2 mount in `/proc/self/mountinfo`).
 *
 * @example
 * ```ts
 * import { probeMemoryCgroup } from '@drove/tenant-runtime';
 * const probe = await probeMemoryCgroup();
 * if (!probe.available) console.warn(`no per-tenant memory limit: ${probe.reason}`);
 * ```
 */
export async function probeMemoryCgroup(parent?: string): Promise<MemoryCgroupProbe> {
  let directory = parent;
  if (directory === undefined) {
    if (process.platform !== 'linux') return { available: false, reason: `cgroups are Linux-only (this is ${process.platform})` };
    const found = await ownCgroupDirectory();
    if (typeof found !== 'string') return found;
    directory = found;
  }
  let controllers: string;
  let subtree: string;
  try {
    controllers = await readFile(join(directory, 'cgroup.controllers'), 'utf8');
    subtree = await readFile(join(directory, 'cgroup.subtree_control'), 'utf8');
  } catch (error) {
    return { available: false, reason: `${directory} is not a cgroup v2 directory (${(error as Error).message})` };
  }
  if (!words(controllers).includes('memory')) {
    return { available: false, reason: `the memory controller is not available in ${directory} (controllers: ${controllers.trim() || 'none'})` };
  }
  if (!words(subtree).includes('memory')) {
    return {
      available: false,
      reason: `the memory controller is not enabled for the children of ${directory} (write "+memory" to its cgroup.subtree_control, or delegate a cgroup and pass it as limits.cgroupParent)`,
    };
  }
  try {
    await access(directory, constants.W_OK);
  } catch {
    return { available: false, reason: `${directory} is not writable by this process` };
  }
  return { available: true, parent: directory };
}

async function ownCgroupDirectory(): Promise<string | MemoryCgroupProbe> {
  let cgroups: string;
  let mounts: string;
  try {
    [cgroups, mounts] = await Promise.all([readFile('/proc/self/cgroup', 'utf8'), readFile('/proc/self/mountinfo', 'utf8')]);
  } catch (error) {
    return { available: false, reason: `cannot read /proc/self (${(error as Error).message})` };
  }
  const unified = cgroups.split('\n').find((line) => line.startsWith('0::'));
  if (unified === undefined) return { available: false, reason: 'this process is in no cgroup v2 hierarchy (cgroup v1 only)' };
  // mountinfo: "id parent major:minor root mountpoint options … - fstype source superoptions"
  const mount = mounts
    .split('\n')
    .map((line) => line.split(' '))
    .find((fields) => fields[fields.indexOf('-') + 1] === 'cgroup2');
  if (mount === undefined || mount[4] === undefined) return { available: false, reason: 'no cgroup2 file system is mounted' };
  return join(mount[4], unified.slice(3));
}

function words(text: string): string[] {
  return text.trim().split(/\s+/);
}

/**
 * Makes a cgroup for one tenant process with `memory.max` set and moves the
 * process into it. The process has already started: it runs outside the
 * limit for the moment between its spawn and this call, before it is ready.
 * (POOL GAP: pool's transport cannot start a child inside a cgroup.)
 */
export async function attachMemoryCgroup(parent: string, key: string, pid: number, memoryMaxBytes: number): Promise<string> {
  const directory = join(parent, `drove-tenant-${key}-${pid}`);
  await mkdir(directory);
  try {
    await writeFile(join(directory, 'memory.max'), String(memoryMaxBytes));
    await writeFile(join(directory, 'cgroup.procs'), String(pid));
  } catch (error) {
    await removeMemoryCgroup(directory);
    throw error;
  }
  return directory;
}

/** Removes a tenant's cgroup once its process has exited; errors are ignored (it may be gone already). */
export async function removeMemoryCgroup(directory: string): Promise<void> {
  try {
    await rmdir(directory);
  } catch {
    // A cgroup still holding a process cannot be removed; the kernel keeps it until then.
  }
}
