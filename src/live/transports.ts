// The transports a live process can run on, by name: libp2p (the default: TCP, Noise, Yamux) or a
// plain TCP socket pipe (the baseline the throughput benchmark compares libp2p against).
import type { PrivateKey } from '@libp2p/interface';
import { ConfigError, PlexusError } from '../errors.js';
import type { RunSecret } from './secret.js';
import type { Transport } from './transport/types.js';

export const LIVE_TRANSPORTS = ['libp2p', 'tcp'] as const;
export type LiveTransportName = (typeof LIVE_TRANSPORTS)[number];

/** The default listening address of each transport on loopback, any free port. */
export function loopbackListen(name: LiveTransportName): string {
  return name === 'libp2p' ? '/ip4/127.0.0.1/tcp/0' : '127.0.0.1:0';
}

/** What a member proves itself with: the run secret (a private network) and, for libp2p, its key. */
export interface LiveCredentials {
  secret?: RunSecret;
  /** the libp2p identity (default: a fresh key, reported in the addresses' /p2p/ id) */
  key?: PrivateKey;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * Member `self`'s transport listening on `listen` (a multiaddr for libp2p, host:port for tcp);
 * loaded only when used. The plain tcp transport authenticates members by the run secret alone,
 * so without one it listens on loopback only.
 */
export async function createLiveTransport(name: string, self: number, listen: string, credentials: LiveCredentials = {}): Promise<Transport> {
  if (name === 'libp2p') {
    const { createLibp2pTransport } = await import('./transport/libp2p.js');
    return createLibp2pTransport({ self, listen, privateKey: credentials.key, secret: credentials.secret });
  }
  if (name === 'tcp') {
    const i = listen.lastIndexOf(':');
    const port = Number(listen.slice(i + 1));
    if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new PlexusError(`--listen: "${listen}" is not host:port, which the tcp transport listens on`);
    const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
    if (!credentials.secret && !isLoopback(host)) {
      throw new ConfigError(`--listen ${listen}: the tcp transport listens beyond loopback only with a run secret (--secret FILE, made by \`plexus live keys\`): without it anyone who reaches the port could join`, 'Cannot run live');
    }
    const { createTcpTransport } = await import('./transport/tcp.js');
    return createTcpTransport({ self, host, port, secret: credentials.secret?.key });
  }
  throw new PlexusError(`--transport: '${name}' is not a transport; use ${LIVE_TRANSPORTS.join(' | ')}`);
}
