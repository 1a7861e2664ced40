// The protocol registry: the list of protocol modules. Nothing about a protocol is spelled out
// anywhere else: the config union, its type, the checks and the engine all read the descriptors.
import type { z } from 'zod';
import { unionOfKinds } from '../config/kinds.js';
import { KindRegistry } from '../config/registry.js';
import { choco } from './choco.js';
import { dpsgd } from './dpsgd.js';
import { fedavg } from './fedavg.js';
import { gossipLearning } from './gossip-learning.js';
import { local } from './local.js';
import { pushSum } from './push-sum.js';
import type { AsyncProtocolDescriptor, ProtocolDescriptor, SyncProtocolDescriptor } from './types.js';

export const protocols = [dpsgd, local, fedavg, pushSum, choco, gossipLearning] as const;

const builtInSchema = unionOfKinds(protocols);
/** The built-ins and the protocols plug-ins add. */
export const protocolRegistry = new KindRegistry<ProtocolDescriptor>('protocol', 'protocols', protocols as readonly ProtocolDescriptor[]);
export const protocolSchema = protocolRegistry.lazySchema<typeof builtInSchema>();
/** The protocol of a config that names none: D-PSGD. */
export const DEFAULT_PROTOCOL = { kind: dpsgd.kind } as const;
export type ProtocolConfig = z.output<typeof builtInSchema>;
export type ProtocolKind = ProtocolConfig['kind'];

/** The module of a kind (the registry is the only place kinds are listed). */
export function protocolOf(kind: string): ProtocolDescriptor {
  return protocolRegistry.get(kind);
}

export function isAsyncDescriptor(d: ProtocolDescriptor): d is AsyncProtocolDescriptor {
  return d.needs.time === 'async';
}
export function isSyncDescriptor(d: ProtocolDescriptor): d is SyncProtocolDescriptor {
  return d.needs.time === 'sync';
}

export type {
  AsyncContext, AsyncMessage, AsyncOps, AsyncProtocol, AsyncProtocolDescriptor, Protocol, ProtocolContext, ProtocolDescriptor,
  ProtocolNeeds, RoundOps, RowEnv, RowOp, SyncProtocolDescriptor, Traffic,
} from './types.js';
export { defineAsyncProtocol, defineProtocol, trafficOf } from './types.js';
