/**
 * ─── POOL GAP ──────────────────────────────────────────────────────────────
 * The tenant side of the handshake. Pool's envelope has a `ready` type but no
 * field for the port a child listens on, and no message to ask for (and hand
 * over) a listening socket. Until pool adds them (see the README, "What pool
 * should provide"), this file is the one place that extends the envelope:
 *
 * - tenant → runtime: `{ droveTenant: 1, type: 'socket-request' }`, a plain
 *   (non-envelope) message asking for the listening socket (`listen: 'handle'`);
 * - runtime → tenant: `{ droveTenant: 1, type: 'socket' }`, sent with the
 *   `net.Server` handle through `Endpoint.send(message, undefined, handle)`;
 * - tenant → runtime: pool's `ready` envelope with an extra `port` field.
 */
import { envelope, isEnvelope } from '@drove/pool/envelope';

/** The environment variable that tells a tenant how to listen: `handle` or `report`. */
export const LISTEN_MODE_ENV = 'DROVE_TENANT_LISTEN';
/** The environment variable that carries the tenant's key. */
export const TENANT_KEY_ENV = 'DROVE_TENANT_KEY';

/** How a tenant gets its listening socket. */
export type ListenMode = 'handle' | 'report';

export interface SocketRequest {
  droveTenant: 1;
  type: 'socket-request';
}

export interface SocketGrant {
  droveTenant: 1;
  type: 'socket';
}

export const socketRequest: SocketRequest = { droveTenant: 1, type: 'socket-request' };
export const socketGrant: SocketGrant = { droveTenant: 1, type: 'socket' };

export function isSocketRequest(message: unknown): message is SocketRequest {
  return isTenantMessage(message) && (message as { type?: unknown }).type === 'socket-request';
}

export function isSocketGrant(message: unknown): message is SocketGrant {
  return isTenantMessage(message) && (message as { type?: unknown }).type === 'socket';
}

function isTenantMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { droveTenant?: unknown }).droveTenant === 1;
}

/** Pool's `ready` envelope plus the port the tenant listens on. */
export function readyWithPort(port: number): ReturnType<typeof envelope<'ready'>> & { port: number } {
  return { ...envelope('ready', { pid: process.pid, threadId: 0 }), port };
}

/** The port of a `ready` envelope, or `undefined` when the message is not one (or carries no valid port). */
export function readyPort(message: unknown): number | undefined | null {
  if (!isEnvelope(message) || message.type !== 'ready') return undefined;
  const port = (message as { port?: unknown }).port;
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : null;
}
