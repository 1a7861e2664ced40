// Live runs in memory whose nodes keep their own lines, as `plexus node --out` writes them, and
// those lines (each process's slice) joined back into the observer's.
import type { EngineEvents, LiveLink, RunSummary } from '../../src/engine/events.js';
import type { TypedEmitter } from '../../src/engine/emitter.js';
import type { World } from '../../src/engine/setup.js';
import type { LiveNodeOptions } from '../../src/live/node.js';
import { joinPeerSlices, ProcessRecord, RoundPeers, type PeerSliceLine, type ProcessSummary } from '../../src/live/peer-files.js';
import { createMemoryHub } from '../../src/live/transport/memory.js';
import type { Transport } from '../../src/live/transport/types.js';
import { json } from '../../src/cli/run-writer.js';

export interface Recorded {
  /** the observer's peers.jsonl and each process's, as the writers write them */
  observer: string;
  processes: string[];
  links: LiveLink[][];
  accounts: ProcessSummary[];
  summary: RunSummary;
}

interface FilesNode {
  readonly world: World;
  readonly slice: [number, number];
  run(): Promise<unknown>;
  close(): Promise<void>;
}

type FilesObserver = TypedEmitter<EngineEvents> & { run(): Promise<RunSummary>; close(): Promise<void> };

/**
 * A live run in memory over `processes` nodes made by `node` (given the listeners that keep its
 * lines) and an observer made by `observer`; `peers` builds a process's lines (default: a synchronous run's).
 */
export async function runWithFiles(processes: number, make: {
  node: (transport: Transport, listeners: Required<Pick<LiveNodeOptions, 'onMeasured' | 'onDone'>>, k: number) => Promise<FilesNode>;
  observer: (transport: Transport) => Promise<FilesObserver>;
  peers?: (world: World) => RoundPeers;
}): Promise<Recorded> {
  const hub = createMemoryHub();
  const transports = Array.from({ length: processes + 1 }, (_, k) => hub.transport(k));
  const text = Array.from({ length: processes }, () => '');
  const links: LiveLink[][] = Array.from({ length: processes }, () => []);
  const records: ProcessRecord[] = [];
  const nodes = await Promise.all(Array.from({ length: processes }, (_, k) => make.node(transports[k], {
    onMeasured: async (m) => {
      const line = await records[k].measured(m);
      if (line) text[k] += json(line) + '\n';
    },
    onDone: (d) => (links[k] = records[k].done(d.links, d.roundsSeconds)),
  }, k)));
  nodes.forEach((n, k) => (records[k] = new ProcessRecord(n.world, processes, k, n.slice, make.peers?.(n.world) ?? new RoundPeers(n.world))));
  const observer = await make.observer(transports[processes]);
  let observed = '';
  observer.on('peers', (p) => (observed += json(p) + '\n'));
  const addresses = await Promise.all(transports.map((t) => t.start()));
  await Promise.all(transports.map((t) => t.connect(addresses)));
  try {
    const [summary] = await Promise.all([observer.run(), ...nodes.map((n) => n.run())]);
    return { observer: observed, processes: text, links, accounts: records.map((r) => r.account()), summary: summary as RunSummary };
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
    await observer.close();
    await Promise.all(transports.map((t) => t.close()));
  }
}

/** Every process's lines joined round by round, in the observer's order (rounds ascending), as the writer formats them. */
export function joined(files: string[]): string {
  const byRound = new Map<number, PeerSliceLine[]>();
  for (const f of files) {
    for (const l of f.trim().split('\n')) {
      const line = JSON.parse(l) as PeerSliceLine;
      byRound.set(line.round, [...(byRound.get(line.round) ?? []), line]);
    }
  }
  return [...byRound.keys()].sort((x, y) => x - y).map((r) => json(joinPeerSlices(byRound.get(r)!)) + '\n').join('');
}
