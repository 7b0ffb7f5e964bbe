import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isPidAlive, isProcessAlive, ownIdentity } from '@drove/pool/process-identity';

/** The start time /proc gives a process, in clock ticks, base 36. */
function startOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]).toString(36);
}

describe('process identity', () => {
  it("names this process by its pid and the kernel's start time", () => {
    expect(ownIdentity()).toEqual({ pid: process.pid, start: startOf(process.pid) });
    expect(isProcessAlive(ownIdentity())).toBe(true);
  });

  it('tells a live process from one that exited, and from a pid given to another process since', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const identity = { pid: child.pid!, start: startOf(child.pid!) };
    expect(isProcessAlive(identity)).toBe(true);
    expect(isPidAlive(identity.pid)).toBe(true);
    // The same pid with another start time: the process that wrote it is gone, whoever has the pid now.
    expect(isProcessAlive({ pid: identity.pid, start: (parseInt(identity.start, 36) + 1).toString(36) })).toBe(false);
    // Without a start time, the pid alone tells.
    expect(isProcessAlive({ pid: identity.pid, start: '0' })).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(isProcessAlive(identity)).toBe(false);
    expect(isPidAlive(identity.pid)).toBe(false);
  });

  it('refuses what is no pid', () => {
    for (const pid of [0, -1, Number.NaN, 1.5, 2 ** 60]) expect(isProcessAlive({ pid, start: '0' })).toBe(false);
  });
});
