// What a live asynchronous run can do, checked once before any process starts, and how its
// virtual time maps onto the wall clock.
import type { ExperimentConfig } from '../../config/schema.js';
import { protocolOf, protocolRegistry, isAsyncDescriptor } from '../../protocol/index.js';

/** Wall milliseconds of one virtual time unit (time.period is in these units) unless told otherwise. */
export const DEFAULT_TIME_SCALE_MS = 100;

/** Whether `config` is for the asynchronous live mode (an async protocol such as gossip-learning). */
export function isAsyncLive(config: ExperimentConfig): boolean {
  return isAsyncDescriptor(protocolOf(config.protocol.kind));
}

/** Problems that stop `config` running live and asynchronously over `processes` processes ("field: what; what to do"). */
export function asyncLiveIssues(config: ExperimentConfig, processes: number, timeScaleMs = DEFAULT_TIME_SCALE_MS): string[] {
  const issues: string[] = [];
  if (!isAsyncLive(config)) issues.push(`protocol.kind: '${config.protocol.kind}' is synchronous; the asynchronous live mode runs ${protocolRegistry.list().filter((d) => d.needs.live && d.needs.time === 'async').map((d) => d.kind).join(', ')}`);
  if (config.time.mode !== 'async') issues.push('time.mode: the asynchronous live mode needs time.mode: async');
  if (config.adversaries) issues.push('adversaries: attacks do not run live yet; run them in the simulator (plexus run)');
  if (config.plasticity) issues.push('plasticity: plastic connections do not run live yet; run them in the simulator (plexus run)');
  if (config.eval.averageModel) issues.push('eval.averageModel: not measured by the asynchronous live mode yet; remove it or run in the simulator');
  if (config.eval.privacy) issues.push('eval.privacy: not measured by the asynchronous live mode yet; remove it or run in the simulator');
  if (!(timeScaleMs > 0)) issues.push(`--time-scale: ${timeScaleMs} ms per virtual time unit; give a positive number`);
  if (!Number.isInteger(processes) || processes < 1) issues.push(`--processes: ${processes} is not a whole number of processes >= 1`);
  else if (processes > config.peers) issues.push(`--processes: ${processes} processes for ${config.peers} peers; use at most one process per peer`);
  return issues;
}
