// What a live run can do so far, checked once before any process starts: one message naming
// what works instead of a failure in the middle of a run.
import type { ExperimentConfig } from '../config/schema.js';
import { isSyncDescriptor, protocolOf, protocolRegistry } from '../protocol/index.js';

/**
 * The protocols a live run drives in rounds (needs.live, synchronous): they exchange through ops.mix
 * (the rows W reads), ops.averageAll (the averaged rows) and row operations whose descriptor says
 * what crosses processes (liveRowOps: CHOCO's compressed updates).
 */
export function liveProtocolKinds(time: 'sync' | 'async' = 'sync'): string[] {
  return protocolRegistry.list().filter((d) => d.needs.live === true && d.needs.time === time).map((d) => d.kind as string);
}

/** Problems that stop `config` running live over `processes` processes ("field: what; what to do"). */
export function liveIssues(config: ExperimentConfig, processes: number): string[] {
  const issues: string[] = [];
  const kind = config.protocol.kind;
  if (!liveProtocolKinds().includes(kind)) {
    issues.push(`protocol.kind: '${kind}' does not run live yet; live mode runs ${liveProtocols()} in rounds, and ${liveProtocolKinds('async').join(', ')} in real time (the others run in the simulator: plexus run)`);
  }
  if (config.adversaries) issues.push('adversaries: attacks do not run live yet; run them in the simulator (plexus run)');
  if (config.metrics.length > 0) issues.push("metrics: configured metrics do not run live yet (they read every peer's rows, which live processes keep to themselves); run them in the simulator (plexus run)");
  if (config.plasticity) issues.push('plasticity: plastic connections do not run live yet; run them in the simulator (plexus run)');
  if (!Number.isInteger(processes) || processes < 1) issues.push(`--processes: ${processes} is not a whole number of processes >= 1`);
  else if (processes > config.peers) issues.push(`--processes: ${processes} processes for ${config.peers} peers; use at most one process per peer`);
  return issues;
}

/** "a, b and c" */
export function liveProtocols(): string {
  const kinds = liveProtocolKinds();
  return kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} and ${kinds.at(-1)}` : kinds.join('');
}

/** Why a lost process of `config` cannot come back (`flag`: --rejoin, --restart): a protocol whose peers keep copies of their neighbours' state. */
export function rejoinIssues(config: ExperimentConfig, flag: '--rejoin' | '--restart'): string[] {
  const d = protocolOf(config.protocol.kind);
  const kept = isSyncDescriptor(d) ? Object.entries(d.liveRowOps ?? {}).filter(([, op]) => op.publishes).map(([name]) => name) : [];
  if (kept.length === 0) return [];
  return [`${flag}: a lost ${d.kind} process cannot rejoin: its peers' copies of their neighbours' state (kept by its row operation ${kept.map((k) => `'${k}'`).join(', ')}) went with it; the others go on without it`];
}
