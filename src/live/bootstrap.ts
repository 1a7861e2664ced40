// The bootstrap file of a live run: one line per member, index 0..P (P is the observer), each the
// addresses (space-separated) that member listens on: multiaddrs ending in /p2p/<its PeerId> for
// libp2p, which binds the index to that key, host:port for tcp. A node started before the file is
// complete waits for it, so a launcher can write it once every member has said where it listens.
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { PlexusError } from '../errors.js';
import { FileAccessError, readRegularText } from '../safe-file.js';
import { LiveFileError } from './secret.js';
import { peerIdOfAddress as peerIdIn } from './transport/members.js';

/** The most bytes read of a bootstrap file: a line per member, a few hundred bytes each. */
export const MAX_BOOTSTRAP_BYTES = 2 ** 20;

/** Why `address` is not one the transport dials, or undefined when it is. */
export function addressIssue(address: string, transport: string): string | undefined {
  if (transport === 'tcp') {
    const i = address.lastIndexOf(':');
    const port = Number(address.slice(i + 1));
    if (i <= 0 || !/^\d+$/.test(address.slice(i + 1)) || port < 1 || port > 65535) return `"${address}" is not host:port (the tcp transport's addresses)`;
    return undefined;
  }
  try {
    multiaddr(address);
  } catch {
    return `"${address}" is not a multiaddr`;
  }
  const id = peerIdIn(address);
  if (id === undefined) return `"${address}" does not end in /p2p/<peer id>, which binds the member to its key`;
  try {
    peerIdFromString(id);
  } catch {
    return `"${id}" in "${address}" is not a peer id`;
  }
  return undefined;
}

/**
 * The members' addresses, or undefined while the file has fewer than `members` lines (or its last
 * line is still being written). A line that is not addresses of `transport` throws LiveFileError
 * naming the file and the line.
 */
export function parseBootstrap(text: string, members: number, file = 'bootstrap file', transport = 'libp2p'): string[][] | undefined {
  const raw = text.split('\n');
  const unterminated = raw.length - 1; // the index of the text after the last newline
  const out: string[][] = [];
  const owner = new Map<string, number>();
  for (let n = 0; n < raw.length; n++) {
    const line = raw[n].replace(/#.*/, '').trim();
    if (line.length === 0) continue;
    const addrs = line.split(/\s+/);
    const issue = addrs.map((a) => addressIssue(a, transport)).find((i) => i !== undefined) ?? lineIssue(addrs, transport, owner, out.length);
    if (issue !== undefined) {
      if (n === unterminated) return undefined; // a line half written: wait for the rest
      throw new LiveFileError(`live: ${file} line ${n + 1}: ${issue}; each line lists a member's addresses (${transport === 'tcp' ? 'host:port' : 'multiaddrs ending in /p2p/<peer id>'})`);
    }
    out.push(addrs);
  }
  if (out.length < members) return undefined;
  if (out.length > members) {
    throw new LiveFileError(`live: ${file} has ${out.length} lines, for ${members} members (processes 0..${members - 2} and the observer); one line per member`);
  }
  return out;
}

/** A libp2p line names one PeerId, not another member's. */
function lineIssue(addrs: string[], transport: string, owner: Map<string, number>, index: number): string | undefined {
  if (transport === 'tcp') return undefined;
  const ids = new Set(addrs.map((a) => peerIdIn(a)));
  if (ids.size > 1) return `the addresses name ${ids.size} different peer ids; a member has one`;
  const id = [...ids][0]!;
  const other = owner.get(id);
  if (other !== undefined) return `peer id ${id} is member ${other}'s already; each member has its own key`;
  owner.set(id, index);
  return undefined;
}

/**
 * Reads the bootstrap file, waiting (polling) until it lists every member, for at most `timeoutMs`.
 * Only a regular file of at most MAX_BOOTSTRAP_BYTES is read (never a link, FIFO or device).
 */
export async function waitForBootstrap(path: string, members: number, timeoutMs = 120_000, transport = 'libp2p'): Promise<string[][]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let text: string | undefined;
    try {
      text = readRegularText(path, { maxBytes: MAX_BOOTSTRAP_BYTES, what: 'bootstrap file' });
    } catch (e) {
      if (!(e instanceof FileAccessError)) throw e;
      if (e.code !== 'ENOENT') throw new LiveFileError(`live: ${e.message}`);
    }
    const parsed = text === undefined ? undefined : parseBootstrap(text, members, path, transport);
    if (parsed) return parsed;
    if (Date.now() > deadline) {
      throw new PlexusError(`live: the bootstrap file ${path} did not list all ${members} members (processes and the observer) within ${timeoutMs / 1000} s`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}
