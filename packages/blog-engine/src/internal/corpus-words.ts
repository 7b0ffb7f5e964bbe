/** Vocabulary of the corpus generator: plain technical prose, so Markdown and highlighting do real work. */
export const words = (
  'the a an and or but with without for from into over under between about across after before during while ' +
  'worker thread process pool queue task message channel buffer stream socket request response server client cache ' +
  'database index query table row column schema migration transaction lock latency throughput memory heap garbage ' +
  'collector event loop promise callback timer signal error retry backoff deadline budget metric trace log span ' +
  'build deploy release version branch commit review test benchmark profile flame graph allocation copy move ' +
  'template layout partial page post feed archive tag category language translation permalink sitemap asset ' +
  'fast slow small large simple careful honest clear stable fragile shared isolated parallel serial concurrent ' +
  'measure compare reduce avoid keep split merge render parse write read load store send receive wait start stop ' +
  'because therefore however instead still often rarely always never usually sometimes first then finally'
).split(' ');

export const titleNouns = [
  'Worker Pools', 'Event Loops', 'Backpressure', 'Incremental Builds', 'Liquid Templates', 'Markdown Pipelines', 'SQLite in Production',
  'Structured Clone', 'Shared Memory', 'Atomic Writes', 'Static Sites', 'Feed Readers', 'Cache Invalidation', 'Graceful Shutdown',
  'Heap Snapshots', 'Flame Graphs', 'Benchmarks', 'Retries', 'Time Zones', 'Unicode Slugs', 'Pagination', 'Sitemaps', 'Hot Reload',
  'Supervision Trees', 'Child Processes', 'Signals', 'File Watchers', 'Hash Functions', 'Content Addressing', 'Build Graphs',
];
export const titleAdjectives = [
  'Practical', 'Notes on', 'Rethinking', 'A Field Guide to', 'Debugging', 'Measuring', 'Understanding', 'Taming', 'Scaling',
  'Lessons from', 'Testing', 'Profiling', 'Designing', 'Simplifying', 'Revisiting',
];
export const tagPool = [
  'node', 'javascript', 'typescript', 'performance', 'workers', 'sqlite', 'liquid', 'markdown', 'testing', 'devops', 'linux',
  'rust', 'go', 'python', 'css', 'html', 'http', 'caching', 'databases', 'concurrency', 'memory', 'profiling', 'tooling', 'ci',
  'security', 'unicode', 'i18n', 'feeds', 'static-sites', 'architecture', 'refactoring', 'debugging', 'observability', 'networking',
  'filesystems', 'compilers', 'parsers', 'algorithms', 'data-structures', 'api-design', 'error-handling', 'logging', 'metrics',
  'tracing', 'containers', 'kubernetes', 'postgres', 'redis', 'queues', 'streams', 'webassembly', 'browsers', 'accessibility',
  'design', 'writing', 'career', 'open-source', 'releases', 'benchmarks', 'reliability',
];
export const categoryPool = ['Engineering', 'Operations', 'Tutorials', 'Notes', 'Releases', 'Essays', 'Performance', 'Tools'];

export const codeSamples: Record<string, string[]> = {
  javascript: [
    "import { createPool } from '@drove/pool';\n\nconst pool = createPool({ worker: new URL('./worker.mjs', import.meta.url) });\nconst results = await Promise.all(items.map((item) => pool.run(item)));\nconsole.log(`done: ${results.length}`);\nawait pool.close();",
    'function debounce(fn, ms) {\n  let timer;\n  return (...args) => {\n    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), ms);\n  };\n}',
  ],
  typescript: [
    'interface Post {\n  title: string;\n  date: Date;\n  tags: readonly string[];\n}\n\nexport function newest(posts: Post[]): Post | undefined {\n  return [...posts].sort((a, b) => b.date.getTime() - a.date.getTime())[0];\n}',
  ],
  python: [
    'import hashlib\n\ndef fingerprint(path: str) -> str:\n    digest = hashlib.sha1()\n    with open(path, "rb") as f:\n        for block in iter(lambda: f.read(65536), b""):\n            digest.update(block)\n    return digest.hexdigest()',
  ],
  rust: ['fn main() {\n    let words: Vec<&str> = "a quick test".split_whitespace().collect();\n    for (i, w) in words.iter().enumerate() {\n        println!("{i}: {w}");\n    }\n}'],
  go: ['package main\n\nimport "fmt"\n\nfunc main() {\n\tch := make(chan int, 4)\n\tgo func() { for i := 0; i < 4; i++ { ch <- i }; close(ch) }()\n\tfor v := range ch {\n\t\tfmt.Println(v)\n\t}\n}'],
  bash: ['#!/usr/bin/env bash\nset -euo pipefail\nfor f in posts/*.md; do\n  wc -w "$f"\ndone | sort -n | tail -5'],
  json: ['{\n  "title": "My Blog",\n  "baseUrl": "https://example.com/",\n  "languages": ["en", "de"],\n  "paginate": { "home": 10 }\n}'],
  sql: ['SELECT path, hash\nFROM outputs\nWHERE section = \'tag\'\nORDER BY path\nLIMIT 20;'],
};
