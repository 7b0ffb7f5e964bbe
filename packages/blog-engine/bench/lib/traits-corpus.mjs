// A second corpus shape for the benchmark, written from the description of an
// ordinary real blog rather than from what the engine is fast at (seeded, so every
// run builds the same bytes):
// - front matter with block-style YAML lists, quoted titles with punctuation, ISO
//   timestamps with `Z`;
// - about 300 tags in a Zipf distribution, 1 to 4 a post, and 25 categories;
// - about 30 % of posts with fenced code in nine languages, no two blocks alike;
//   GFM tables, blockquotes, numbered and nested lists, links to other posts;
// - 10 % German posts (umlauts, ß) next to the English ones, as posts of their own
//   (`name.de.md` with no English `name.md`: the convention drove-blog, Hugo and the
//   bench's Eleventy site share).
//
//   node bench/lib/traits-corpus.mjs OUT POSTS [SEED]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom } from '@drove/test-support';


const english = (
  'we it this that when because however then so data request queue service deploy rollout latency cache miss hit ' +
  'team review incident postmortem on-call alert metric dashboard trace log span budget error retry timeout backoff ' +
  'schema migration index query plan table row column replica leader follower shard partition consumer producer ' +
  'browser render layout paint font image bundle module import export build release version tag branch merge ' +
  'test flaky fixture mock stub coverage benchmark profile flame graph allocation garbage heap stack thread worker ' +
  'user customer feature flag experiment cohort funnel signup checkout invoice payment refund support ticket'
).split(' ');
const german = (
  'wir es das dass wenn weil jedoch dann also Daten Anfrage Warteschlange Dienst Auslieferung Latenz Größe Überblick ' +
  'Fehler Wiederholung Zeitüberschreitung Prüfung Übergabe Straße Maßnahme Schlüssel Lösung Änderung Größenordnung ' +
  'Benutzer Kunde Funktion Abrechnung Zahlung Rückerstattung Unterstützung Oberfläche Schriftart Bildschirm Erklärung'
).split(' ');
const languages = ['js', 'ts', 'python', 'go', 'rust', 'bash', 'sql', 'json', 'yaml'];
const punctuation = [': ', ' — ', ', ', ' & ', '? ', ' (part 2) ', '! ', '; '];

