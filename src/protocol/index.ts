// The typed protocol registry: config kind -> module. No string-to-class wiring elsewhere.
import type { ProtocolConfig } from '../config/schema.js';
import { createDpsgd } from './dpsgd.js';
import { createFedAvg } from './fedavg.js';
import { createLocal } from './local.js';
import type { Protocol, ProtocolContext } from './types.js';

export type { Protocol, ProtocolContext, RoundOps, Traffic } from './types.js';

export function createProtocol(spec: ProtocolConfig, ctx: ProtocolContext): Protocol {
  switch (spec.kind) {
    case 'dpsgd':
      return createDpsgd(ctx);
    case 'local':
      return createLocal(ctx);
    case 'fedavg':
      return createFedAvg(ctx, spec.fraction);
  }
}
