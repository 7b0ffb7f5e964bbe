import { packageConfig } from '../../tools/tsup.js';

export default packageConfig({
  index: 'src/index.ts',
  child: 'src/child.ts',
  clock: 'src/clock.ts',
  cli: 'src/cli.ts',
});