export function makeTraitsCorpus(out, posts, seed = 1) {
  const next = seededRandom(seed);
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));
  const pick = (items) => items[Math.floor(next() * items.length)];
  // Zipf over 300 tags: weight 1/rank^1.1, sampled by a cumulative table.
  const tags = Array.from({ length: 300 }, (_, i) => `${pick(english)}-${pick(english)}-${i}`);
  const weights = tags.map((_, i) => 1 / (i + 1) ** 1.1);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative = [];
  weights.reduce((sum, w, i) => (cumulative[i] = sum + w / total), 0);
  const zipfTag = () => {
    const r = next();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return tags[lo];
  };
  const categories = Array.from({ length: 25 }, (_, i) => `${pick(english)[0].toUpperCase()}${pick(english).slice(1)} ${i}`);

  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'posts'), { recursive: true });
  writeFileSync(join(out, 'site.config.json'), `${JSON.stringify({ title: 'Traits blog', baseUrl: 'https://example.org/', languages: { en: {}, de: { title: 'Merkmale-Blog' } }, paginate: { home: 10, tag: 10, category: 10, archive: 20 } }, null, 2)}\n`);

  const made = [];
  const start = Date.UTC(2012, 0, 1);
  const span = Date.UTC(2025, 11, 31) - start;
  for (let id = 0; id < posts; id++) {
    const de = next() < 0.1;
    const words = de ? german : english;
    const sentence = (n) => {
      const s = Array.from({ length: n }, () => pick(words)).join(' ');
      return `${s[0].toUpperCase()}${s.slice(1)}.`;
    };
    const paragraph = () => Array.from({ length: int(2, 6) }, () => sentence(int(6, 18))).join(' ');
    const title = `${sentence(int(2, 4)).slice(0, -1)}${pick(punctuation)}${sentence(int(1, 3)).slice(0, -1)} #${id}`.trim();
    const date = new Date(start + Math.floor(next() * span));
    const slug = `post-${id}-${pick(words).toLowerCase().normalize('NFD').replace(/[^a-z]/g, '') || 'x'}`;
    const postTags = [...new Set(Array.from({ length: int(1, 4) }, zipfTag))];
    const blocks = [paragraph()];
    const sections = int(2, 6);
    for (let s = 0; s < sections; s++) {
      blocks.push(`## ${sentence(int(2, 5)).slice(0, -1)}`);
      blocks.push(paragraph());
      const kind = int(0, 5);
      if (kind === 0) blocks.push(`> ${sentence(int(8, 16))}\n> ${sentence(int(4, 10))}`);
      else if (kind === 1) blocks.push(Array.from({ length: int(3, 6) }, (_, i) => `${i + 1}. ${sentence(int(3, 9))}`).join('\n'));
      else if (kind === 2) blocks.push(Array.from({ length: int(2, 4) }, () => `- ${sentence(int(3, 8))}\n  - ${sentence(int(2, 6))}\n  - ${sentence(int(2, 6))}`).join('\n'));
      else if (kind === 3) {
        const rows = Array.from({ length: int(2, 6) }, () => `| ${pick(words)} | ${int(1, 9999)} | ${(next() * 100).toFixed(1)} % |`);
        blocks.push(['| name | count | share |', '| --- | ---: | ---: |', ...rows].join('\n'));
      } else if (kind === 4 && made.length > 0) {
        const other = pick(made);
        blocks.push(`See [${other.title.replace(/[[\]]/g, '')}](${other.url}) for ${sentence(int(3, 8)).toLowerCase()}`);
      }
    }
    if (next() < 0.3) {
      const lang = pick(languages);
      const n = int(4, 14);
      const lines = Array.from({ length: n }, (_, i) => codeLine(lang, `${pick(english).replace(/-/g, '_')}${id}_${i}`, int(0, 1_000_000)));
      blocks.splice(int(1, blocks.length), 0, `\`\`\`${lang}\n${lines.join('\n')}\n\`\`\``);
    }
    const iso = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const front = [
      '---',
      `title: ${JSON.stringify(title)}`,
      `date: ${iso}`,
      'tags:',
      ...postTags.map((t) => `  - ${t}`),
      'categories:',
      `  - ${pick(categories)}`,
      '---',
    ];
    const year = iso.slice(0, 4);
    mkdirSync(join(out, 'posts', year), { recursive: true });
    writeFileSync(join(out, 'posts', year, `${slug}${de ? '.de' : ''}.md`), `${front.join('\n')}\n${blocks.join('\n\n')}\n`);
    made.push({ title, url: `${de ? '/de' : ''}/${year}/${iso.slice(5, 7)}/${slug}/` });
  }
  return { posts, dir: out };
}

function codeLine(lang, name, n) {
  switch (lang) {
    case 'js':
      return `const ${name} = await fetch(\`/api/${n}\`).then((r) => r.json());`;
    case 'ts':
      return `export function ${name}(input: number): number { return input * ${n}; }`;
    case 'python':
      return `def ${name}(x):\n    return x ** 2 + ${n}`;
    case 'go':
      return `func ${name}(x int) int { return x + ${n} }`;
    case 'rust':
      return `fn ${name}(x: u64) -> u64 { x.wrapping_mul(${n}) }`;
    case 'bash':
      return `${name}=$(curl -s https://example.org/${n} | jq '.items | length')`;
    case 'sql':
      return `SELECT ${name}, count(*) FROM events WHERE id > ${n} GROUP BY ${name};`;
    case 'json':
      return `{ "${name}": ${n}, "ok": true }`;
    default:
      return `${name}: { replicas: ${n % 9}, image: "app:${n}" }`;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [out, posts = '10000', seed = '1'] = process.argv.slice(2);
  if (!out) throw new Error('usage: node bench/lib/traits-corpus.mjs OUT POSTS [SEED]');
  makeTraitsCorpus(out, Number(posts), Number(seed));
}
