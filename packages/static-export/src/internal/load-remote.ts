import type * as Remote from '@drove/remote';
import type * as RemoteHostCli from '@drove/remote/host-cli';
import { StaticExportError } from '../errors.js';

/** `@drove/remote`, loaded on first use: an export without Redis never loads BullMQ or ioredis. */
export function loadRemote(): Promise<typeof Remote> {
  return importRemote(() => import('@drove/remote'));
}

/** `@drove/remote/host-cli`, the flags and signal handling of `drove-worker` that `drove-export worker` shares. */
export function loadRemoteHostCli(): Promise<typeof RemoteHostCli> {
  return importRemote(() => import('@drove/remote/host-cli'));
}

async function importRemote<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('@drove/remote')) {
      throw new StaticExportError('ERR_EXPORT_REMOTE', 'Exporting over hosts needs @drove/remote: npm install @drove/remote', { cause: error });
    }
    throw error;
  }
}
