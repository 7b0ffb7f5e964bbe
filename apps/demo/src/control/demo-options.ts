/** drove-demo's command line. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface DemoOptions {
  host: string;
  /** The front door's port (0 picks a free one). */
  port: number;
  dashboardPort: number;
  posts: number;
  products: number;
  forecastPaths: number;
  workers: number | 'auto';
  dataDir: string;
  idleSeconds: number;
  /** Print machine-readable lines (`{"event":"listening",…}`) too. */
  json: boolean;
}

export const usage = `Usage: drove-demo [options]

Builds a blog and a catalogue on every core and serves them behind one front
door, under a supervisor, with a live dashboard. Ctrl-C stops everything.

Options:
  --host <address>      the address both ports listen on (default 127.0.0.1)
  --port <n>            front door port (default 8080; 0 for any free port)
  --dashboard-port <n>  dashboard port (default 8081; 0 for any free port)
  --posts <n>           blog posts to generate (default 3000)
  --large               10,000 posts (the blog-engine benchmark's size)
  --products <n>        catalogue products (default 2000)
  --forecast-paths <n>  simulated price paths per product page, the CPU a page costs (default 400)
  --workers <n|auto>    render workers per pool (default auto: one per core)
  --idle-seconds <n>    a tenant is stopped after this long without requests (default 20)
  --data-dir <dir>      where the generated and built sites go (default apps/demo/.data)
  --json                also print machine-readable lines ({"event":"listening",…}, {"event":"built",…})
  -h, --help            print this help and exit

Environment:
  REDIS_URL             a Redis (redis://…): the dashboard gets a Remote panel of the
                        remote pool on the queue drove-demo, with a host run here; more hosts:
                        drove-worker --queue drove-demo apps/demo/dist/remote-worker.js`;

/** The flags drove-demo reads (the usage names each of them). */
export const demoFlags = {
  host: { type: 'string' },
  port: { type: 'string' },
  'dashboard-port': { type: 'string' },
  posts: { type: 'string' },
  large: { type: 'boolean' },
  products: { type: 'string' },
  'forecast-paths': { type: 'string' },
  workers: { type: 'string' },
  'idle-seconds': { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const defaultDataDir = resolve(fileURLToPath(new URL('..', import.meta.url)), '.data');

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number): number | string {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) return `Expected --${name} to be an integer from ${min} to ${max}, got \`${text}\``;
  return value;
}

/** The options, `'help'`, or a message saying what is wrong. */
export function parseDemoArgs(argv: string[]): DemoOptions | 'help' | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: demoFlags,
    }));
  } catch (error) {
    return (error as Error).message;
  }
  if (values.help) return 'help';
  const numbers = {
    port: integer('port', values.port, 8080, 0, 65535),
    dashboardPort: integer('dashboard-port', values['dashboard-port'], 8081, 0, 65535),
    posts: integer('posts', values.posts, values.large ? 10_000 : 3000, 1, 1_000_000),
    products: integer('products', values.products, 2000, 1, 1_000_000),
    forecastPaths: integer('forecast-paths', values['forecast-paths'], 400, 10, 100_000),
    idleSeconds: integer('idle-seconds', values['idle-seconds'], 20, 1, 86_400),
    workers: values.workers === 'auto' ? availableParallelism() : integer('workers', values.workers, availableParallelism(), 1, 256),
  };
  for (const value of Object.values(numbers)) if (typeof value === 'string') return value;
  if (values.large && values.posts !== undefined) return 'Use either --large or --posts, not both';
  const n = numbers as { [K in keyof typeof numbers]: number };
  if (n.port !== 0 && n.port === n.dashboardPort) return `Expected --port and --dashboard-port to differ, both are ${n.port}`;
  const host = values.host ?? '127.0.0.1';
  return {
    host,
    port: n.port,
    dashboardPort: n.dashboardPort,
    posts: n.posts,
    products: n.products,
    forecastPaths: n.forecastPaths,
    workers: n.workers,
    dataDir: resolve(values['data-dir'] ?? defaultDataDir),
    idleSeconds: n.idleSeconds,
    json: values.json ?? false,
  };
}
