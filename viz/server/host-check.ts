// Which Host headers the viz server answers. A page on another site that rebinds its own
// DNS name to this machine still sends its own name as Host, so naming the hosts we serve
// stops it, on loopback and on a network bind alike.

import { hostname, networkInterfaces } from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

/** The host name of a Host header, lower-case, without port or trailing dot; IPv6 stays in brackets. */
export function hostHeaderName(header: string | undefined): string {
  const h = (header ?? '').trim().toLowerCase();
  const name = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

function asHostName(address: string): string {
  const a = address.toLowerCase().split('%')[0];
  return a.includes(':') && !a.startsWith('[') ? `[${a}]` : a;
}

/**
 * The names a browser may use to reach a server bound to `bind`: the loopback names always;
 * for a network bind also the bound address, this machine's host name and every interface
 * address; and `extra` (--allow-host, PLEXUS_VIZ_ALLOWED_HOSTS) for names such as a DNS alias.
 */
export function allowedHostNames(bind: string, extra: readonly string[] = []): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (!WILDCARDS.has(bind)) names.add(asHostName(bind));
  if (!isLoopbackHost(bind)) {
    const host = hostname().toLowerCase();
    names.add(host);
    names.add(host.split('.')[0]);
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(asHostName(a.address));
  }
  for (const e of extra) if (e.trim()) names.add(asHostName(e.trim()).replace(/\.$/, ''));
  return names;
}

export function isAllowedHost(name: string, allowed: ReadonlySet<string>): boolean {
  return allowed.has(name) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
