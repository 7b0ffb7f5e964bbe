// How much work V8's optimizing compiler (TurboFan) does in a cold build, all threads together.
// The build runs in a child process under --trace-opt; each "completed compiling" line gives one
// compile job's times (most of a job runs on V8's helper threads, beside the code it optimizes).
// The trace does not name the isolate: run it with 1 and with 2 workers, and the difference is
// what a second worker compiles again for itself.
//
//   node bench/lib/jit-per-build.mjs <site> <out> <database-url> <workers>
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const [site, out, database, workers] = process.argv.slice(2);
const buildScript = fileURLToPath(new URL('./drove-build.mjs', import.meta.url));
const child = spawn(process.execPath, ['--trace-opt', buildScript, site, out, database, workers], { stdio: ['ignore', 'pipe', 'inherit'] });

let compiles = 0;
let compileMs = 0;
let result;
for await (const line of createInterface({ input: child.stdout })) {
  const job = /^\[completed compiling .* took ([\d.]+), ([\d.]+), ([\d.]+) ms\]$/.exec(line);
  if (job) {
    compiles++;
    compileMs += Number(job[1]) + Number(job[2]) + Number(job[3]);
  } else if (line.startsWith('{')) {
    result = JSON.parse(line).result;
  }
}
const code = await new Promise((resolve) => child.on('close', resolve));
if (code !== 0 || !result) throw new Error(`the build exited with ${code}`);
console.log(`${result.pages} files, ${workers} worker(s): ${compiles} TurboFan compiles, ${(compileMs / 1000).toFixed(2)} s of compiling`);
