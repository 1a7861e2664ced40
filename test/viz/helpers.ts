// Shared helpers for the viz server tests: a fake built page, raw HTTP requests (so dot
// segments reach the server unnormalised) and a small Server-Sent Events reader.

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `plexus-${prefix}-`));
}

/** A stand-in for dist/viz/page: an index and one hashed asset. */
export async function fakePage(): Promise<string> {
  const dir = await tempDir('page');
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>plexus test page</title>');
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log("page");');
  await writeFile(join(dir, 'notes.unknown-type'), 'never served');
  return dir;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path sent exactly as given. */
export function rawRequest(
  url: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Reads /api/stream until `until` says stop (or the timeout); returns the events seen. */
export function readEvents(
  url: string,
  until: (events: SseEvent[]) => boolean,
  opts: { lastEventId?: string; timeoutMs?: number; onEvent?: (e: SseEvent, all: SseEvent[]) => void } = {},
): Promise<SseEvent[]> {
  const u = new URL('api/stream', url);
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    let buffer = '';
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`SSE: timed out with ${events.length} events: ${events.map((e) => e.event).join(',')}`));
    }, opts.timeoutMs ?? 10000);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        headers: opts.lastEventId ? { 'Last-Event-ID': opts.lastEventId } : {},
      },
      (res) => {
        res.setEncoding('utf8');
        // the server ending the stream (e.g. on close) ends the read with what was seen
        res.on('end', () => {
          clearTimeout(timer);
          resolve(events);
        });
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const e: SseEvent = { event: 'message', data: '' };
            let isComment = true;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              const i = line.indexOf(':');
              const field = i === -1 ? line : line.slice(0, i);
              const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
              if (field === 'event') e.event = value;
              else if (field === 'data') e.data += value;
              else if (field === 'id') e.id = value;
              else continue;
              isComment = false;
            }
            if (isComment) continue;
            events.push(e);
            opts.onEvent?.(e, events);
            if (until(events)) {
              clearTimeout(timer);
              req.destroy();
              resolve(events);
              return;
            }
          }
        });
      },
    );
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
    req.end();
  });
}
