/**
 * The streaming map `pool.map()` runs on, for pools whose workers are
 * elsewhere (`@drove/remote`): bounded look-ahead (an item is pulled only while
 * fewer than `concurrency` are in flight or done but not yet taken), results in
 * input order or as they finish, every outcome with `settle`, and leaving early
 * aborts what is in flight and closes the source.
 *
 * @module
 */
export { mapStream, type MapStreamOptions, type Settled } from './internal/map-stream.js';
