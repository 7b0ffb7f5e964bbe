import MarkdownIt from 'markdown-it';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { slugOf } from './slugify.js';

const languages = { bash, c, cpp, css, diff, go, java, javascript, json, markdown, python, ruby, rust, sql, typescript, xml, yaml };
let registered = false;
function registerLanguages(): void {
  if (registered) return;
  registered = true;
  for (const [name, language] of Object.entries(languages)) hljs.registerLanguage(name, language);
  hljs.registerAliases(['sh', 'shell', 'zsh'], { languageName: 'bash' });
  hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
}

/** Code highlighted by highlight.js as HTML, or undefined when the language is not one of the registered. */
export function highlightHtml(code: string, lang: string): string | undefined {
  registerLanguages();
  if (!lang || !hljs.getLanguage(lang)) return undefined;
  return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
}

/** Options of {@link createMarkdown}. */
export interface MarkdownOptions {
  html: boolean;
  linkify: boolean;
  typographer: boolean;
  highlight: boolean;
}

/** A Markdown renderer: markdown-it with heading anchors and highlight.js for fenced code. */
export interface MarkdownRenderer {
  render(source: string): string;
}

/**
 * Creates the Markdown renderer. Headings get an `id` (their slug, made unique
 * within the document) and a `#` link; fenced code with a known language is
 * highlighted by highlight.js (17 languages registered), other code is escaped.
 */
export function createMarkdown(options: MarkdownOptions): MarkdownRenderer {
  registerLanguages();
  const highlighted = new HighlightCache();
  const md = new MarkdownIt({
    html: options.html,
    linkify: options.linkify,
    typographer: options.typographer,
    highlight: options.highlight
      ? (code: string, lang: string): string => {
          const language = lang.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
          if (!language || !hljs.getLanguage(language)) return '';
          const key = `${language}\u0000${code}`;
          let html = highlighted.get(key);
          if (html === undefined) {
            html = `<pre><code class="hljs language-${escapeHtml(language)}">${hljs.highlight(code, { language, ignoreIllegals: true }).value}</code></pre>\n`;
            highlighted.set(key, html);
          }
          return html;
        }
      : null,
  });
  md.core.ruler.push('heading_anchors', (state) => {
    const seen = new Map<string, number>();
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const open = tokens[i]!;
      if (open.type !== 'heading_open') continue;
      const inline = tokens[i + 1];
      if (!inline || inline.type !== 'inline') continue;
      // Uncached: heading text is a slice of the post's source, and a cache key would keep the source alive.
      const base = slugOf(textOf(inline.children ?? [])) || 'section';
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const id = n === 1 ? base : `${base}-${n}`;
      open.attrSet('id', id);
      const link = new state.Token('html_inline', '', 0);
      link.content = ` <a class="heading-anchor" href="#${escapeHtml(id)}" aria-label="Permalink">#</a>`;
      inline.children?.push(link);
    }
  });
  return { render: (source) => md.render(source) };
}

/**
 * highlight.js output by language and code. Highlighting is a pure function of
 * the two and costs about as much as parsing the rest of a post, and the same
 * block recurs: a translation repeats its original's code, a series its
 * snippets. Bounded, so a site of unique blocks pays only the lookups and the
 * bound: 2 Mi characters of keys and HTML a worker (a few hundred blocks).
 * With 16 Mi, a site whose blocks all differ filled it for nothing: two workers
 * on 10,000 real-text posts peaked 40–60 MiB higher.
 */
class HighlightCache {
  static readonly maxChars = 2 * 2 ** 20;
  readonly #entries = new Map<string, string>();
  #chars = 0;

  get(key: string): string | undefined {
    return this.#entries.get(key);
  }

  set(key: string, html: string): void {
    const size = key.length + html.length;
    if (size > HighlightCache.maxChars / 64) return;
    if (this.#chars + size > HighlightCache.maxChars) {
      this.#entries.clear();
      this.#chars = 0;
    }
    this.#entries.set(key, html);
    this.#chars += size;
  }
}

interface TokenLike {
  type: string;
  content: string;
  children: TokenLike[] | null;
}

function textOf(tokens: TokenLike[]): string {
  let text = '';
  for (const token of tokens) {
    if (token.type === 'text' || token.type === 'code_inline') text += token.content;
    else if (token.children) text += textOf(token.children);
  }
  return text;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
