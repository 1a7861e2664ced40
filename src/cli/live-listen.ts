// Where a live process listens (--listen), checked at the edge: an address that is not one, or
// that cannot be listened on (a port in use, an address not of this machine), is a UsageError
// saying which and what to do, never a stack trace from libp2p or net.
import net from 'node:net';
import type { Transport } from '../live/transport/types.js';
import { UsageError } from './options.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** The host and port of a --listen value for transport `name` (a multiaddr for libp2p, host:port for tcp). */
export async function parseListen(name: string, listen: string): Promise<ListenAddress> {
  if (name === 'libp2p') {
    // loaded only for libp2p, as the transport itself
    const { multiaddr } = await import('@multiformats/multiaddr');
    let parts: { name: string; value?: string }[];
    try {
      parts = multiaddr(listen).getComponents();
    } catch (e) {
      throw new UsageError(`--listen: "${listen}" is not a multiaddr (${(e as Error).message}); libp2p listens on one such as /ip4/0.0.0.0/tcp/4001, or /ip4/127.0.0.1/tcp/0 for any free port`);
    }
    const host = parts.find((p) => p.name === 'ip4' || p.name === 'ip6')?.value;
    const port = parts.find((p) => p.name === 'tcp')?.value;
    if (host === undefined || port === undefined) {
      throw new UsageError(`--listen: "${listen}" names no IP address and TCP port; libp2p listens on one such as /ip4/0.0.0.0/tcp/4001 (or /ip6/::/tcp/4001)`);
    }
    return { host, port: Number(port) };
  }
  const i = listen.lastIndexOf(':');
  const port = Number(listen.slice(i + 1));
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  if (i <= 0 || host === '' || !/^\d+$/.test(listen.slice(i + 1)) || port > 65535) {
    throw new UsageError(`--listen: "${listen}" is not host:port, which the tcp transport listens on (e.g. 0.0.0.0:4001, or 127.0.0.1:0 for any free port)`);
  }
  if (net.isIP(host) === 0 && host !== 'localhost') throw new UsageError(`--listen: "${host}" is not an IP address of this machine (e.g. 0.0.0.0:4001)`);
  return { host, port };
}

/** Why `host:port` cannot be listened on, found by trying it with a plain socket; undefined when it can. */
async function whyNotListening({ host, port }: ListenAddress): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') resolve(`port ${port} on ${host} is in use (by another program, or another process of this run); pick another port, or 0 for any free one`);
      else if (e.code === 'EADDRNOTAVAIL') resolve(`${host} is not an address of this machine; use one of its addresses, or 0.0.0.0 for all of them`);
      else if (e.code === 'EACCES') resolve(`port ${port} needs privileges this process does not have; use a port above 1023`);
      else resolve(e.message);
    });
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

/** Starts the transport listening on `listen`; a failure to listen is a UsageError saying why. */
export async function startListening(transport: Transport, name: string, listen: string): Promise<string[]> {
  try {
    return await transport.start();
  } catch (e) {
    const why = await whyNotListening(await parseListen(name, listen));
    if (why === undefined) throw e;
    throw new UsageError(`--listen: cannot listen on ${listen}: ${why}`);
  }
}
