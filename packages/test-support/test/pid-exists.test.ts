import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { pidExists } from '@drove/test-support';

describe('pidExists', () => {
  it('finds this process, and no longer finds a child once it has exited and been reaped', async () => {
    expect(pidExists(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    // Node reaps its own children before it emits 'exit'.
    await once(child, 'exit');
    expect(pidExists(child.pid!)).toBe(false);
  });
});
