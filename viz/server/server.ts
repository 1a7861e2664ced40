// The viz HTTP server: the built page, read-only JSON views of one run directory, and
// the live event stream. Everything else is 404; only GET and HEAD are allowed.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { PlexusError } from '../../src/errors.js';
import { RunEventStream } from './event-stream.js';
import { defaultPageDir } from './paths.js';
import { runFilePath, type RunFile } from './run-dir.js';
import { indexPageFiles, type PageFile } from './static-files.js';

/** The server could not start (port taken, bad host). */
export class VizServerError extends PlexusError {}

export interface VizServerOptions {
  /** Absolute path of an existing run directory. */
  runDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The built page; defaults to dist/viz/page of this package. */
  pageDir?: string;
  /** How often the event stream looks for new lines, in ms. */
  pollMs?: number;
  /** Called each time a page opens the live event stream. */
  onViewer?: () => void;
}

export interface VizServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Ends open streams and stops listening; safe to call more than once. */
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';

/** The run files exposed under /api/, by URL. */
const API_FILES: Record<string, { file: RunFile; type: string }> = {
  '/api/topology': { file: 'topology', type: 'application/json; charset=utf-8' },
  '/api/config': { file: 'config', type: 'application/json; charset=utf-8' },
  '/api/summary': { file: 'summary', type: 'application/json; charset=utf-8' },
  '/api/metrics': { file: 'metrics', type: 'application/x-ndjson; charset=utf-8' },
  '/api/peers': { file: 'peers', type: 'application/x-ndjson; charset=utf-8' },
};

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  // blob: workers are how graphology's ForceAtlas2 supervisor starts its web worker
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>Plexus viz</title>
<body style="font:16px system-ui;background:#0b0f17;color:#d8dee9;padding:3em">
<h1>The viz page is not built</h1><p>Run <code>npm run build</code> (or <code>npx vite build --config viz/vite.config.ts</code>) and reload.</p>`;

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** The path part of a request target, or null if it could smuggle anything (dots, escapes, backslashes). */
export function safeRequestPath(rawUrl: string | undefined): string | null {
  if (!rawUrl || rawUrl[0] !== '/') return null;
  const q = rawUrl.search(/[?#]/);
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (path.length > 512 || /\.\.|%|\\|\0|\/\//.test(path)) return null;
  return path;
}

export async function createVizServer(opts: VizServerOptions): Promise<VizServer> {
  const host = opts.host ?? DEFAULT_HOST;
  const pollMs = opts.pollMs ?? 250;
  const pageFiles = await indexPageFiles(opts.pageDir ?? defaultPageDir());
  const streams = new Set<RunEventStream>();
  const checkHostHeader = isLoopbackHost(host);
  const runName = basename(opts.runDir);

  function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(head ? undefined : body);
  }

  function notFound(res: ServerResponse, head: boolean): void {
    send(res, 404, 'text/plain; charset=utf-8', 'Not found\n', head);
  }

  async function sendFile(
    res: ServerResponse,
    path: string,
    type: string,
    cache: string,
    head: boolean,
  ): Promise<boolean> {
    let size: number;
    try {
      const s = await stat(path);
      if (!s.isFile()) return false;
      size = s.size;
    } catch {
      return false;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': size, 'Cache-Control': cache });
    if (head) {
      res.end();
      return true;
    }
    // Content-Length is a snapshot; a jsonl growing meanwhile is cut at that length
    const stream = createReadStream(path, { start: 0, end: Math.max(0, size - 1) });
    if (size === 0) {
      stream.destroy();
      res.end();
      return true;
    }
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed\n');
      return;
    }
    const head = method === 'HEAD';
    if (checkHostHeader) {
      // A page on another site cannot reach us through DNS rebinding: it would carry its own Host.
      const hostName = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!LOOPBACK_NAMES.has(hostName) && !/^127\.\d+\.\d+\.\d+$/.test(hostName)) {
        send(res, 403, 'text/plain; charset=utf-8', 'Forbidden host\n', head);
        return;
      }
    }
    const path = safeRequestPath(req.url);
    if (path === null) return notFound(res, head);

    if (path === '/api/run') {
      let finished = false;
      try {
        finished = (await stat(runFilePath(opts.runDir, 'summary'))).isFile();
      } catch {
        // not finished yet
      }
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify({ name: runName, finished }), head);
      return;
    }
    if (path === '/api/stream') {
      if (head) return send(res, 200, 'text/event-stream; charset=utf-8', '', true);
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      const stream = new RunEventStream(req, res, { runDir: opts.runDir, pollMs });
      streams.add(stream);
      void stream.finished.then(() => streams.delete(stream));
      stream.start();
      opts.onViewer?.();
      return;
    }
    const api = API_FILES[path];
    if (api) {
      if (!(await sendFile(res, runFilePath(opts.runDir, api.file), api.type, 'no-store', head))) notFound(res, head);
      return;
    }
    const page: PageFile | undefined = pageFiles.get(path);
    if (page) {
      const cache = page.immutable ? 'public, max-age=31536000, immutable' : 'no-cache';
      if (!(await sendFile(res, page.path, page.contentType, cache, head))) notFound(res, head);
      return;
    }
    if (path === '/' && !pageFiles.has('/')) return send(res, 503, 'text/html; charset=utf-8', NOT_BUILT_PAGE, head);
    notFound(res, head);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error\n', false);
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const where = `${host}:${opts.port ?? 0}`;
      if (err.code === 'EADDRINUSE')
        reject(new VizServerError(`viz: port ${opts.port} on ${host} is in use. Pass --port 0 to pick a free one.`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
        reject(new VizServerError(`viz: cannot bind ${where}: no such local address. Use --host 127.0.0.1.`));
      else reject(new VizServerError(`viz: cannot listen on ${where}: ${err.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(opts.port ?? 0, host);
  });

  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}/`,
    host,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const s of streams) s.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
