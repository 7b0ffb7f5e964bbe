import type { BuildResult } from '../build.js';
import type { BlogEngineError } from '../errors.js';
import { sectionNames } from './snapshot.js';

const pad = (value: string | number, width: number) => String(value).padStart(width);

/** The summary table the CLI prints after a build. */
export function formatSummary(result: BuildResult): string {
  const lines = [
    `built ${result.outDir} in ${(result.phasesMs.total / 1000).toFixed(2)} s (${result.kind === 'inline' ? 'inline' : `${result.workers} worker${result.workers === 1 ? '' : 's'}`})`,
    `${'section'.padEnd(10)}${pad('written', 9)}${pad('unchanged', 11)}${pad('removed', 9)}${pad('pages', 8)}`,
  ];
  for (const section of sectionNames) {
    const c = result.sections[section];
    lines.push(`${section.padEnd(10)}${pad(c.written, 9)}${pad(c.unchanged, 11)}${pad(c.removed, 9)}${pad(c.total, 8)}`);
  }
  lines.push(`${'total'.padEnd(10)}${pad(result.written, 9)}${pad(result.unchanged, 11)}${pad(result.removed, 9)}${pad(result.pages, 8)}`);
  const phases = (['config', 'load', 'macros', 'index', 'plan', 'render', 'commit'] as const).map((p) => `${p} ${result.phasesMs[p]} ms`).join(' · ');
  lines.push(`phases: ${phases}`);
  lines.push(
    `${result.posts} posts and pages · ${result.inputsChanged} inputs changed · ${result.draftsSkipped} drafts left out · ${result.held.length} held back · ${result.filesSkipped} ${result.filesSkipped === 1 ? 'file' : 'files'} skipped · ${result.macroCalls} macro calls · peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  const held = heldSummary(result.held);
  if (held) lines.push(held);
  return lines.join('\n');
}

/** One line on the posts the publishing rules left out, and the flag that builds them; undefined when none was. */
export function heldSummary(held: BuildResult['held']): string | undefined {
  if (held.length === 0) return undefined;
  const future = held.filter((h) => h.reason === 'future');
  const parts: string[] = [];
  if (future.length > 0) {
    const next = future.map((h) => h.at!).sort()[0]!;
    parts.push(`${future.length} future (the next is due ${next}; --future builds them now)`);
  }
  const expired = held.filter((h) => h.reason === 'expired').length;
  if (expired > 0) parts.push(`${expired} expired (--expired builds them)`);
  const unpublished = held.filter((h) => h.reason === 'unpublished').length;
  if (unpublished > 0) parts.push(`${unpublished} with published: false (--unpublished builds them)`);
  return `held back: ${parts.join(', ')}`;
}

/** One warning a line for each content file the build skipped (`drove-blog: warning: posts/a.jpg skipped: not a post …`); empty when none was. */
export function formatSkipped(result: Pick<BuildResult, 'skippedFiles' | 'warnings'>): string {
  return (
    result.skippedFiles.map(({ file, reason }) => `drove-blog: warning: ${file} skipped: ${reason}\n`).join('') +
    result.warnings.map(({ file, line, reason }) => `drove-blog: warning: ${file}${line === undefined ? '' : `:${line}`}: ${reason}\n`).join('')
  );
}

/** Every problem, one per line: `posts/a.md:3: ERR_BLOG_FRONT_MATTER invalid YAML: …`, then `build failed: 2 problems`. */
export function formatProblems(problems: readonly BlogEngineError[], heading = 'build failed'): string {
  const lines = problems.map((p) => `${p.file === undefined ? '' : `${p.file}${p.line === undefined ? '' : `:${p.line}`}: `}${p.code} ${p.reason}`);
  lines.push(`${heading}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}`);
  return lines.join('\n');
}
