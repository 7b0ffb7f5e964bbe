import { mergeConfig } from 'vitest/config';
import shared from '../../tools/vitest.shared.js';

export default mergeConfig(shared, {
  test: {
    // Built packages (ours and @drove/pool, symlinked workspaces outside node_modules) load natively, as users
    // run them: inlined through Vite, a bare built-in import tsup leaves in a dist (`string_decoder`) resolves
    // to the npm package of that name instead.
    server: { deps: { external: [/\/packages\/[^/]+\/dist\//] } },
  },
});
