// `drove-export merge HOST_DIR... --out DIR`: joins the folders of a remote export's hosts.
import { parseArgs } from 'node:util';
import { KnownFailure, runCommand, UsageError } from '@drove/pool/cli';
import { StaticExportError } from '../errors.js';
import { mergeExports, type MergeExportsOptions } from '../merge-exports.js';

const synopsis = `Usage: drove-export merge <host-dir>... --out <dir> [--run <id>]
Run drove-export merge --help for the options.`;

const usage = `Usage: drove-export merge host-a-out host-b-out --out dist [options]

Joins the folders of the hosts of a remote export (each drove-export worker's
--out) into one export: every path once, in the input's order, its files
checked against their hashes, and one manifest, as a one-machine export writes.
When the hosts share one folder, merge it into itself: drove-export merge shared --out shared.

Options:
  -o, --out <dir>       the merged export (the previous merge's folder, for incremental runs)
      --run <id>        the run to merge (default: the newest in the folders)
      --manifest <name> the manifest's file name in --out (default: .drove-manifest.jsonl)
      --force           merge into a folder that holds files no export wrote
      --json            print the summary as JSON on standard output
  -h, --help            this text
      --version         the version`;

function parseMergeArgs(argv: string[]): { options: MergeExportsOptions; json: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        run: { type: 'string' },
        manifest: { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError('name the hosts\' folders');
  if (values.out === undefined || values.out === '') throw new UsageError('--out is required');
  return {
    options: {
      from: positionals,
      outDir: values.out,
      ...(values.run !== undefined && { run: values.run }),
      ...(values.manifest !== undefined && { manifest: values.manifest }),
      force: values.force === true,
    },
    json: values.json === true,
  };
}

async function merge({ options, json }: { options: MergeExportsOptions; json: boolean }): Promise<number> {
  let summary;
  try {
    summary = await mergeExports(options);
  } catch (error) {
    if (error instanceof StaticExportError && error.code === 'ERR_EXPORT_INVALID_OPTION') throw new UsageError(error.message);
    if (error instanceof StaticExportError && error.code === 'ERR_EXPORT_MERGE') throw new KnownFailure(error.message, 'check the folders and --run', { cause: error });
    throw error;
  }
  const text = json
    ? `${JSON.stringify(summary)}\n`
    : `✓ merged run ${summary.run}: ${summary.paths} paths, ${summary.files} files (${summary.copied} copied, ${summary.inPlace} already in place)${
        summary.duplicates > 0 ? `, ${summary.duplicates} paths rendered twice listed once` : ''
      }${summary.collisions > 0 ? `, ${summary.collisions} colliding paths left out` : ''}\n  manifest: ${summary.manifestFile}\n`;
  await new Promise<void>((done) => process.stdout.write(text, () => done()));
  return 0;
}

export function mergeCommand(argv: string[]): Promise<number> {
  return runCommand(argv, {
    program: 'drove-export merge',
    usage,
    synopsis,
    packageJson: new URL('../package.json', import.meta.url),
    run: () => merge(parseMergeArgs(argv)),
  });
}
