// What a checkpoint must hold before anything uses it: the round, and every per-peer array of the
// right type and length for its config. Runs on the header alone (arrays are still references
// then), so a forged size is refused before the body is read.
import type { ExperimentConfig } from '../config/schema.js';
import { modelSpecOf } from '../config/model-spec.js';
import { createLayout } from '../model/layout.js';

/** An array as the header describes it, or as decoded: its type name and element count. */
function arrayInfo(v: unknown): { type: string; length: number } | undefined {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return { type: v.constructor.name, length: (v as unknown as { length: number }).length };
  if (v && typeof v === 'object' && typeof (v as { $array?: unknown }).$array === 'string') {
    const r = v as { $array: string; length: number };
    return { type: r.$array, length: r.length };
  }
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Problems with `cp` as a checkpoint of `config` (empty: none). `rounds` is the number of rounds
 * the caller will run to (the checkpoint's round must lie in 1..rounds).
 */
export function checkpointProblems(cp: unknown, config: ExperimentConfig, rounds = config.rounds): string[] {
  if (!isObject(cp)) return ['checkpoint: its header is not an object'];
  const out: string[] = [];
  const { round, engine } = cp;
  if (!Number.isSafeInteger(round) || (round as number) < 1 || (round as number) > rounds) {
    out.push(`checkpoint: round ${JSON.stringify(round)} is not a whole number from 1 to ${rounds}${Number.isSafeInteger(round) && (round as number) > rounds ? ' (give --rounds N, more than it, to continue)' : ''}`);
  }
  if (!isObject(engine)) return [...out, 'checkpoint: engine state is missing'];
  const peers = config.peers;
  const dim = createLayout(modelSpecOf(config)).total;
  const an = (type: string) => `${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type}`;
  const want = (name: string, v: unknown, type: string, length?: number, multipleOf?: number) => {
    const a = arrayInfo(v);
    if (!a) return out.push(`checkpoint: ${name} is missing (${an(type)} expected)`);
    if (a.type !== type) return out.push(`checkpoint: ${name} is ${an(a.type)}, ${an(type)} expected`);
    if (length !== undefined && a.length !== length) return out.push(`checkpoint: ${name} has ${a.length} entries, this run needs ${length}${name === 'params' ? ` (${peers} peers x ${dim} parameters)` : ''}`);
    if (multipleOf !== undefined && a.length % multipleOf !== 0) return out.push(`checkpoint: ${name} has ${a.length} entries, not a multiple of ${multipleOf}`);
    return 0;
  };
  want('params', engine.params, 'Float32Array', peers * dim);
  want('optState', engine.optState, 'Float32Array', undefined, peers * dim);
  want('stepCount', engine.stepCount, 'Int32Array', peers);
  want('rngState', engine.rngState, 'Uint32Array', peers * 4);
  want('cursor', engine.cursor, 'Int32Array', peers);
  want('order', engine.order, 'Int32Array');
  for (const [group, type] of [['buffers', 'Float32Array'], ['scalars', 'Float64Array']] as const) {
    const g = engine[group];
    if (!isObject(g)) out.push(`checkpoint: ${group} is missing`);
    else for (const [k, v] of Object.entries(g)) want(`${group}.${k}`, v, type);
  }
  const traffic = engine.traffic;
  if (!isObject(traffic) || !isCount(traffic.bytes)) out.push('checkpoint: traffic.bytes is not a count');
  else want('traffic.perPeer', traffic.perPeer, 'Float64Array', peers);
  if (!isCount(engine.peerSteps)) out.push('checkpoint: peerSteps is not a count');
  for (const k of ['trainMs', 'evalMs'] as const) {
    if (typeof engine[k] !== 'number' || !((engine[k] as number) >= 0)) out.push(`checkpoint: ${k} is not a duration`);
  }
  return out;
}
