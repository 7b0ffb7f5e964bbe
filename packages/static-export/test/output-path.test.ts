import { describe, expect, it } from 'vitest';
import { resolveArtifactName, resolveOutputFile } from '@drove/static-export';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('resolveOutputFile', () => {
  it.each([
    ['/', 'index.html'],
    ['/about', 'about/index.html'],
    ['/about/', 'about/index.html'],
    ['about', 'about/index.html'],
    ['/blog/2021/hello-world', 'blog/2021/hello-world/index.html'],
    ['/feed.xml', 'feed.xml'],
    ['/404.html', '404.html'],
    ['/docs/v1.2', 'docs/v1.2/index.html'],
    ['/a//b/./c/', 'a/b/c/index.html'],
    ['/a/../b', 'b/index.html'],
    ['/a/..', 'index.html'],
    ['/caf%C3%A9', 'café/index.html'],
    ['/wiki/Special:Random', 'wiki/Special:Random/index.html'],
  ])('%s → %s', (path, file) => {
    expect(resolveOutputFile(path)).toBe(file);
  });

  it.each([
    ['/..'],
    ['/../etc/passwd'],
    ['/a/../../b'],
    ['/%2e%2e/x'],
    ['/a%2F..%2F..%2Fx'],
    ['/x\0y'],
    ['/x%00y'],
    ['/C:/windows'],
    ['/c:'],
    ['/..\\x'],
    ['/a%5C..%5Cx'],
  ])('%j escapes outDir', (path) => {
    expect(codeOf(() => resolveOutputFile(path))).toBe('ERR_EXPORT_PATH_ESCAPES');
  });

  it('maps plain paths (its fast case) exactly as the general case does', () => {
    const plain = ['/docs/a', '/docs/a/', '/feed.xml', '/v1.2/notes', '/a-b_c~d/e.f.html', '/x/y.tar.gz', '/page-1/2024', '/a..b', '/index.html/'];
    for (const path of plain) {
      // Doubled slashes are dropped by the general case only: the same file by the other road.
      expect(resolveOutputFile(path)).toBe(resolveOutputFile(path.replaceAll('/', '//')));
    }
    expect(resolveOutputFile('/a..b/')).toBe('a..b/index.html');
    expect(resolveOutputFile('/x/y.tar.gz')).toBe('x/y.tar.gz');
  });

  it.each([[''], ['/search?q=1'], ['/page#top'], ['/bad%zz'], [42]])('%j is not a path', (path) => {
    expect(codeOf(() => resolveOutputFile(path as string))).toBe('ERR_EXPORT_INVALID_PATH');
  });
});

describe('resolveArtifactName', () => {
  it.each([
    ['feed.xml', 'feed.xml'],
    ['blog/./feed.xml', 'blog/feed.xml'],
    ['a//b.txt', 'a/b.txt'],
    ['a/../b.txt', 'b.txt'],
    ['assets/%2e%2e/x.css', 'assets/%2e%2e/x.css'],
  ])('%s → %s', (name, file) => {
    expect(resolveArtifactName(name)).toBe(file);
  });

  it.each([['../x'], ['a/../../x'], ['/etc/passwd'], ['x\0'], ['C:/x'], ['d:x'], ['..\\x'], ['a\\b']])('%j escapes outDir', (name) => {
    expect(codeOf(() => resolveArtifactName(name, '/page'))).toBe('ERR_EXPORT_PATH_ESCAPES');
  });

  it.each([[''], ['dir/'], ['.'], ['a/..'], [null]])('%j names no file', (name) => {
    expect(codeOf(() => resolveArtifactName(name as string))).toBe('ERR_EXPORT_INVALID_ARTIFACT');
  });

  it('names the path being rendered in its message', () => {
    expect(() => resolveArtifactName('../x', '/blog/post')).toThrow(/rendering \/blog\/post/);
  });
});
