import type { Redis } from 'ioredis';
import type { HostReport } from '../host-report.js';
import { hostReportKey, hostsKey } from './job-format.js';

/** The reports of a queue's live hosts, by host id; hosts whose report expired (they died) leave the set. */
export async function readHosts(client: Redis, prefix: string, queue: string): Promise<HostReport[]> {
  const ids = await client.zrange(hostsKey(prefix, queue), 0, -1);
  if (ids.length === 0) return [];
  const texts = await client.mget(ids.map((id) => hostReportKey(prefix, queue, id)));
  const reports: HostReport[] = [];
  const gone: string[] = [];
  texts.forEach((text, index) => {
    if (text === null) gone.push(ids[index] ?? '');
    else reports.push(JSON.parse(text) as HostReport);
  });
  if (gone.length > 0) await client.zrem(hostsKey(prefix, queue), ...gone);
  return reports.sort((a, b) => a.hostId.localeCompare(b.hostId));
}
