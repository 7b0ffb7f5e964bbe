/**
 * Which peers may speak for a client: the front door keeps the
 * `X-Forwarded-*` headers of those (a reverse proxy in front), and replaces
 * everyone else's. Named ranges as Express names them.
 */
import { BlockList, isIP } from 'node:net';
import { check } from './validate.js';

/** Who is trusted to set `X-Forwarded-*`: everyone (`true`), nobody (`false`), addresses and CIDR ranges (with the names `loopback`, `linklocal`, `uniquelocal`), or a function of the peer's address. */
export type TrustProxy = boolean | readonly string[] | ((address: string) => boolean);

const NAMED: Record<string, readonly string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** An IPv4 peer of a dual-stack server is reported as `::ffff:a.b.c.d`. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Checks `trustProxy` eagerly and returns the test a connection's peer address goes through. */
export function resolveTrustProxy(option: TrustProxy | undefined): (address: string | undefined) => boolean {
  if (option === undefined || option === false) return () => false;
  if (option === true) return () => true;
  if (typeof option === 'function') return (address) => address !== undefined && option(plainAddress(address)) === true;
  if (!Array.isArray(option)) check.fail('trustProxy', 'a boolean, an array of addresses or CIDR ranges, or a function', option);
  const list = new BlockList();
  for (const entry of option as readonly unknown[]) {
    for (const item of typeof entry === 'string' ? (NAMED[entry] ?? [entry]) : [entry]) {
      const [address, bits, extra] = typeof item === 'string' ? item.split('/') : [];
      const family = address === undefined ? 0 : isIP(address);
      const prefix = bits === undefined ? (family === 6 ? 128 : 32) : /^\d{1,3}$/.test(bits) ? Number(bits) : -1;
      if (family === 0 || extra !== undefined || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
        check.fail('trustProxy', 'addresses or CIDR ranges (or `loopback`, `linklocal`, `uniquelocal`)', entry);
      }
      list.addSubnet(address as string, prefix, family === 6 ? 'ipv6' : 'ipv4');
    }
  }
  return (address) => {
    if (address === undefined) return false;
    const plain = plainAddress(address);
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * The `X-Forwarded-*` fields the tenant gets: the client's address appended
 * to a trusted peer's `X-Forwarded-For` (or alone), and `-Host` / `-Proto`
 * unless a trusted peer set them already. `X-Forwarded-For` lines of the
 * request itself are never forwarded as they are: they are folded in here.
 */
export function forwardedFields(rawHeaders: readonly string[], host: string | undefined, remote: string | undefined, proto: string, trusted: boolean): string {
  let prior = '';
  let sawHost = false;
  let sawProto = false;
  if (trusted) {
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as string).toLowerCase();
      if (name === 'x-forwarded-for') prior += `${prior === '' ? '' : ', '}${rawHeaders[i + 1] as string}`;
      else if (name === 'x-forwarded-host') sawHost = true;
      else if (name === 'x-forwarded-proto') sawProto = true;
    }
  }
  let text = '';
  if (remote !== undefined) text += `X-Forwarded-For: ${prior === '' ? remote : `${prior}, ${remote}`}\r\n`;
  else if (prior !== '') text += `X-Forwarded-For: ${prior}\r\n`;
  if (!sawHost && host !== undefined) text += `X-Forwarded-Host: ${host}\r\n`;
  if (!sawProto) text += `X-Forwarded-Proto: ${proto}\r\n`;
  return text;
}
