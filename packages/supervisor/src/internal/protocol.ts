// The supervisor's own messages for lending listening sockets to process
// children. pool's envelope has no type for handle passing, so these travel
// as plain messages branded with `droveSupervisor` (the envelope's rule:
// whatever is not an envelope passes through to user listeners, and the
// child helper takes only these).

/** The variable that tells a Node child it is supervised, and as which child. */
export const CHILD_ENV = 'DROVE_SUPERVISOR_CHILD';

/** The brand and version of the supervisor's messages. */
export const SUPERVISOR_PROTOCOL = 1;

export type SupervisorMessage =
  /** child → supervisor: lend me the socket `name`. */
  | { droveSupervisor: 1; type: 'listen'; name: string }
  /** supervisor → child: the listening socket (as the handle), or why not. */
  | { droveSupervisor: 1; type: 'listen-handle'; name: string; error?: string }
  /** child → supervisor: my server accepts on `name`; forward me connections. */
  | { droveSupervisor: 1; type: 'listening'; name: string }
  /** supervisor → child: connection `id` the supervisor accepted on `name` (the socket is the handle). */
  | { droveSupervisor: 1; type: 'connection'; name: string; id: number }
  /** child → supervisor: connection `id` is mine now; close your copy. */
  | { droveSupervisor: 1; type: 'accepted'; name: string; id: number };

export function supervisorMessage<T extends SupervisorMessage['type']>(
  type: T,
  body: Omit<Extract<SupervisorMessage, { type: T }>, 'droveSupervisor' | 'type'>,
): Extract<SupervisorMessage, { type: T }> {
  return { droveSupervisor: SUPERVISOR_PROTOCOL, type, ...body } as Extract<SupervisorMessage, { type: T }>;
}

export function isSupervisorMessage(message: unknown): message is SupervisorMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { droveSupervisor?: unknown }).droveSupervisor === SUPERVISOR_PROTOCOL &&
    typeof (message as { type?: unknown }).type === 'string'
  );
}
