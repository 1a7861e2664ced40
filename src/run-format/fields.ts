// The field names metrics.jsonl and peers.jsonl declare, as values (the compiler keeps them in step
// with RoundMetrics and PeerMetrics). A line may also carry the fields of the metrics its config
// turns on (metrics:): any other name, a number (metrics.jsonl) or an array over peers (peers.jsonl).
import type { PeerMetrics, RoundMetrics } from './files.js';

const ROUND: Record<keyof RoundMetrics, true> = {
  round: true, consensusDistance: true, bytesSent: true, roundSeconds: true, meanAccuracy: true, minAccuracy: true, maxAccuracy: true,
  meanLoss: true, evaluatedPeers: true, averageModelAccuracy: true, averageModelLoss: true, virtualTime: true, messagesSent: true,
  messagesDropped: true, messagesDelivered: true, peersOnline: true, processesOnline: true, renormalisedPeers: true, clusterPurity: true,
  meanInDegree: true, linksGrown: true, linksPruned: true, epsilon: true, miaAuc: true, miaAucMax: true,
};
const PEER: Record<keyof PeerMetrics, true> = {
  round: true, accuracy: true, loss: true, distance: true, bytesSent: true, edgeBytes: true, online: true, wakeups: true,
  messagesSent: true, adversarial: true, cluster: true, inLinks: true, epsilon: true, miaAuc: true,
};

/** The declared fields of a metrics.jsonl line. */
export const ROUND_FIELDS: ReadonlySet<string> = new Set(Object.keys(ROUND));
/** The declared fields of a peers.jsonl line. */
export const PEER_FIELDS: ReadonlySet<string> = new Set(Object.keys(PEER));

/** The numeric fields of a metrics line that a configured metric added (not declared by the format), in order of appearance. */
export function metricFieldsOf(lines: readonly object[]): string[] {
  const out = new Set<string>();
  for (const line of lines) {
    for (const [k, v] of Object.entries(line)) if (!ROUND_FIELDS.has(k) && (typeof v === 'number' || v === null)) out.add(k);
  }
  return [...out];
}

/** The per-peer numeric array fields of a peers line that a configured metric added. */
export function peerMetricFieldsOf(line: object): string[] {
  return Object.entries(line).filter(([k, v]) => !PEER_FIELDS.has(k) && Array.isArray(v) && v.every((x) => x === null || typeof x === 'number')).map(([k]) => k);
}
