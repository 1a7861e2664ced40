// The run secret as a gate rather than a cipher: before Noise, both ends of a libp2p connection
// send a fresh nonce, then an HMAC-SHA256 over both nonces keyed by the secret, and each checks the
// other's. A stranger is dropped before any of its bytes reach Noise or a frame, like pnet, but
// the data itself is left to Noise alone (pnet's XSalsa20 layer costs about as much per byte as
// Noise's cipher). The same nonces twice are refused, so a MAC cannot be reflected back.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AbortOptions, ConnectionProtector, MessageStream } from '@libp2p/interface';
import { byteStream } from '@libp2p/utils';
import { TransportError } from './errors.js';

const NONCE = 32;
const TAG = 'plexus run secret 1';

function mac(key: Uint8Array, from: Uint8Array, to: Uint8Array): Buffer {
  return createHmac('sha256', key).update(TAG).update(from).update(to).digest();
}

class SecretHandshake implements ConnectionProtector {
  constructor(
    private readonly key: Uint8Array,
    private readonly timeoutMs: number,
  ) {}

  async protect(connection: MessageStream, options?: AbortOptions): Promise<MessageStream> {
    const signal = options?.signal ?? AbortSignal.timeout(this.timeoutMs);
    const bytes = byteStream(connection);
    const local = randomBytes(NONCE);
    const [theirs] = await Promise.all([bytes.read({ bytes: NONCE, signal }), bytes.write(local, { signal })]);
    const remote = theirs.subarray();
    if (timingSafeEqual(remote, local)) throw new TransportError('run secret handshake: the remote echoed this end\'s nonce');
    const [proof] = await Promise.all([bytes.read({ bytes: NONCE, signal }), bytes.write(mac(this.key, local, remote), { signal })]);
    if (!timingSafeEqual(proof.subarray(), mac(this.key, remote, local))) throw new TransportError('run secret handshake: the remote does not hold the run secret');
    return bytes.unwrap();
  }
}

/** A libp2p connectionProtector that admits only holders of `key` (the run secret's 32 bytes). */
export function secretHandshake(key: Uint8Array, timeoutMs = 5000): () => ConnectionProtector {
  return () => new SecretHandshake(key, timeoutMs);
}
