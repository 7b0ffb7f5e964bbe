import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineSplitter, spawnEndpoint, splitLines } from '@drove/pool/transport';

describe('LineSplitter', () => {
  it('splits across chunks, strips CR, and cuts an over-long line once', () => {
    const lines: [string, boolean][] = [];
    const splitter = new LineSplitter(5, (line, truncated) => lines.push([line, truncated]));
    splitter.push('ab');
    splitter.push('c\r\nde');
    splitter.push('f\n0123456789');
    splitter.push('abcdef\nend');
    splitter.end();
    expect(lines).toEqual([
      ['abc', false],
      ['def', false],
      ['01234', true],
      ['end', false],
    ]);
  });
});

describe('splitLines', () => {
  it('decodes UTF-8 split inside a character', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    splitLines(stream, (line) => lines.push(line));
    const bytes = Buffer.from('héllo\nwörld\n');
    stream.write(bytes.subarray(0, 2));
    stream.write(bytes.subarray(2, 9));
    stream.end(bytes.subarray(9));
    await new Promise((resolve) => stream.once('end', resolve));
    expect(lines).toEqual(['héllo', 'wörld']);
  });

  it("reads a real child's output line by line", async () => {
    const child = spawnEndpoint({
      kind: 'command',
      command: process.execPath,
      args: ['-e', 'process.stdout.write("one\\ntwo\\nthr"); setTimeout(() => process.stdout.write("ee\\n"), 20)'],
      stdio: 'pipe',
    });
    const lines: string[] = [];
    const ended = new Promise((resolve) => child.stdout!.once('end', resolve));
    splitLines(child.stdout!, (line) => lines.push(line));
    await ended;
    expect(lines).toEqual(['one', 'two', 'three']);
  });
});
