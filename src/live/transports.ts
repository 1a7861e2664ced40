// The transports a live process can run on, by name: libp2p (the default: TCP, Noise, Yamux) or a
// plain TCP socket pipe (the baseline the throughput benchmark compares libp2p against).
import { PlexusError } from '../errors.js';
import type { Transport } from './transport/types.js';

export const LIVE_TRANSPORTS = ['libp2p', 'tcp'] as const;
export type LiveTransportName = (typeof LIVE_TRANSPORTS)[number];

/** The default listening address of each transport on loopback, any free port. */
export function loopbackListen(name: LiveTransportName): string {
  return name === 'libp2p' ? '/ip4/127.0.0.1/tcp/0' : '127.0.0.1:0';
}

/** Member `self`'s transport listening on `listen` (a multiaddr for libp2p, host:port for tcp); loaded only when used. */
export async function createLiveTransport(name: string, self: number, listen: string): Promise<Transport> {
  if (name === 'libp2p') {
    const { createLibp2pTransport } = await import('./transport/libp2p.js');
    return createLibp2pTransport({ self, listen });
  }
  if (name === 'tcp') {
    const i = listen.lastIndexOf(':');
    const port = Number(listen.slice(i + 1));
    if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new PlexusError(`--listen: "${listen}" is not host:port, which the tcp transport listens on`);
    const { createTcpTransport } = await import('./transport/tcp.js');
    return createTcpTransport({ self, host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port });
  }
  throw new PlexusError(`--transport: '${name}' is not a transport; use ${LIVE_TRANSPORTS.join(' | ')}`);
}
