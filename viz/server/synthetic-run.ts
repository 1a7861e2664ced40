// A stand-in engine for developing, testing and benchmarking the view: writes a run
// directory in the documented format (docs/run-format.md), optionally appending rounds
// over time like a live run. Peers in communities with skewed labels learn by local
// steps and pairwise gossip on a small "skill" vector, so accuracy spreads visibly.

import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng } from '../../src/rng.js';
import { RUN_FILES, type TopologyFile } from '../../src/run-format/index.js';

export interface SyntheticRunOptions {
  dir: string;
  peers: number;
  /** Mean degree (default 6): about peers * degree / 2 edges. */
  degree?: number;
  communities?: number;
  rounds: number;
  /** Evaluate (write a peers.jsonl line) every this many rounds; round 0 is always written. */
  evalEvery?: number;
  classes?: number;
  seed?: number;
  /** Pause between rounds, ms (0: write everything at once). */
  intervalMs?: number;
  /** Fraction of peers that poison their model each round. */
  adversarial?: number;
  /** Per-round probability that a peer is offline. */
  offline?: number;
  /** Also write per-edge cumulative bytes (`edgeBytes`, an optional extension of peers.jsonl). */
  edgeBytes?: boolean;
  /**
   * Plasticity: peers' clusters are their communities (topology.json `clusters`, peers.jsonl
   * `cluster`), and every evaluation round carries `inLinks`, min(degree, 6) per peer, drawn from
   * the own community with a probability rising from 1/communities to 1 over the run.
   */
  plasticity?: boolean;
  /** Write summary.json at the end (default true). */
  finish?: boolean;
  signal?: AbortSignal;
}

export interface SyntheticTopology {
  n: number;
  edges: [number, number, number][];
}

const PARAM_BYTES = 4 * 7850; // a logistic model on MNIST

