import { defineConfig, type Options } from 'tsup';

/**
 * The one tsup configuration every package builds with: ESM with declarations,
 * and entry files named by the package (worker entry scripts are entries of
 * their own). ESM only: Node ≥ 20.19 `require()`s an ES module without a flag,
 * and one copy of each class keeps `instanceof` honest.
 */
export function packageConfig(entry: Record<string, string>, overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    treeshake: true,
    // Keep `node:` on built-in imports: without it a bundler or test runner may resolve
    // `string_decoder` or `events` to an npm package of the same name.
    removeNodeProtocol: false,
    ...overrides,
  });
}
