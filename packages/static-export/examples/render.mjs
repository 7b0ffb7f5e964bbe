// The renderer of the example: setup() once per render child, render() once per path.
import { defineRenderer } from '@drove/static-export';

export default defineRenderer({
  // Load config and warm caches here: it runs in every child before its first path.
  setup: async (options) => {
    const posts = Array.from({ length: options.posts }, (_, i) => ({ slug: `post-${i + 1}`, title: `Post number ${i + 1}` }));
    return { siteName: options.siteName, posts: new Map(posts.map((post) => [post.slug, post])) };
  },

  render: (path, ctx) => {
    const { siteName, posts } = ctx.state;
    if (path === '/feed.xml') {
      const items = [...posts.values()].map((post) => `<item><title>${post.title}</title><link>/blog/${post.slug}</link></item>`);
      return `<rss><channel><title>${siteName}</title>${items.join('')}</channel></rss>\n`;
    }
    if (path === '/') {
      const links = [...posts.values()].map((post) => `<li><a href="/blog/${post.slug}">${post.title}</a></li>`);
      return page(siteName, `<ul>${links.join('')}</ul>`);
    }
    const post = posts.get(path.replace(/^\/blog\//, ''));
    if (!post) throw new Error(`no post at ${path}`);
    // A page may write more than one file: here a JSON twin of the page, next to it.
    ctx.write(ctx.file.replace(/index\.html$/, 'post.json'), JSON.stringify(post));
    ctx.log(`rendered ${post.title}`);
    return page(`${post.title} · ${siteName}`, `<h1>${post.title}</h1>`);
  },
});

function page(title, body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>\n`;
}
