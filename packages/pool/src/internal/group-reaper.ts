/**
 * Process groups the transport owns, and the one small watcher per parent
 * that kills them when the parent dies however it dies (SIGKILL included): a
 * parent-death signal reaches only the direct child, a grandchild in its group
 * needs something that outlives the parent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * The watcher: a POSIX `sh` reading `+pgid` / `-pgid` lines on stdin. Its
 * stdin is a pipe only this parent holds (libuv opens pipes close-on-exec, so
 * no other child inherits the write end): EOF means the parent is gone, and
 * it kills every group still listed, then exits. It ignores the signals a
 * terminal or a group kill aims at the parent, and leads a session of its
 * own, so only EOF (or a SIGKILL of its own pid) ends it.
 */
const REAPER_SCRIPT = [
  "trap '' INT TERM HUP QUIT",
  "groups=' '",
  'while read -r line; do',
  '  case $line in',
  '    +*) groups="$groups${line#+} " ;;',
  '    -*) g=${line#-}; case $groups in *" $g "*) groups="${groups%% $g *} ${groups#* $g }" ;; esac ;;',
  '  esac',
  'done',
  'for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done',
].join('\n');

/** How often a group whose leader exited is checked for remaining members. */
const LINGER_CHECK_MS = 1000;

/** Sends `signal` to every process of group `pgid`; false when the group is gone (ESRCH) or not ours (EPERM). */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw error;
  }
}

/**
 * True while group `pgid` has a process that is not a zombie. `kill(-pgid, 0)`
 * also counts zombies, which stay for as long as no one reaps them (a
 * container's PID 1 often does not): on Linux /proc tells them apart.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/** The groups of this process and their watcher. One per process, started on the first group. */
class GroupReaper {
  #watcher: ChildProcess | undefined;
  readonly #groups = new Set<number>();
  #lingerTimer: NodeJS.Timeout | undefined;
  /** Groups whose leader exited while other members still ran. */
  readonly #lingering = new Set<number>();

  /**
   * Puts group `pgid` in the watcher's list (starting the watcher when
   * needed), then opens the leader's gate: a pipe the leader reads, before
   * it runs anything of its own (the command guard, the Node child's parent
   * check), until this newline or EOF. So no member of the group but the
   * leader exists before the watcher has the group, however long this parent
   * takes between the leader's spawn and this call; a parent that dies in
   * between closes the gate, and the leader, at EOF, exits with nothing
   * started (the parent-death signal may have killed it first). The gate
   * opens once the line is in the watcher's pipe (the write's callback, on
   * success or failure, so a leader never waits for ever).
   */
  add(pgid: number, gate?: Writable | null): void {
    this.#groups.add(pgid);
    // A leader killed before it read its gate: EPIPE, and no one left to tell.
    gate?.on('error', () => {});
    this.#write(`+${pgid}\n`, () => gate?.end('\n'));
  }

  /**
   * The leader of `pgid` exited: the group leaves the list once it is empty.
   * Until then (a grandchild still runs) it stays, checked every second: a
   * pgid is not handed out again while any member, even a zombie, holds it.
   */
  leaderExited(pgid: number): void {
    if (!this.#groups.has(pgid)) return;
    if (!signalGroup(pgid, 0)) {
      this.remove(pgid);
      return;
    }
    this.#lingering.add(pgid);
    this.#lingerTimer ??= setInterval(() => this.#checkLingering(), LINGER_CHECK_MS).unref();
  }

  /** True while `pgid` is listed: spawned as a group, not yet seen empty. */
  has(pgid: number): boolean {
    return this.#groups.has(pgid);
  }

  remove(pgid: number): void {
    if (!this.#groups.delete(pgid)) return;
    this.#lingering.delete(pgid);
    this.#write(`-${pgid}\n`);
  }

  #checkLingering(): void {
    for (const pgid of this.#lingering) if (!signalGroup(pgid, 0)) this.remove(pgid);
    if (this.#lingering.size === 0 && this.#lingerTimer) {
      clearInterval(this.#lingerTimer);
      this.#lingerTimer = undefined;
    }
  }

  /** `written` runs once the line is in the watcher's pipe, or could not be (no watcher, a broken pipe). */
  #write(line: string, written?: () => void): void {
    const stdin = (this.#watcher ?? this.#start())?.stdin;
    if (!stdin) {
      written?.();
      return;
    }
    stdin.write(line, () => written?.());
  }

  #start(): ChildProcess | undefined {
    let watcher: ChildProcess;
    try {
      watcher = spawn('/bin/sh', ['-c', REAPER_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    } catch {
      return undefined;
    }
    this.#watcher = watcher;
    // The watcher must not keep the parent alive: its whole job starts when the parent ends.
    watcher.unref();
    const stdin = watcher.stdin!;
    (stdin as unknown as { _handle?: { unref?: () => void } })._handle?.unref?.();
    stdin.on('error', () => {});
    // No sh to run: the groups still die with their leaders' kill() and stop(), not with the parent.
    watcher.on('error', () => {
      if (this.#watcher === watcher) this.#watcher = undefined;
    });
    watcher.once('exit', () => {
      if (this.#watcher !== watcher) return;
      this.#watcher = undefined;
      // Killed from outside: a new watcher takes over the groups still listed.
      const groups = [...this.#groups];
      if (groups.length > 0) this.#write(groups.map((pgid) => `+${pgid}\n`).join(''));
    });
    return watcher;
  }

  /** The watcher's pid (tests). */
  get watcherPid(): number | undefined {
    return this.#watcher?.pid;
  }
}

/** This process's reaper. */
export const groupReaper = new GroupReaper();
