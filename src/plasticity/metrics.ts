// The wiring on evaluation rounds: each peer's in-links (strengths normalised like its mixing
// row, self excluded), the mean in-degree, links grown and pruned, and with clusters the
// clusterPurity: the share of in-link strength from the peer's own cluster, averaged over the
// peers that have in-links.
import type { PeerMetrics, RoundMetrics } from '../run-format/files.js';
import type { PlasticRule } from './types.js';

export interface Wiring {
  round: Pick<RoundMetrics, 'clusterPurity' | 'meanInDegree' | 'linksGrown' | 'linksPruned'>;
  peers: Pick<PeerMetrics, 'cluster' | 'inLinks'>;
}

export function wiringMetrics(n: number, rule?: PlasticRule, cluster?: Int32Array): Wiring {
  const peers: Wiring['peers'] = cluster ? { cluster: Array.from(cluster) } : {};
  if (!rule) return { round: {}, peers };
  const inLinks: [number, number][][] = [];
  let degrees = 0, puritySum = 0, counted = 0;
  for (let i = 0; i < n; i++) {
    const links: [number, number][] = [];
    rule.forEachInLink(i, (j, s) => links.push([j, s]));
    const total = links.reduce((t, [, s]) => t + s, 0);
    const norm = rule.selfStrength(i) + total;
    inLinks.push(links.map(([j, s]) => [j, norm > 0 ? s / norm : 0]));
    degrees += links.length;
    if (cluster && total > 0) {
      puritySum += links.reduce((t, [j, s]) => t + (cluster[j] === cluster[i] ? s : 0), 0) / total;
      counted++;
    }
  }
  const round: Wiring['round'] = { meanInDegree: degrees / n, linksGrown: rule.grown, linksPruned: rule.pruned };
  if (cluster) round.clusterPurity = counted > 0 ? puritySum / counted : NaN;
  return { round, peers: { ...peers, inLinks } };
}
