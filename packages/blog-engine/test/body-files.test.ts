import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PageRenderer } from '../src/internal/page-renderer.js';
import type { Snapshot } from '../src/internal/snapshot.js';
import { plannedSite } from './planned-site.js';

// A build ships render threads no bodies: each thread reads the bodies it renders from the posts' files. A file
// changed since the build indexed it would render a page that its render key does not describe.
describe('bodies read from the files by render threads', () => {
  it('render the bytes of shipped bodies, and fail a page whose file changed or went since it was indexed', async () => {
    const { site, loaded, index, plan } = await plannedSite(40, 3);
    expect([...loaded.problems, ...index.problems, ...plan.problems]).toEqual([]);
    const shipped: Snapshot = { ...plan.snapshot, posts: plan.snapshot.posts.map((post) => ({ ...post, body: index.bodyOf(post.id) })) };
    const fromFiles: Snapshot = { ...plan.snapshot, bodyFiles: { siteDir: site, files: plan.snapshot.posts.map((post) => index.bodyFileOf(post.id) ?? null) } };
    expect(fromFiles.posts.every((post) => post.body === null)).toBe(true);

    const pages = plan.routes.filter(({ route }) => route.type === 'post' || route.type === 'feed');
    const reference = new PageRenderer(shipped);
    const reader = new PageRenderer(fromFiles);
    for (const { route, path } of pages) {
      const expected = reference.render(route, path);
      const actual = reader.render(route, path);
      expect(expected.ok && actual.ok, path).toBe(true);
      expect(String(actual.ok && actual.bytes), path).toBe(String(expected.ok && expected.bytes));
    }

    const [changed, removed] = pages.filter(({ route }) => route.type === 'post').slice(0, 2);
    const sourceOf = (route: (typeof pages)[number]['route']) => plan.snapshot.posts[(route as { post: number }).post]!.source;
    appendFileSync(join(site, sourceOf(changed!.route)), '\nA line written after the build indexed this post.\n');
    rmSync(join(site, sourceOf(removed!.route)));
    const fresh = new PageRenderer(fromFiles);
    const afterChange = fresh.render(changed!.route, changed!.path);
    expect(afterChange.ok).toBe(false);
    expect(!afterChange.ok && afterChange.problem).toMatchObject({ code: 'ERR_BLOG_IO', file: sourceOf(changed!.route), reason: `${sourceOf(changed!.route)} changed during the build: build again` });
    const afterRemoval = fresh.render(removed!.route, removed!.path);
    expect(!afterRemoval.ok && afterRemoval.problem).toMatchObject({ code: 'ERR_BLOG_IO', file: sourceOf(removed!.route), reason: expect.stringContaining(`could not read ${sourceOf(removed!.route)}`) });
  });
});
