// Eager option checks: pool's checks and message style, throwing this
// package's InvalidOptionError (ERR_TENANT_INVALID_OPTION).
import { createCheck, type Check } from '@drove/pool/validate';
import { InvalidOptionError } from '../errors.js';

export const check: Check = createCheck((message) => new InvalidOptionError(message));
