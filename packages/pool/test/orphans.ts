import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { isAlive, waitFor } from '@drove/test-support';

/** What `fixtures/orphan-tree.mjs` prints: its children's pids and the pid each child printed. */
export interface Tree {
  parent: ChildProcess;
  children: number[];
  lines: number[];
}

/** Starts `fixtures/orphan-tree.mjs` as a separate Node process with these spawn specs, and waits for its pids. */
export async function startTree(specs: unknown[], env: NodeJS.ProcessEnv = process.env): Promise<Tree> {
  const parent = spawn(process.execPath, [new URL('./fixtures/orphan-tree.mjs', import.meta.url).pathname, JSON.stringify(specs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
  const { children, lines } = JSON.parse(line.toString()) as { children: number[]; lines: number[] };
  return { parent, children, lines };
}

/** SIGKILLs the tree's parent and waits until the kernel has reported its death. */
export async function killParent(tree: Tree): Promise<void> {
  const exited = once(tree.parent, 'exit');
  tree.parent.kill('SIGKILL');
  await exited;
}

/** True once none of `pids` runs (zombies count as gone), polled up to `boundMs`. */
export function allGone(pids: number[], boundMs = 1000): Promise<boolean> {
  return waitFor(() => pids.every((pid) => !isAlive(pid)), { deadlineMs: boundMs });
}

/** Kills whatever a failed test left running. */
export function sweep(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
