#!/usr/bin/env node
// npm links a workspace's bin at `npm ci` only when its file exists, and dist/
// is built after that: this shim is always there and loads the built CLI.
import('../dist/cli.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('cli.js')) throw error;
  process.stderr.write('drove-supervise: @drove/supervisor is not built (no dist/cli.js); run `npm run build` first\n');
  process.exitCode = 1;
});
