// Talking to the viz server: JSON views of the run directory and the live event stream.

import type { MetricsLine, PeersLine, RunInfo, Summary, TopologyFile } from './run-types.js';

/** The parsed JSON at an API path, or null if the server says it does not exist (yet). */
export async function fetchJson<T>(path: string): Promise<T | null> {
  const res = await fetch(path, { cache: 'no-store' });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Waits for topology.json: a live run writes it before its first round. */
export async function waitForTopology(onWait: () => void): Promise<TopologyFile> {
  for (let attempt = 0; ; attempt++) {
    try {
      const topo = await fetchJson<TopologyFile>('api/topology');
      if (topo) return topo;
    } catch {
      // a half-written file parses badly: try again
    }
    if (attempt === 0) onWait();
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface StreamHandlers {
  run(info: Pick<RunInfo, 'finished'>): void;
  metrics(line: MetricsLine): void;
  peers(line: PeersLine): void;
  done(summary: Summary): void;
  connection(state: 'open' | 'lost'): void;
}

/** Subscribes to /api/stream; returns a function that closes it. Closes itself after 'done'. */
export function openStream(h: StreamHandlers): () => void {
  const source = new EventSource('api/stream');
  const parse = <T>(ev: MessageEvent, fn: (v: T) => void) => {
    try {
      fn(JSON.parse(ev.data as string) as T);
    } catch (err) {
      console.warn('plexus viz: skipped a malformed line', err);
    }
  };
  source.addEventListener('run', (ev) => parse(ev as MessageEvent, h.run));
  source.addEventListener('metrics', (ev) => parse(ev as MessageEvent, h.metrics));
  source.addEventListener('peers', (ev) => parse(ev as MessageEvent, h.peers));
  source.addEventListener('done', (ev) => {
    parse(ev as MessageEvent, h.done);
    source.close();
  });
  source.addEventListener('open', () => h.connection('open'));
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED) h.connection('lost');
  });
  return () => source.close();
}
