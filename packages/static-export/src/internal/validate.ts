import { createCheck, describeValue, type Check } from '@drove/pool/validate';
import { StaticExportError } from '../errors.js';

/** Drove's option checks, throwing `ERR_EXPORT_INVALID_OPTION`. */
export const check: Check = createCheck((message) => new StaticExportError('ERR_EXPORT_INVALID_OPTION', message));

/** Quotes a value the way option errors do: `0` (number). */
export const describe = describeValue;
