import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What one V8 isolate (the main thread, or a worker thread) collected over a run. */
export interface GcTotals {
  /** `pid:isolate-address`, as V8 prints it. */
  isolate: string;
  scavenges: number;
  markCompacts: number;
  /** Bytes allocated: each collection's heap size before it, less the size after the one before. */
  allocated: number;
  /** Bytes copied within the young generation by scavenges. */
  survived: number;
  /** Bytes moved to the old generation. */
  promoted: number;
  /** Milliseconds the isolate was paused for its collections. */
  pauseMs: number;
}

export interface GcTrace {
  /** Isolates in the order they first collected. */
  isolates: GcTotals[];
  /** What the script printed, trace lines left out. */
  stdout: string;
}

const traceLine = /^\[(\d+):(0x[0-9a-f]+)\]\s+[\d.]+ ms: (.*)$/;

/**
 * Runs `node --trace-gc-nvp --single-threaded-gc …args` and totals V8's
 * collections per isolate. Child processes the script forks with the same
 * flags and inherited stdout are counted too, each under its own pid.
 * With `--single-threaded-gc` the counts repeat closely from run to run,
 * which is what a test of how much survives collection needs.
 */
export async function traceGc(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<GcTrace> {
  const child = spawn(process.execPath, ['--trace-gc-nvp', '--single-threaded-gc', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const byIsolate = new Map<string, GcTotals & { lastSizeAfter: number }>();
  let stdout = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for await (const line of createInterface({ input: child.stdout })) {
    const match = traceLine.exec(line);
    if (!match) {
      // Threads print concurrently: a trace line can come apart from its prefix (that collection is not counted).
      if (!/ gc=\w+ /.test(line)) stdout += `${line}\n`;
      continue;
    }
    const fields = new Map(match[3]!.split(' ').map((pair) => pair.split('=') as [string, string]));
    const key = `${match[1]}:${match[2]}`;
    let totals = byIsolate.get(key);
    if (!totals) {
      totals = { isolate: key, scavenges: 0, markCompacts: 0, allocated: 0, survived: 0, promoted: 0, pauseMs: 0, lastSizeAfter: 0 };
      byIsolate.set(key, totals);
    }
    const kind = fields.get('gc');
    if (kind === 's') totals.scavenges++;
    else if (kind === 'mc') totals.markCompacts++;
    else continue;
    const before = Number(fields.get('total_size_before') ?? 0);
    totals.allocated += Math.max(0, before - totals.lastSizeAfter);
    totals.lastSizeAfter = Number(fields.get('total_size_after') ?? 0);
    totals.survived += Number(fields.get('new_space_survived') ?? 0);
    totals.promoted += Number(fields.get('promoted') ?? 0);
    totals.pauseMs += Number(fields.get('pause') ?? 0);
  }
  const code = await exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
  return { isolates: [...byIsolate.values()].map(({ lastSizeAfter: _, ...totals }) => totals), stdout };
}
