/**
 * What a tenant reads from its environment: its key and how to listen. The
 * messages themselves are pool's envelopes (`listen`, `listen-handle`,
 * `listening`, `ready` with its `port`).
 */

/** The environment variable that tells a tenant how to listen: `handle` or `report`. */
export const LISTEN_MODE_ENV = 'DROVE_TENANT_LISTEN';
/** The environment variable that carries the tenant's key. */
export const TENANT_KEY_ENV = 'DROVE_TENANT_KEY';

/** How a tenant gets its listening socket. */
export type ListenMode = 'handle' | 'report';
