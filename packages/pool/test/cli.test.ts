// The command-line convention every Drove CLI follows (src/cli.ts): one-line failures, exit codes, ETAs.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { etaSeconds, formatDuration, KnownFailure, oneLine, packageVersion, reportFailure, UsageError } from '@drove/pool/cli';

describe('the CLI convention', () => {
  it('formats durations and ETAs', () => {
    expect([formatDuration(0), formatDuration(7.4), formatDuration(750), formatDuration(3723)]).toEqual(['0:00', '0:07', '12:30', '1:02:03']);
    expect(etaSeconds(0, 10, 1000)).toBeUndefined();
    expect(etaSeconds(25, 100, 5000)).toBe(15);
  });

  it('reports a usage error in one line and the usage (2), a known failure with its fix (1), others with a stack only when verbose', () => {
    expect(reportFailure('x', new UsageError('--out is required'), { usage: 'Usage: x', verbose: false })).toEqual({ text: 'x: --out is required\nUsage: x\n', exitCode: 2 });
    expect(reportFailure('x', new KnownFailure('no file a.txt', 'create it'), { usage: 'Usage: x', verbose: false })).toEqual({ text: 'x: no file a.txt; create it\n', exitCode: 1 });
    const error = new Error('it broke\nbadly', { cause: new Error('deep down') });
    const quiet = reportFailure('x', error, { usage: '', verbose: false });
    expect(quiet).toEqual({ text: 'x: it broke badly: deep down (--verbose shows the stack)\n', exitCode: 1 });
    const verbose = reportFailure('x', error, { usage: '', verbose: true });
    expect(verbose.text).toMatch(/^x: it broke badly: deep down\n {2}Error: it broke/);
    expect(verbose.text).toContain('caused by: Error: deep down');
  });
});

describe('packageVersion and oneLine', () => {
  it('reads the version beside a package and puts an error, its code and its cause on one line', () => {
    expect(packageVersion(new URL('../package.json', import.meta.url))).toMatch(/^\d+\.\d+\.\d+/);
    const error = Object.assign(new Error('could not write\n/out/a', { cause: new Error('EACCES') }), { code: 'ERR_X' });
    expect(oneLine(error)).toBe('ERR_X could not write /out/a: EACCES');
    expect(oneLine('plain')).toBe('plain');
  });
});

describe('runCommand', () => {
  /** Runs a tiny CLI built on runCommand in a process of its own; `behaviour` is what its `run` does. */
  async function cli(argv: string[], behaviour: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const script = `
      import { KnownFailure, runCommand, UsageError } from '@drove/pool/cli';
      process.exitCode = await runCommand(process.argv.slice(1), {
        program: 'tiny', usage: 'tiny <file>\\n\\nDoes a tiny thing.', synopsis: 'Usage: tiny <file>',
        packageJson: new URL('./package.json', 'file://${process.cwd()}/'),
        run: async () => { ${behaviour} },
      });`;
    return new Promise((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script, '--', ...argv], { cwd: process.cwd() }, (error, stdout, stderr) =>
        resolve({ code: error ? (error as NodeJS.ErrnoException & { code: number }).code : 0, stdout, stderr }),
      );
    });
  }

  it('--help and --version win over anything else on the line; failures follow the convention', async () => {
    expect(await cli(['a.txt', '--help'], 'throw new Error("never run")')).toEqual({ code: 0, stdout: 'tiny <file>\n\nDoes a tiny thing.\n', stderr: '' });
    expect((await cli(['-h'], 'return 3')).stdout).toContain('Does a tiny thing.');
    expect(await cli(['--version', 'a.txt'], 'throw new Error("never run")')).toEqual({ code: 0, stdout: `${packageVersion(new URL('../package.json', import.meta.url))}\n`, stderr: '' });
    expect(await cli(['a.txt'], 'return 3')).toEqual({ code: 3, stdout: '', stderr: '' });
    expect(await cli([], 'throw new UsageError("a file is required")')).toEqual({ code: 2, stdout: '', stderr: 'tiny: a file is required\nUsage: tiny <file>\n' });
    expect(await cli(['a.txt'], 'throw new KnownFailure("no file a.txt", "create it")')).toEqual({ code: 1, stdout: '', stderr: 'tiny: no file a.txt; create it\n' });
    const broken = await cli(['a.txt', '--verbose'], 'throw new Error("it broke")');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^tiny: it broke\n {2}Error: it broke/);
  });
});