/** A connected community graph with about n*degree/2 undirected edges (u < v). */
export function syntheticTopology(n: number, degree: number, communities: number, seed: number): SyntheticTopology {
  const rng = createRng(seed, 'synthetic', 'topology');
  const community = (i: number) => Math.floor((i * communities) / n);
  const seen = new Set<number>();
  const edges: [number, number, number][] = [];
  const add = (a: number, b: number) => {
    if (a === b) return;
    const u = Math.min(a, b);
    const v = Math.max(a, b);
    const key = u * n + v;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push([u, v, 0]);
  };
  // a ring inside each community and a ring through the communities keep it connected
  for (let i = 0; i < n; i++) {
    const c = community(i);
    const next = i + 1 < n && community(i + 1) === c ? i + 1 : Math.ceil((c * n) / communities);
    add(i, next);
  }
  for (let c = 0; c < communities && communities > 1; c++) {
    const a = Math.ceil((c * n) / communities);
    const b = Math.ceil((((c + 1) % communities) * n) / communities);
    add(a, b + 1 < n ? b + 1 : b);
  }
  const target = Math.round((n * degree) / 2);
  let guard = 0;
  while (edges.length < target && guard++ < target * 20) {
    const u = rng.int(n);
    let v: number;
    if (rng.next() < 0.92) {
      const c = community(u);
      const lo = Math.ceil((c * n) / communities);
      const hi = Math.ceil(((c + 1) * n) / communities);
      v = lo + rng.int(Math.max(1, hi - lo));
    } else v = rng.int(n);
    add(u, v);
  }
  const deg = new Int32Array(n);
  for (const [u, v] of edges) {
    deg[u]++;
    deg[v]++;
  }
  for (const e of edges) e[2] = 1 / (1 + Math.max(deg[e[0]], deg[e[1]])); // Metropolis weight
  return { n, edges };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export async function writeSyntheticRun(opts: SyntheticRunOptions): Promise<SyntheticTopology> {
  const n = opts.peers;
  const K = opts.classes ?? 10;
  const seed = opts.seed ?? 0;
  const communities = opts.communities ?? Math.max(2, Math.min(12, Math.round(Math.sqrt(n) / 2)));
  const evalEvery = opts.evalEvery ?? 1;
  const topo = syntheticTopology(n, opts.degree ?? 6, communities, seed);
  const rng = createRng(seed, 'synthetic', 'dynamics');

  const neighbours: number[][] = Array.from({ length: n }, () => []);
  for (const [u, v] of topo.edges) {
    neighbours[u].push(v);
    neighbours[v].push(u);
  }
  const edgeIndex = new Map<number, number>();
  topo.edges.forEach(([u, v], i) => edgeIndex.set(u * n + v, i));

  // data: each community favours two classes
  const dataSize = new Int32Array(n);
  const labelCounts: number[][] = [];
  const target = new Float64Array(n * K); // what local data alone can teach
  for (let i = 0; i < n; i++) {
    const c = Math.floor((i * communities) / n);
    const size = 40 + rng.int(160);
    dataSize[i] = size;
    const weights = Array.from({ length: K }, () => 0.02 + 0.08 * rng.next());
    weights[(2 * c) % K] += 1.2;
    weights[(2 * c + 1) % K] += 0.8;
    const total = weights.reduce((a, b) => a + b, 0);
    const counts = weights.map((w) => Math.floor((w / total) * size));
    counts[(2 * c) % K] += size - counts.reduce((a, b) => a + b, 0);
    labelCounts.push(counts);
    for (let k = 0; k < K; k++) target[i * K + k] = Math.min(1, (counts[k] / size) * K * 0.9);
  }
  const adversarial = new Uint8Array(n);
  const advCount = Math.round((opts.adversarial ?? 0) * n);
  for (let a = 0; a < advCount; a++) adversarial[Math.floor(((a + 0.5) * n) / advCount)] = 1;

  await mkdir(opts.dir, { recursive: true });
  const config = {
    name: 'synthetic',
    seed,
    peers: n,
    rounds: opts.rounds,
    evalEvery,
    topology: { kind: 'communities', communities, degree: opts.degree ?? 6 },
    protocol: { kind: 'pairwise-gossip' },
    data: { dataset: 'synthetic', classes: K },
  };
  await writeFile(join(opts.dir, RUN_FILES.config), JSON.stringify(config, null, 2) + '\n');
  const deg = neighbours.map((nb) => nb.length);
  const topology: TopologyFile = {
    n,
    directed: false,
    mixing: 'metropolis',
    spectralGap: null,
    slem: null,
    components: [n], // connected by construction
    evalPeers: Array.from({ length: n }, (_, i) => i),
    nodes: Array.from({ length: n }, (_, i) => ({ id: i, degree: deg[i], dataSize: dataSize[i], labelCounts: labelCounts[i] })),
    edges: topo.edges.map(([u, v, w]) => [u, v, round4(w)]),
  };
  const communityOf = (i: number) => Math.floor((i * communities) / n);
  if (opts.plasticity) {
    topology.clusters = { count: communities, transform: 'rotate' };
    topology.plasticity = 'hebbian';
    topology.nodes.forEach((node) => (node.cluster = communityOf(node.id)));
  }
  const linkRng = createRng(seed, 'synthetic', 'links');
  /** Each peer's in-links at `round`: ever more of them from its own community. */
  const inLinks = (round: number): [number, number][][] => {
    const within = 1 / communities + (1 - 1 / communities) * Math.min(1, round / Math.max(1, opts.rounds));
    const k = Math.min(Math.round(opts.degree ?? 6), 6, n - 1);
    return Array.from({ length: n }, (_, i) => {
      const c = communityOf(i);
      const lo = Math.ceil((c * n) / communities);
      const hi = Math.ceil(((c + 1) * n) / communities);
      const from = new Set<number>();
      for (let guard = 0; from.size < k && guard < 20 * k; guard++) {
        const j = linkRng.next() < within && hi - lo > 1 ? lo + linkRng.int(hi - lo) : linkRng.int(n);
        if (j !== i) from.add(j);
      }
      const weights = [...from].map(() => 0.5 + linkRng.next());
      const total = weights.reduce((a, b) => a + b, 0) / 0.75; // a quarter stays with the peer itself
      return [...from].map((j, m) => [j, round4(weights[m] / total)] as [number, number]);
    });
  };
  await writeFile(join(opts.dir, RUN_FILES.topology), JSON.stringify(topology) + '\n');

  const w = new Float64Array(n * K); // skills in [0, 1]
  const bytes = new Float64Array(n);
  const edgeBytes = new Float64Array(topo.edges.length);
  const online = new Uint8Array(n).fill(1);
  const started = Date.now();

  const evaluate = (round: number) => {
    const accuracy: (number | null)[] = new Array(n);
    const loss: (number | null)[] = new Array(n);
    const distance: number[] = new Array(n);
    const mean = new Float64Array(K);
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) mean[k] += w[i * K + k] / n;
    for (let i = 0; i < n; i++) {
      let skill = 0;
      let d = 0;
      for (let k = 0; k < K; k++) {
        skill += w[i * K + k] / K;
        d += (w[i * K + k] - mean[k]) ** 2;
      }
      distance[i] = round4(d * 10);
      if (!online[i]) {
        accuracy[i] = null;
        loss[i] = null;
        continue;
      }
      const acc = Math.min(0.99, Math.max(0, 1 / K + (0.95 - 1 / K) * skill + 0.015 * rng.normal()));
      accuracy[i] = round4(acc);
      loss[i] = round4(Math.max(0.02, -Math.log(Math.max(acc, 0.02)) * 1.1 + 0.03 * rng.normal()));
    }
    return { accuracy, loss, distance, mean };
  };

  const writeRound = async (round: number, seconds: number, roundBytes: number) => {
    const isEval = round === 0 || round % evalEvery === 0 || round === opts.rounds;
    const ev = evaluate(round);
    const consensus = ev.distance.reduce((a, b) => a + b, 0) / n;
    const metrics: Record<string, number> = { round, consensusDistance: round4(consensus), bytesSent: roundBytes, roundSeconds: round4(seconds) };
    if (isEval) {
      const accs = ev.accuracy.filter((a): a is number => a !== null);
      const losses = ev.loss.filter((a): a is number => a !== null);
      metrics.meanAccuracy = round4(accs.reduce((a, b) => a + b, 0) / Math.max(1, accs.length));
      metrics.minAccuracy = accs.length ? Math.min(...accs) : 0;
      metrics.maxAccuracy = accs.length ? Math.max(...accs) : 0;
      metrics.meanLoss = round4(losses.reduce((a, b) => a + b, 0) / Math.max(1, losses.length));
      metrics.evaluatedPeers = accs.length;
      const line: Record<string, unknown> = {
        round,
        accuracy: ev.accuracy,
        loss: ev.loss,
        distance: ev.distance,
        bytesSent: Array.from(bytes),
      };
      if (opts.offline) line.online = Array.from(online, (o) => o === 1);
      if (advCount) line.adversarial = Array.from(adversarial, (a) => a === 1);
      if (opts.edgeBytes) line.edgeBytes = Array.from(edgeBytes);
      if (opts.plasticity) {
        const links = inLinks(round);
        line.cluster = Array.from({ length: n }, (_, i) => communityOf(i));
        line.inLinks = links;
        let own = 0;
        let count = 0;
        links.forEach((l, i) => {
          count += l.length;
          for (const [j, s] of l) if (communityOf(j) === communityOf(i)) own += s / 0.75;
        });
        metrics.clusterPurity = round4(own / n);
        metrics.meanInDegree = round4(count / n);
      }
      await appendFile(join(opts.dir, RUN_FILES.peers), JSON.stringify(line) + '\n');
    }
    await appendFile(join(opts.dir, RUN_FILES.metrics), JSON.stringify(metrics) + '\n');
    return metrics;
  };

  await writeRound(0, 0, 0);
  let last: Record<string, number> = {};
  for (let round = 1; round <= opts.rounds; round++) {
    if (opts.signal?.aborted) return topo;
    const t0 = Date.now();
    for (let i = 0; i < n; i++) online[i] = opts.offline && rng.next() < opts.offline ? 0 : 1;
    // local step
    for (let i = 0; i < n; i++) {
      if (!online[i]) continue;
      for (let k = 0; k < K; k++) {
        const j = i * K + k;
        w[j] = adversarial[i] ? 0.3 * w[j] : w[j] + 0.35 * Math.max(0, target[i * K + k] - w[j]);
      }
    }
    // pairwise gossip: every online peer averages with one random online neighbour
    let roundBytes = 0;
    for (let i = 0; i < n; i++) {
      const nb = neighbours[i];
      if (!online[i] || nb.length === 0) continue;
      const j = nb[rng.int(nb.length)];
      if (!online[j]) continue;
      for (let k = 0; k < K; k++) {
        const avg = (w[i * K + k] + w[j * K + k]) / 2;
        w[i * K + k] = avg;
        w[j * K + k] = avg;
      }
      bytes[i] += PARAM_BYTES;
      bytes[j] += PARAM_BYTES;
      roundBytes += 2 * PARAM_BYTES;
      const e = edgeIndex.get(Math.min(i, j) * n + Math.max(i, j));
      if (e !== undefined) edgeBytes[e] += 2 * PARAM_BYTES;
    }
    // skills learnt from neighbours sharpen with local training
    for (let i = 0; i < n; i++) {
      if (!online[i] || adversarial[i]) continue;
      for (let k = 0; k < K; k++) {
        const j = i * K + k;
        w[j] = Math.min(1, w[j] + 0.08 * w[j] * (1 - w[j]));
      }
    }
    const elapsed = (Date.now() - t0) / 1000;
    last = await writeRound(round, elapsed, roundBytes);
    if (opts.intervalMs) await sleep(opts.intervalMs, opts.signal);
  }
  if (opts.finish ?? true) {
    const wallSeconds = (Date.now() - started) / 1000;
    await writeFile(
      join(opts.dir, RUN_FILES.summary),
      JSON.stringify(
        {
          config,
          finalMeanAccuracy: last.meanAccuracy ?? null,
          rounds: opts.rounds,
          peerSteps: n * opts.rounds,
          wallSeconds,
          peerStepsPerSecond: (n * opts.rounds) / Math.max(wallSeconds, 1e-3),
          backend: 'synthetic',
          spectralGap: null,
        },
        null,
        2,
      ) + '\n',
    );
  }
  return topo;
}
