import { packageConfig } from '../../tools/tsup.js';

export default packageConfig({
  index: 'src/index.ts',
  child: 'src/child.ts',
  cli: 'src/cli.ts',
});
