// The typed protocol registry: config kind -> module. No string-to-class wiring elsewhere.
import type { ProtocolConfig } from '../config/schema.js';
import { createChoco } from './choco.js';
import { createDpsgd } from './dpsgd.js';
import { createFedAvg } from './fedavg.js';
import { createLocal } from './local.js';
import { createGossipLearning } from './gossip-learning.js';
import { createPushSum } from './push-sum.js';
import type { AsyncProtocol, Protocol, ProtocolContext, ProtocolNeeds } from './types.js';

export type { AsyncMessage, AsyncOps, AsyncProtocol, Protocol, ProtocolContext, ProtocolNeeds, RoundOps, Traffic } from './types.js';
export { trafficOf } from './types.js';

/** Synchronous protocols (run in rounds); gossip-learning runs on the event-driven clock instead. */
export type SyncProtocolConfig = Exclude<ProtocolConfig, { kind: 'gossip-learning' }>;

export function createProtocol(spec: SyncProtocolConfig, ctx: ProtocolContext): Protocol {
  switch (spec.kind) {
    case 'dpsgd':
      return createDpsgd(ctx);
    case 'local':
      return createLocal(ctx);
    case 'fedavg':
      return createFedAvg(ctx, spec.fraction);
    case 'push-sum':
      return createPushSum(ctx, spec.debias);
    case 'choco':
      return createChoco(ctx, spec.compression, spec.gamma);
  }
}

export type AsyncProtocolConfig = Extract<ProtocolConfig, { kind: 'gossip-learning' }>;

export function createAsyncProtocol(spec: AsyncProtocolConfig, n: number, seed: number, localSteps: number): AsyncProtocol {
  switch (spec.kind) {
    case 'gossip-learning':
      return createGossipLearning(n, seed, spec.variant, localSteps);
  }
}

export function protocolNeeds(spec: ProtocolConfig): ProtocolNeeds {
  return { aux: spec.kind === 'choco' };
}

/** Whether the protocol needs peers' clocks (time.mode: async) rather than rounds. */
export function isAsyncProtocol(spec: ProtocolConfig): spec is AsyncProtocolConfig {
  return spec.kind === 'gossip-learning';
}
