// The viz HTTP server: the built page, read-only JSON views of one run directory, and
// the live event stream. Everything else is 404; only GET and HEAD are allowed; only the
// host names it serves are answered; no file is read through a symbolic link.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { PlexusError } from '../../src/errors.js';
import type { RunInfo } from '../../src/run-format/index.js';
import { RunEventStream } from './event-stream.js';
import { allowedHostNames, hostHeaderName, isAllowedHost, isLoopbackHost } from './host-check.js';
import { defaultPageDir } from './paths.js';
import { hasRunFile, readTopology, runFilePath, type RunFile } from './run-dir.js';
import { openRegularFile, UnsafeFileError } from './safe-file.js';
import { indexPageFiles, type PageFile } from './static-files.js';

/** The server could not start (port taken, bad host). `flag` names the option to change. */
export class VizServerError extends PlexusError {
  readonly flag: '--port' | '--host';
  constructor(message: string, flag: '--port' | '--host') {
    super(message);
    this.flag = flag;
  }
}

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
  /** More host names to answer besides loopback, the bound address and this machine's names. */
  allowedHosts?: readonly string[];
  /** Lines of peers.jsonl / metrics.jsonl longer than this are skipped with a warning. */
  maxLineBytes?: number;
  /** Said once each: a network bind, a refused symbolic link, skipped lines. */
  onWarning?: (message: string) => void;
}

export interface VizServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The Host header names answered; any other gets 403. */
  readonly allowedHosts: ReadonlySet<string>;
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
  const allowedHosts = allowedHostNames(host, opts.allowedHosts);
  const runName = basename(opts.runDir);
  const warned = new Set<string>();
  const warnOnce = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    opts.onWarning?.(message);
  };

  function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(head ? undefined : body);
  }

  function notFound(res: ServerResponse, head: boolean): void {
    send(res, 404, 'text/plain; charset=utf-8', 'Not found\n', head);
  }

  /** Sends a regular file; false if there is none; 403 (and a warning) for a symbolic link or special file. */
  async function sendFile(
    res: ServerResponse,
    path: string,
    type: string,
    cache: string,
    head: boolean,
  ): Promise<boolean> {
    let file;
    try {
      file = await openRegularFile(path);
    } catch (err) {
      if (!(err instanceof UnsafeFileError)) throw err;
      warnOnce(err.message);
      send(res, 403, 'text/plain; charset=utf-8', 'Refused: not a regular file\n', head);
      return true;
    }
    if (!file) return false;
    const { fh, size } = file;
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': size, 'Cache-Control': cache });
    if (head || size === 0) {
      await fh.close();
      res.end();
      return true;
    }
    // Content-Length is a snapshot; a jsonl growing meanwhile is cut at that length
    const stream = fh.createReadStream({ start: 0, end: size - 1 });
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return true;
  }

  /** topology.json once checked: 503 while a live run is still writing it, 422 if it is wrong. */
  async function sendTopology(res: ServerResponse, head: boolean): Promise<void> {
    const read = await readTopology(opts.runDir);
    if (read.ok) return send(res, 200, 'application/json; charset=utf-8', read.text, head);
    if (read.reason === 'missing') return notFound(res, head);
    if (read.reason === 'incomplete') return send(res, 503, 'text/plain; charset=utf-8', 'topology.json is being written\n', head);
    warnOnce(read.message);
    send(res, 422, 'text/plain; charset=utf-8', read.message + '\n', head);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed\n');
      return;
    }
    const head = method === 'HEAD';
    // A page on another site cannot reach us through DNS rebinding: it would carry its own Host.
    if (!isAllowedHost(hostHeaderName(req.headers.host), allowedHosts)) {
      send(res, 403, 'text/plain; charset=utf-8', 'Forbidden host (see plexus viz --allow-host)\n', head);
      return;
    }
    const path = safeRequestPath(req.url);
    if (path === null) return notFound(res, head);

    if (path === '/api/run') {
      const info: RunInfo = { name: runName, finished: await hasRunFile(opts.runDir, 'summary') };
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify(info), head);
      return;
    }
    if (path === '/api/topology') return sendTopology(res, head);
    if (path === '/api/stream') {
      if (head) return send(res, 200, 'text/event-stream; charset=utf-8', '', true);
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      const stream = new RunEventStream(req, res, { runDir: opts.runDir, pollMs, maxLineBytes: opts.maxLineBytes, onWarning: warnOnce });
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
        reject(new VizServerError(`--port: ${opts.port} is in use; choose another or 0 for a free one`, '--port'));
      else if (err.code === 'EACCES')
        reject(new VizServerError(`--port: ${opts.port} needs privileges on ${host}; choose one above 1023 or 0 for a free one`, '--port'));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
        reject(new VizServerError(`--host: cannot bind ${where}: no such local address; use 127.0.0.1`, '--host'));
      else reject(new VizServerError(`--host: cannot listen on ${where}: ${err.message}`, '--host'));
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
  if (!isLoopbackHost(host)) {
    warnOnce(
      `viz: WARNING: the view is bound to ${host}:${port}, so it is reachable from the network and unauthenticated: ` +
        `anyone who can reach this machine can read this run. Use --host 127.0.0.1 (the default) to keep it local.`,
    );
  }
  let closing: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}/`,
    host,
    port,
    allowedHosts,
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
