// Does writing pages scale across processes on this file system? Writes <files> pages of
// 13.6 KB the way a render child does (folder, temporary file, write, rename) into 50
// shared section folders, from one process and then split over <processes> processes at
// once, and prints the time per file of each step. Both rounds run twice: first into new
// folders, then each right after every page written before it was deleted, which on an
// ext4 without a journal makes the kernel scan the freed inodes each time it creates a file.
//
//   node bench/lib/file-writes.mjs <dir> [files=20000] [processes=2]
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fileSystemOf } from './machine.mjs';

const [dir, filesText = '20000', processesText = '2', role] = process.argv.slice(2);
const files = Number(filesText);
const processes = Number(processesText);

if (role !== undefined) {
  // One writer: every `processes`-th page from `role` on.
  const [index, stride] = role.split('/').map(Number);
  const bytes = Buffer.alloc(13_600, 'a');
  let createMs = 0;
  let writeMs = 0;
  let count = 0;
  const started = performance.now();
  for (let i = index; i < files; i += stride) {
    const folder = `${dir}/section-${i % 50}/page-${i}`;
    const temp = `${folder}/.page.${process.pid}.tmp`;
    const t0 = performance.now();
    mkdirSync(folder, { recursive: true });
    const fd = openSync(temp, 'w');
    const t1 = performance.now();
    writeSync(fd, bytes);
    const t2 = performance.now();
    closeSync(fd);
    renameSync(temp, `${folder}/index.html`);
    createMs += t1 - t0 + (performance.now() - t2);
    writeMs += t2 - t1;
    count++;
  }
  console.log(JSON.stringify({ wallMs: performance.now() - started, createUs: (createMs * 1000) / count, writeUs: (writeMs * 1000) / count }));
} else {
  const self = fileURLToPath(import.meta.url);
  let rounds = 0;
  const round = async (n, when) => {
    const into = `${dir}/${++rounds}`;
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [self, into, filesText, processesText, `${i}/${n}`], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (chunk) => (out += chunk));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer exited ${code}`))));
        }),
      ),
    );
    const wallMs = performance.now() - started;
    const mean = (key) => results.reduce((sum, r) => sum + r[key], 0) / results.length;
    console.log(`| ${when} | ${n} | ${wallMs.toFixed(0)} ms | ${mean('createUs').toFixed(1)} µs | ${mean('writeUs').toFixed(1)} µs |`);
  };
  const remove = () => rmSync(dir, { recursive: true, force: true });
  remove();
  console.log(`${files} pages under ${dir} (${fileSystemOf(dir)})\n`);
  console.log('| folders | processes | wall | folder + create + rename, per file | write 13.6 KB, per file |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  await round(1, 'new');
  await round(processes, 'new');
  remove();
  await round(1, 'right after deleting the pages above');
  remove();
  await round(processes, 'right after deleting the pages above');
  remove();
}
