import type * as Remote from '@drove/remote';
import { StaticExportError } from '../errors.js';

/** `@drove/remote`, loaded on first use: an export without Redis never loads BullMQ or ioredis. */
export async function loadRemote(): Promise<typeof Remote> {
  try {
    return await import('@drove/remote');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('@drove/remote')) {
      throw new StaticExportError('ERR_EXPORT_REMOTE', 'Exporting over hosts needs @drove/remote: npm install @drove/remote', { cause: error });
    }
    throw error;
  }
}
