import { packageConfig } from '../../tools/tsup.js';

// Every entry but the tenants sits at the root of dist/, so each finds the others (and public/) by one relative URL.
export default packageConfig(
  {
    main: 'src/main.ts',
    'front-door': 'src/services/front-door.ts',
    dashboard: 'src/services/dashboard.ts',
    'catalogue-renderer': 'src/catalogue/renderer.ts',
    'remote-worker': 'src/remote/remote-worker.ts',
    'tenants/blog/server': 'src/tenants/blog/server.ts',
    'tenants/catalogue/server': 'src/tenants/catalogue/server.ts',
    'tenants/api/server': 'src/tenants/api/server.ts',
    'tenants/broken/server': 'src/tenants/broken/server.ts',
  },
  { dts: false },
);
