// Checks in pool's message style ("Expected `x` to be …, got `0` (number)"):
// pool's `Problems` collects every problem, so a spec or a config file fails
// once with the whole list, thrown as the supervisor's own error.
import type { Problems } from '@drove/pool/validate';
import { InvalidSpecError } from '../errors.js';

export { Problems } from '@drove/pool/validate';

/** Throws an `InvalidSpecError` listing every problem found, if there is any. */
export function throwIfInvalid(problems: Problems, what = 'supervisor spec'): void {
  problems.throwIfAny((list) => new InvalidSpecError(list, what));
}
