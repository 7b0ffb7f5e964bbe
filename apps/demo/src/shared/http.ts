/** Small HTTP helpers the demo's servers share: JSON answers, JSON bodies, and calls to each other. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TOKEN_HEADER } from './state.js';

/** Answers `value` as JSON. */
export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(body);
}

/** Reads a JSON request body of at most `limit` bytes; `{}` when empty. */
export async function readJson(request: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

/** True when the request carries this run's token (the internal APIs refuse others). */
export function hasToken(request: IncomingMessage, token: string): boolean {
  return request.headers[TOKEN_HEADER] === token;
}

/** Calls another process of the demo: GET (no body) or POST (JSON body), with the run's token and a time limit. */
export async function callJson<T>(url: string, token: string, body?: unknown, timeoutMs = 5000): Promise<T> {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { [TOKEN_HEADER]: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const value = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(value.error ?? `${url} answered ${response.status}`);
  return value;
}

/** The value of a required environment variable, or a clear failure. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set: this script runs under drove-demo`);
  return value;
}
