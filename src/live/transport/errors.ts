// The one error a transport throws: it names the process (and the link) so a live run's failure
// says which machine to look at.
import { PlexusError } from '../../errors.js';

export class TransportError extends PlexusError {
  /** the remote process concerned, where there is one */
  readonly process?: number;
  constructor(message: string, opts: { process?: number; cause?: unknown } = {}) {
    super(message);
    this.process = opts.process;
    if (opts.cause !== undefined) (this as { cause?: unknown }).cause = opts.cause;
  }
}
