/**
 * Named points where a test can have the build SIGKILL itself
 * (`DROVE_BLOG_CRASH_AT=commit-chunk:2` dies at the second time that point is
 * passed). They let the crash-safety tests kill a build at exactly the moments
 * that matter (between a rename and its database commit, between an unlink and
 * its row's deletion) rather than hoping a timer lands there.
 */
const passes = new Map<string, number>();

export function crashPoint(name: string): void {
  const target = process.env.DROVE_BLOG_CRASH_AT;
  if (!target) return;
  const [point, nth = '1'] = target.split(':');
  if (point !== name) return;
  const count = (passes.get(name) ?? 0) + 1;
  passes.set(name, count);
  if (count === Number(nth)) process.kill(process.pid, 'SIGKILL');
}
