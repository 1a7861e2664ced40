// The plain tcp transport's authentication: before any frame, the dialling process (the client)
// and the one it dials (the server) each prove they hold the run secret and name their indices,
// over nonces from both sides, so a recorded handshake cannot be replayed:
//   client -> server  "PXA1" | client nonce (32) | client index (i32) | server index (i32)
//   server -> client  server nonce (32) | HMAC-SHA256(secret, "server" | both nonces | indices)
//   client -> server  HMAC-SHA256(secret, "client" | both nonces | indices)
// Any holder of the secret can claim any index here; libp2p also binds each index to a key.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { TransportError } from './errors.js';

const MAGIC = Buffer.from('PXA1');
const NONCE = 32;
const MAC = 32;
/** Bytes of the client's opening message, of the server's answer and of the client's proof. */
export const CLIENT_HELLO_BYTES = MAGIC.length + NONCE + 8;
export const SERVER_ANSWER_BYTES = NONCE + MAC;
export const CLIENT_PROOF_BYTES = MAC;

function mac(secret: Uint8Array, role: 'server' | 'client', clientNonce: Uint8Array, serverNonce: Uint8Array, client: number, server: number): Buffer {
  const indices = Buffer.alloc(8);
  indices.writeInt32LE(client, 0);
  indices.writeInt32LE(server, 4);
  return createHmac('sha256', secret).update(role).update(clientNonce).update(serverNonce).update(indices).digest();
}

/** The client's side: its opening message, then its proof once the server proved itself. */
export class ClientHandshake {
  private readonly nonce = randomBytes(NONCE);

  constructor(
    private readonly secret: Uint8Array,
    private readonly self: number,
    private readonly server: number,
  ) {}

  opening(): Buffer {
    const b = Buffer.alloc(CLIENT_HELLO_BYTES);
    MAGIC.copy(b, 0);
    this.nonce.copy(b, MAGIC.length);
    b.writeInt32LE(this.self, MAGIC.length + NONCE);
    b.writeInt32LE(this.server, MAGIC.length + NONCE + 4);
    return b;
  }

  /** Checks the server's answer; the proof to send back. Throws when the server does not know the secret. */
  proof(answer: Uint8Array): Buffer {
    const serverNonce = answer.subarray(0, NONCE);
    const expected = mac(this.secret, 'server', this.nonce, serverNonce, this.self, this.server);
    if (answer.byteLength !== SERVER_ANSWER_BYTES || !timingSafeEqual(expected, answer.subarray(NONCE))) {
      throw new TransportError(`process ${this.server} did not prove it holds the run secret (another run's, or not a member)`, { process: this.server });
    }
    return mac(this.secret, 'client', this.nonce, serverNonce, this.self, this.server);
  }
}

/** The server's side: answers a client's opening, then checks its proof. */
export class ServerHandshake {
  private readonly nonce = randomBytes(NONCE);
  private clientNonce?: Uint8Array;
  /** the index the client claims, once its opening came */
  client?: number;

  constructor(
    private readonly secret: Uint8Array,
    private readonly self: number,
    /** how many members the run has (0..members-1), when known */
    private readonly members = 2 ** 31 - 1,
  ) {}

  /** The answer to the client's opening; throws on anything but a well-formed opening to this process. */
  answer(opening: Uint8Array): Buffer {
    const b = Buffer.from(opening.buffer, opening.byteOffset, opening.byteLength);
    if (b.byteLength !== CLIENT_HELLO_BYTES || !b.subarray(0, MAGIC.length).equals(MAGIC)) throw new TransportError('it did not open with the run\'s handshake');
    const client = b.readInt32LE(MAGIC.length + NONCE);
    const server = b.readInt32LE(MAGIC.length + NONCE + 4);
    if (server !== this.self) throw new TransportError(`it dialled process ${server}, not this one`);
    if (client < 0 || client >= this.members || client === this.self) throw new TransportError(`it claims index ${client}, not another member's`);
    this.client = client;
    this.clientNonce = Buffer.from(b.subarray(MAGIC.length, MAGIC.length + NONCE));
    return Buffer.concat([this.nonce, mac(this.secret, 'server', this.clientNonce, this.nonce, client, this.self)]);
  }

  /** Whether the client's proof shows it holds the secret. */
  verify(proof: Uint8Array): boolean {
    if (!this.clientNonce || this.client === undefined || proof.byteLength !== CLIENT_PROOF_BYTES) return false;
    return timingSafeEqual(mac(this.secret, 'client', this.clientNonce, this.nonce, this.client, this.self), proof);
  }
}
