// Talking to the viz server: JSON views of the run directory and the live event stream.

import {
  checkTopologyFile,
  RunFormatError,
  type MetricsLine,
  type PeersLine,
  type RunInfo,
  type SummaryFile,
  type TopologyFile,
} from '@plexus/run-format';

/** The parsed JSON at an API path, or null if the server says it does not exist (yet). */
export async function fetchJson<T>(path: string): Promise<T | null> {
  const res = await fetch(path, { cache: 'no-store' });
  if (res.status === 404) return null;
  // the server checked the file and found it wrong: say why, do not wait for it to change
  if (res.status === 422) throw new RunFormatError(await res.text());
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Waits for topology.json (a live run writes it before its first round) and checks its sizes before anything is allocated. */
export async function waitForTopology(onWait: () => void): Promise<TopologyFile> {
  for (let attempt = 0; ; attempt++) {
    let topo: unknown = null;
    try {
      topo = await fetchJson<unknown>('api/topology');
    } catch (err) {
      if (err instanceof RunFormatError) throw err;
      // a half-written file parses badly: try again
    }
    if (topo !== null) return checkTopologyFile(topo);
    if (attempt === 0) onWait();
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A line the server skipped (e.g. longer than it will hold), so the view may have a gap. */
export interface StreamWarning {
  file: string;
  message: string;
}

export interface StreamHandlers {
  run(info: Pick<RunInfo, 'finished'>): void;
  metrics(line: MetricsLine): void;
  peers(line: PeersLine): void;
  done(summary: SummaryFile): void;
  warning(w: StreamWarning): void;
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
  source.addEventListener('warning', (ev) => parse(ev as MessageEvent, h.warning));
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
