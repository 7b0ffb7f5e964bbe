/** Request fields a client could use to pose as a proxy's client: replaced unless the peer is trusted. */
export function isForwardingField(lowerName: string): boolean {
  return lowerName.startsWith('x-forwarded-') || lowerName === 'forwarded' || lowerName === 'x-real-ip';
}
