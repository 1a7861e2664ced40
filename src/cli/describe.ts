// Short human descriptions of a run's set-up and results.
import { datasetSizes } from '../config/checks.js';
import type { ExperimentConfig } from '../config/schema.js';
import type { RunSummary, SetupEvent } from '../engine/events.js';
import { samplingRate } from '../privacy/accountant.js';
import { scheduleOf } from '../topology/schedule/index.js';
import { describePartition } from '../data/partition/index.js';
import { datasetOf } from '../data/datasets.js';
import { aggregationOf } from '../aggregation/index.js';
import { modelOf } from '../model/registry.js';
import { protocolOf } from '../protocol/index.js';

export function describeTopology(t: ExperimentConfig['topology']): string {
  const { kind, ...rest } = t as Record<string, unknown> & { kind: string };
  const args = Object.entries(rest)
    .filter(([k, v]) => k !== 'path' && k !== 'schedule' && v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  // a file's path leads its arguments
  if (typeof rest.path === 'string') args.unshift(rest.path);
  const base = args.length ? `${kind}(${args.join(', ')})` : kind;
  const schedule = (t as { schedule?: { kind: string; every?: number } }).schedule;
  if (!schedule || !scheduleOf(schedule).timeVarying) return base;
  return `${base}, schedule ${schedule.kind}${schedule.every ? ` every ${schedule.every}` : ''}`;
}

export function describeSetup(e: SetupEvent): string {
  const c = e.config;
  const part = describePartition(c.data.partition);
  const m = c.model;
  const model = modelOf(m.kind).describe(m);
  const mixingNote = protocolOf(c.protocol.kind).mixingNote;
  const gap = Number.isFinite(e.spectralGap) ? `, spectral gap ${e.spectralGap.toPrecision(4)}${e.spectralExact ? '' : ' (estimate)'}` : '';
  return [
    `${c.name}: ${c.peers} peers, ${describeTopology(c.topology)}, ${e.topology.directed ? 'column-stochastic' : c.mixing} mixing${gap}${mixingNote ? ` (${mixingNote})` : ''}`,
    `  data ${describeData(c)} ${part}, ${c.data.examplesPerPeer}/peer; model ${model} (${e.params.toLocaleString('en-US')} params); ${c.protocol.kind}, ${c.train.optimizer.kind} lr ${c.train.lr}, batch ${c.train.batchSize} x ${c.train.localSteps} step(s); ${c.rounds} rounds`,
    `  backend ${e.backend}, ${e.kernel} kernel, ${e.workers === 0 ? 'inline (no workers)' : `${e.workers} worker thread(s)`}, seed ${c.seed}${c.time.mode === 'async' ? '; asynchronous time (one round = one unit of virtual time)' : ''}`,
    ...describeDefence(c, e.adversaries),
    ...describePrivacy(c, e),
    ...(e.simdUnavailable ? [`  WebAssembly SIMD unavailable: ${e.simdUnavailable}; the plain-JS and tfjs paths run instead (slower)`] : []),
  ].join('\n');
}

/** The dataset's kind; for data read from files, what was found in them. */
function describeData(c: ExperimentConfig): string {
  const d = c.data.dataset;
  if (datasetOf(d.kind).wellKnown) return d.kind;
  const info = datasetSizes(c);
  const s = info.shape;
  const layout = s ? `${s.height}x${s.width}x${s.channels}` : `${info.features} features`;
  const shown = info.labelNames?.slice(0, 12).map((n, i) => `${JSON.stringify(n)}=${i}`);
  const names = shown ? ` (${shown.join(', ')}${info.labelNames!.length > shown.length ? ', ...' : ''})` : '';
  return `${d.kind} ${layout}, ${info.classes} classes${names}`;
}

/** The aggregation rule when it is not the plain mean, and the attackers with their attack. */
function describeDefence(c: ExperimentConfig, adversaries: number[]): string[] {
  const args = (o: object) => {
    const { kind, ...rest } = o as Record<string, unknown>;
    const list = Object.entries(rest).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
    return list.length ? `${kind}(${list.join(', ')})` : String(kind);
  };
  const lines: string[] = [];
  if (!aggregationOf(c.aggregation.kind).weightedMean) lines.push(`  aggregation ${args(c.aggregation)}`);
  if (c.adversaries && adversaries.length > 0) {
    const shown = adversaries.length <= 12 ? adversaries.join(', ') : `${adversaries.slice(0, 12).join(', ')}, ...`;
    lines.push(`  attackers: ${adversaries.length} of ${c.peers} (peers ${shown}), ${args(c.adversaries.attack)} from round ${c.adversaries.start}; accuracy and consensus are over the honest peers`);
  }
  return lines;
}

/** DP-SGD and its accountant; what weakens the guarantee is said here, where the user sees it. */
function describePrivacy(c: ExperimentConfig, e: SetupEvent): string[] {
  const pr = c.privacy;
  if (!pr) return [];
  let lo = Infinity, hi = 0;
  for (let p = 0; p < c.peers; p++) {
    const q = samplingRate(c.train.batchSize, e.partition.offsets[p + 1] - e.partition.offsets[p]);
    lo = Math.min(lo, q);
    hi = Math.max(hi, q);
  }
  const q = lo === hi ? lo.toPrecision(3) : `${lo.toPrecision(3)} to ${hi.toPrecision(3)}`;
  const noise = pr.dp.epsilon === undefined ? `${pr.dp.noise}` : `${pr.dp.noise} (for epsilon ${pr.dp.epsilon} after ${c.rounds * c.train.localSteps} steps)`;
  const lines = [`  DP-SGD: clip ${pr.dp.clip}, noise ${noise}, delta ${pr.dp.delta}; ${pr.sampling} sampling, q = ${q}; RDP accountant, ${pr.conversion} conversion`];
  if (pr.sampling === 'shuffle') lines.push('  warning: the accountant assumes Poisson sampling; with privacy.sampling shuffle its epsilon is only indicative');
  if (pr.dp.noise === 0) lines.push('  warning: privacy.dp.noise 0 clips but adds no noise: no guarantee (epsilon Infinity, written null)');
  return lines;
}

export function describeSummary(s: RunSummary): string {
  return [
    `${s.aborted ? 'stopped early' : 'done'}: ${s.rounds} rounds, final mean accuracy ${s.finalMeanAccuracy.toFixed(4)} (min ${s.finalMinAccuracy.toFixed(4)}, max ${s.finalMaxAccuracy.toFixed(4)}), consensus distance ${s.finalConsensusDistance.toExponential(3)}`,
    `  ${s.peerSteps.toLocaleString('en-US')} peer-steps, ${s.peerStepsPerSecond.toFixed(0)} peer-steps/s, ${s.msPerRound.toFixed(1)} ms/round (train+exchange); wall ${s.wallSeconds.toFixed(1)} s (eval ${s.evalSeconds.toFixed(1)} s, setup ${s.setupSeconds.toFixed(1)} s); ${(s.bytesSent / 1e6).toFixed(1)} MB sent`,
    ...(s.finalEpsilon === undefined ? [] : [`  differential privacy: epsilon ${Number.isFinite(s.finalEpsilon) ? s.finalEpsilon.toFixed(3) : 'unbounded (no noise)'}, the largest over peers`]),
  ].join('\n');
}
