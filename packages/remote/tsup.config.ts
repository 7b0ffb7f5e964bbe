import { packageConfig } from '../../tools/tsup.js';

export default packageConfig({ index: 'src/index.ts', cli: 'src/cli.ts', 'host-cli': 'src/host-cli.ts' });
