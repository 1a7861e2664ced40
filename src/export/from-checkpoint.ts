// What export takes from a checkpoint, checked before anything is allocated: the model the
// checkpoint's config describes, and a parameter array that holds exactly one row per peer of it.
// A forged or damaged header (1e9 peers, hidden: [1e9], a short row) is refused, never looped over.
import { constants as bufferConstants } from 'node:buffer';
import type { Checkpoint } from '../checkpoint/index.js';
import { modelSpecOf } from '../config/model-spec.js';
import { ConfigError } from '../errors.js';
import { createLayout } from '../model/layout.js';
import type { ModelSpec } from '../types.js';

export const EXPORT_ERROR = 'Cannot export';

export interface ExportableModel {
  spec: ModelSpec;
  /** parameters per peer */
  dim: number;
  peers: number;
  /** peers x dim */
  params: Float32Array;
}

export function exportableModel(cp: Checkpoint, path: string): ExportableModel {
  const refuse = (why: string) => new ConfigError([`${path}: ${why}; the checkpoint is damaged, export from another run`], EXPORT_ERROR);
  const peers = cp.config?.peers;
  if (!Number.isSafeInteger(peers) || peers < 1) throw refuse(`its config has peers = ${JSON.stringify(peers)}, not a positive integer`);
  const params = cp.engine?.params;
  if (!(params instanceof Float32Array)) throw refuse('it holds no float32 parameter array');
  let spec: ModelSpec;
  let dim: number;
  try {
    spec = modelSpecOf(cp.config);
    dim = createLayout(spec).total;
  } catch (e) {
    if (e instanceof ConfigError) throw refuse(`its model does not describe a network (${e.issues.join('; ')})`);
    throw refuse(`its config does not describe a model (${(e as Error).message})`);
  }
  // a row the size of every parameter: a header's hidden: [1e9] is caught here, before any allocation
  if (!Number.isSafeInteger(dim) || dim < 1 || dim > bufferConstants.MAX_LENGTH) throw refuse(`its model would have ${dim.toLocaleString('en-US')} parameters per peer, more than one array holds`);
  if (params.length !== peers * dim) {
    throw refuse(`its parameter array holds ${params.length.toLocaleString('en-US')} floats, but ${peers.toLocaleString('en-US')} peers x ${dim.toLocaleString('en-US')} parameters (the model its config describes) need ${(peers * dim).toLocaleString('en-US')}`);
  }
  return { spec, dim, peers, params };
}
