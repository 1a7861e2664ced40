// Who may connect to a live process: the PeerIds the bootstrap file binds to the run's indices.
// Until the list is known nothing is accepted (a connection is held for a moment, then refused).
import type { ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface';
import { TransportError } from './errors.js';

/** The PeerId an address names (/p2p/<id>), if any. */
export function peerIdOfAddress(address: string): string | undefined {
  return /\/p2p\/([^/\s]+)/.exec(address)?.[1];
}

export class Members {
  private readonly index = new Map<string, number>();
  private ids?: (string | undefined)[];
  private resolveKnown!: () => void;
  /** resolves once admit() was called */
  readonly known = new Promise<void>((res) => (this.resolveKnown = res));

  constructor(
    private readonly self: number,
    private readonly ownId: () => string,
    private readonly label: string,
  ) {}

  get isKnown(): boolean {
    return this.ids !== undefined;
  }

  /**
   * Binds each index to the PeerId of its addresses (every member's, this one's included). Called
   * once with the bootstrap file's lines; a later call must name the same PeerIds.
   */
  admit(members: readonly (readonly string[])[]): void {
    const ids = members.map((addrs, k) => {
      const found = new Set(addrs.map((a) => peerIdOfAddress(a)));
      if (found.size !== 1 || found.has(undefined)) throw new TransportError(`${this.label} ${this.self}: member ${k}'s addresses (${addrs.join(' ')}) must all end in the same /p2p/<peer id>`);
      return [...found][0]!;
    });
    if (ids[this.self] !== this.ownId()) {
      throw new TransportError(`${this.label} ${this.self}: the bootstrap file binds index ${this.self} to peer ${ids[this.self]}, but this process's key is peer ${this.ownId()}; pass the key of index ${this.self} (--key)`);
    }
    if (this.ids) {
      if (ids.some((id, k) => id !== this.ids![k])) throw new TransportError(`${this.label} ${this.self}: a second member list that binds other keys`);
      return;
    }
    this.ids = ids;
    ids.forEach((id, k) => this.index.set(id!, k));
    this.resolveKnown();
  }

  /** The index bound to `peer`, or undefined for a stranger (or before the list is known). */
  indexOf(peer: string): number | undefined {
    return this.index.get(peer);
  }

  /** The PeerId bound to `index`. */
  idOf(index: number): string | undefined {
    return this.ids?.[index];
  }

  /** Waits up to `ms` for the list; whether it is known. */
  async waitKnown(ms: number): Promise<boolean> {
    if (this.ids) return true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.known, new Promise<void>((res) => (timer = setTimeout(res, ms)))]);
    clearTimeout(timer);
    return this.ids !== undefined;
  }
}

/** How long an inbound connection is held while the member list is not known yet. */
const HOLD_MS = 3000;

/**
 * The libp2p connection gater of a live process: an encrypted connection (Noise proved the remote
 * holds its PeerId's key) is kept only when that PeerId is a member's; every refusal is reported.
 */
export function memberGater(
  members: Members,
  report: (key: string, message: string) => void,
  onInbound: (maConn: MultiaddrConnection) => void,
  onMember: (maConn: MultiaddrConnection) => void,
): ConnectionGater {
  const deny = async (peer: PeerId, maConn: MultiaddrConnection): Promise<boolean> => {
    if (!(await members.waitKnown(HOLD_MS))) {
      report(`early ${maConn.remoteAddr}`, `refused a connection from ${maConn.remoteAddr} (peer ${peer}): the bootstrap file is not read yet`);
      return true;
    }
    if (members.indexOf(peer.toString()) === undefined) {
      report(`stranger ${peer}`, `dropped a connection from peer ${peer} at ${maConn.remoteAddr}: not a member of this run (the bootstrap file lists no such /p2p/ id)`);
      return true;
    }
    onMember(maConn);
    return false;
  };
  return {
    denyInboundConnection: (maConn) => (onInbound(maConn), false),
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
  };
}
