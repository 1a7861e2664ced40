// The live feed: Server-Sent Events replaying metrics.jsonl and peers.jsonl from the start,
// then tailing both as the engine appends, and a final 'done' once summary.json exists.
// Each event id is "<metrics lines>.<peers lines>" sent so far, so a reconnecting
// EventSource (Last-Event-ID) resumes where it stopped instead of starting over.
// A line too long to hold is skipped with a 'warning' event, so the page can say so.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { RUN_FILES } from '../../src/run-format/index.js';
import { LineTail } from './line-tail.js';
import { runFilePath } from './run-dir.js';
import { readRegularFile } from './safe-file.js';

/** summary.json is small: the config and a few dozen numbers. */
const MAX_SUMMARY_BYTES = 16 << 20;

export interface StreamOptions {
  runDir: string;
  /** How often to look for new lines, in ms. */
  pollMs: number;
  /** How often to send a comment so proxies and idle timeouts keep the connection. */
  keepAliveMs?: number;
  /** Longer lines are skipped (see LineTail). */
  maxLineBytes?: number;
  /** Told about each skipped line, besides the client. */
  onWarning?: (message: string) => void;
}

export interface StreamPosition {
  metrics: number;
  peers: number;
}

/** Parses a Last-Event-ID of the form "12.4"; anything else means "from the start". */
export function parseStreamPosition(id: string | undefined | null): StreamPosition {
  const m = /^(\d{1,9})\.(\d{1,9})$/.exec(id ?? '');
  return m ? { metrics: Number(m[1]), peers: Number(m[2]) } : { metrics: 0, peers: 0 };
}

/** One client's stream. `close()` ends it; it also ends when the client goes away. */
export class RunEventStream {
  private readonly res: ServerResponse;
  private readonly opts: StreamOptions;
  private readonly metrics: LineTail;
  private readonly peers: LineTail;
  private readonly skip: StreamPosition;
  private sent: StreamPosition = { metrics: 0, peers: 0 };
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;

  constructor(req: IncomingMessage, res: ServerResponse, opts: StreamOptions) {
    this.res = res;
    this.opts = opts;
    this.metrics = new LineTail(runFilePath(opts.runDir, 'metrics'), { maxLineBytes: opts.maxLineBytes });
    this.peers = new LineTail(runFilePath(opts.runDir, 'peers'), { maxLineBytes: opts.maxLineBytes });
    const header = req.headers['last-event-id'];
    this.skip = parseStreamPosition(Array.isArray(header) ? header[0] : header);
    this.finished = new Promise((r) => (this.resolveFinished = r));
    req.on('close', () => this.close());
    res.on('error', () => this.close());
  }

  start(): void {
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    this.res.write('retry: 1000\n\n');
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), this.opts.keepAliveMs ?? 15000);
    void this.pump();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.keepAlive);
    if (!this.res.writableEnded) this.res.end();
    this.resolveFinished();
  }

  private async pump(): Promise<void> {
    try {
      const hadSummary = await this.summaryText();
      this.send('run', JSON.stringify({ finished: hadSummary !== null }));
      for (;;) {
        if (this.closed) return;
        // Read summary.json before draining: the engine writes it after its last lines,
        // so once it exists a full drain is guaranteed to have seen every line.
        const summary = await this.summaryText();
        await this.drain(this.metrics, 'metrics');
        await this.drain(this.peers, 'peers');
        if (summary !== null) {
          this.send('done', summary);
          clearInterval(this.keepAlive);
          this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), this.opts.keepAliveMs ?? 15000);
          return; // nothing more will come; the client closes when it is ready
        }
        await new Promise<void>((r) => (this.timer = setTimeout(r, this.opts.pollMs)));
      }
    } catch (err) {
      if (!this.closed) {
        this.send('error', JSON.stringify({ message: (err as Error).message }));
        this.close();
      }
    }
  }

  private async drain(tail: LineTail, kind: 'metrics' | 'peers'): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const { lines, more, skipped } = await tail.read();
      if (skipped > 0) this.warnSkipped(tail, kind, skipped);
      for (const line of lines) {
        this.sent[kind]++;
        if (this.sent[kind] <= this.skip[kind]) continue;
        const ok = this.send(kind, line);
        if (!ok) await this.waitForDrain();
        if (this.closed) return;
      }
      if (!more) return;
    }
  }

  private warnSkipped(tail: LineTail, kind: 'metrics' | 'peers', skipped: number): void {
    const message = `skipped ${skipped} line(s) longer than ${tail.maxLineBytes} bytes`;
    this.send('warning', JSON.stringify({ file: RUN_FILES[kind], message }));
    this.opts.onWarning?.(`viz: ${tail.path}: ${message}`);
  }

  /** summary.json compacted to one line (SSE data lines cannot hold newlines), or null while it is absent or being written. */
  private async summaryText(): Promise<string | null> {
    const text = await readRegularFile(runFilePath(this.opts.runDir, 'summary'), MAX_SUMMARY_BYTES);
    if (text === null) return null;
    try {
      return JSON.stringify(JSON.parse(text));
    } catch {
      return null;
    }
  }

  private send(event: string, data: string): boolean {
    return this.write(`id: ${this.sent.metrics}.${this.sent.peers}\nevent: ${event}\ndata: ${data}\n\n`);
  }

  private write(chunk: string): boolean {
    if (this.closed || this.res.writableEnded) return true;
    return this.res.write(chunk);
  }

  private waitForDrain(): Promise<void> {
    return new Promise((r) => {
      if (this.closed) return r();
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        r();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }
}
