// `drove-blog serve` in a process of its own for the bench: prints `serving URL`, runs until SIGTERM.
// argv: site out database
import { serve } from '@drove/blog-engine';

const [site, out, database] = process.argv.slice(2);
const server = await serve({ site, out, database, port: 0 });
process.stdout.write(`serving ${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
