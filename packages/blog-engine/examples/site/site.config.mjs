// The example site's configuration. `macros` run on the main thread before
// posts go to the render workers, so they may hold state that cannot cross a thread.
let calls = 0;

export default {
  title: 'Example Notes',
  description: 'A tiny site for @drove/blog-engine.',
  baseUrl: 'https://notes.example.com/',
  author: { name: 'Ada Example' },
  languages: { en: {}, de: { title: 'Beispielnotizen' } },
  paginate: { home: 2, tag: 2 },
  macros: {
    // {{< shout "text" >}} → **TEXT**
    shout: ({ args }) => {
      calls++;
      return `**${(args[0] ?? '').toUpperCase()}**`;
    },
  },
};

export function macroCalls() {
  return calls;
}
