// A live run's secret: 32 random bytes every member holds, in the swarm-key file format of libp2p's
// private networks. libp2p uses it as the pre-shared key of the network (pnet); the plain tcp
// transport as the key of its HMAC handshake. Kept in a file only its owner can read.
import { randomBytes } from 'node:crypto';
import { DataError } from '../errors.js';
import { createFile, FileAccessError, readPrivateText } from '../safe-file.js';

/** A key, secret or bootstrap file a user named is unusable: exit 2, like any bad input. */
export class LiveFileError extends DataError {}

export const SECRET_BYTES = 32;
const HEADER = '/key/swarm/psk/1.0.0/\n/base16/\n';

export interface RunSecret {
  /** the 32 secret bytes */
  key: Uint8Array;
  /** the swarm-key text libp2p's pnet takes */
  psk: Uint8Array;
}

/** A fresh secret (from the system's cryptographic generator). */
export function generateSecret(): RunSecret {
  return secretOf(new Uint8Array(randomBytes(SECRET_BYTES)));
}

function secretOf(key: Uint8Array): RunSecret {
  return { key, psk: new TextEncoder().encode(HEADER + Buffer.from(key).toString('hex')) };
}

/** The file's text: libp2p's swarm-key format (kubo's swarm.key is the same). */
export function formatSecret(secret: RunSecret): string {
  return `${HEADER}${Buffer.from(secret.key).toString('hex')}\n`;
}

/** Writes the secret to a new file of mode 0600. */
export function writeSecretFile(path: string, secret: RunSecret): void {
  createFile(path, formatSecret(secret), { mode: 0o600, what: 'secret file' });
}

/** Reads a secret file: a regular file of mode 0600 (or stricter) in the swarm-key format. */
export function readSecretFile(path: string): RunSecret {
  const text = readPrivate(path, 'secret file', 4096);
  const lines = text.split(/\r?\n/);
  const hex = lines[2]?.trim() ?? '';
  if (`${lines[0]}\n${lines[1]}\n` !== HEADER || !/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new LiveFileError(`--secret: ${path} is not a run secret (three lines: /key/swarm/psk/1.0.0/, /base16/, 64 hex digits); make one with \`plexus live keys\``);
  }
  return secretOf(new Uint8Array(Buffer.from(hex, 'hex')));
}

/** A private file's text; any problem with it is the user's to fix (exit 2). */
export function readPrivate(path: string, what: string, maxBytes: number): string {
  try {
    return readPrivateText(path, { what, maxBytes });
  } catch (e) {
    if (e instanceof FileAccessError) throw new LiveFileError(e.message);
    throw e;
  }
}
