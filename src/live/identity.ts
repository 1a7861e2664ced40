// A live process's identity: its libp2p private key (Ed25519), whose public half is its PeerId.
// The bootstrap file binds each process index to a PeerId, so only the holder of that key can speak
// for the index. Key files hold the key's protobuf in base64 and are readable by their owner only.
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { createFile } from '../safe-file.js';
import { LiveFileError, readPrivate } from './secret.js';

/** A fresh Ed25519 key. */
export function generateKey(): Promise<PrivateKey> {
  return generateKeyPair('Ed25519');
}

/** The PeerId (as in /p2p/<id>) of a key. */
export function peerIdOf(key: PrivateKey): string {
  return peerIdFromPrivateKey(key).toString();
}

/** Writes `key` to a new file of mode 0600. */
export function writeKeyFile(path: string, key: PrivateKey): void {
  createFile(path, `${Buffer.from(privateKeyToProtobuf(key)).toString('base64')}\n`, { mode: 0o600, what: 'key file' });
}

/** Reads a key file written by writeKeyFile (`plexus live keys`): mode 0600 or stricter. */
export function readKeyFile(path: string): PrivateKey {
  const text = readPrivate(path, 'key file', 4096).trim();
  try {
    if (!/^[A-Za-z0-9+/]+=*$/.test(text)) throw new Error('not base64');
    return privateKeyFromProtobuf(new Uint8Array(Buffer.from(text, 'base64')));
  } catch {
    throw new LiveFileError(`--key: ${path} is not a private key (one line of base64, as \`plexus live keys\` writes)`);
  }
}
