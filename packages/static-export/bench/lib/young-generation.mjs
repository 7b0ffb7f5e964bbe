// How V8 sizes its young generation for a program that keeps nothing: a loop that only builds a
// short string per step, sampled (after a full GC) at the 10,000th and at the 200,000th step and
// at the end of a longer run. With default flags the heap grows by the nursery V8 grows to, not by
// anything the loop holds: compare the same with --max-semi-space-size=1.
//
//   node --expose-gc bench/lib/young-generation.mjs [steps]
const steps = Number(process.argv[2] ?? 6_000_000);
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function build(count, offset) {
  let length = 0;
  for (let i = offset; i < offset + count; i++) length += `/archive/${i % 997}/page-${i}`.length;
  return length;
}

function sample() {
  globalThis.gc();
  const { heapUsed, heapTotal, rss } = process.memoryUsage();
  return { heapUsed, heapTotal, rss };
}

build(10_000, 0);
const early = sample();
build(190_000, 10_000);
const at200k = sample();
build(steps - 200_000, 200_000);
const late = sample();
console.log('| after step | heap used | heap total | RSS |');
console.log('| ---: | ---: | ---: | ---: |');
for (const [step, memory] of [[10_000, early], [200_000, at200k], [steps, late]]) {
  console.log(`| ${step.toLocaleString('en-US')} | ${mib(memory.heapUsed)} | ${mib(memory.heapTotal)} | ${mib(memory.rss)} |`);
}
