import { describe, expect, it } from 'vitest';
import { LiquidCompiler } from '../src/internal/liquid-compiler.js';
import { createLiquid } from '../src/internal/templates.js';

const limits = { parseLimit: 1e7, renderLimit: 5000, memoryLimit: 1e8 };

/** Renders `layouts/<name>.liquid` of a template map once per scope, through liquidjs and compiled (which must agree). */
function renderEach(templates: Record<string, string>, name: string, scopes: Record<string, unknown>[]): string[] {
  const liquid = createLiquid(templates, limits);
  const parsed = liquid.parseFileSync(name);
  const rendered = scopes.map((scope) => liquid.renderSync(parsed, scope) as string);
  const engine = createLiquid(templates, limits);
  const compiled = new LiquidCompiler(engine).compileTemplates(engine.parseFileSync(name));
  expect(scopes.map((scope) => compiled(scope))).toEqual(rendered);
  return rendered;
}

describe('{% memo %}', () => {
  it('renders its block once per key, read alike whatever the key expression', () => {
    const keys = ['page.kind', "page.kind | append: '!'", 'page["kind"]', 'page.missing', 'nil', 'empty', 'true'];
    const layout = keys.map((key) => `{% memo ${key} %}{{ page.title }}{% endmemo %}`).join('|');
    // Variables named like liquid's literals: a key must still read the literal, not these.
    const pages = [
      { page: { kind: 'post', title: 'A' }, nil: 1, empty: 1, true: 1 },
      { page: { kind: 'post', title: 'B' }, nil: 2, empty: 2, true: 2 },
      { page: { kind: 'list', title: 'C' }, nil: 3, empty: 3, true: 3 },
    ];
    const rendered = renderEach({ 'layouts/x.liquid': layout }, 'x', pages);
    expect(rendered).toEqual(['A|A|A|A|A|A|A', 'A|A|A|A|A|A|A', 'C|C|C|A|A|A|A']);
  });

  it('reports a key that throws as liquidjs reports it', () => {
    const page = {
      get boom(): string {
        throw new Error('no boom');
      },
    };
    // A dotted and a bracket read of the same key fail alike.
    const messages = ['page.boom', 'page["boom"]'].map((key) => {
      const liquid = createLiquid({ 'layouts/x.liquid': `{% memo ${key} %}x{% endmemo %}` }, limits);
      try {
        liquid.renderSync(liquid.parseFileSync('x'), { page });
        return 'rendered';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(messages[0]).toMatch(/^no boom\b/);
    expect(messages[0]).toBe(messages[1]);
  });
});

describe('includes and layouts', () => {
  it('render from one parse in every page, and a missing include fails every page that names it', () => {
    const templates = {
      'layouts/base.liquid': '<main>{% block content %}{% endblock %}</main>{% include "footer" %}',
      'layouts/post.liquid': "{% layout 'base' %}{% block content %}{{ page.title }}{% include 'meta', post: page %}{% endblock %}",
      'layouts/broken.liquid': "{% include 'nope' %}",
      'includes/meta.liquid': '({{ post.kind }})',
      'includes/footer.liquid': '<footer>{{ page.title }}</footer>',
    };
    const pages = [{ page: { title: 'A', kind: 'post' } }, { page: { title: 'B', kind: 'page' } }];
    expect(renderEach(templates, 'post', pages)).toEqual(['<main>A(post)</main><footer>A</footer>', '<main>B(page)</main><footer>B</footer>']);
    const liquid = createLiquid(templates, limits);
    const broken = liquid.parseFileSync('broken');
    for (const scope of pages) expect(() => liquid.renderSync(broken, scope)).toThrow(/nope/);
  });
});
