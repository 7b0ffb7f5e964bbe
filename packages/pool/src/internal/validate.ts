import { InvalidOptionError } from '../errors.js';
import { createCheck, describeValue, type Check } from '../validate.js';

export { MAX_TIMER_MS } from '../validate.js';

/** Describes a value the way option errors quote it. */
export const describe = describeValue;

/** The pool's option checks: they throw an `InvalidOptionError` at the first problem. */
export const check: Check = createCheck((message) => new InvalidOptionError(message));
