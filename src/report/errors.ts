// What the report refuses: input that is not runs, or options that do not fit the runs.
import { PlexusError } from '../errors.js';

/** The directories or options given to the report are wrong; the message says which and how to fix it. */
export class ReportInputError extends PlexusError {}

/** Collects warnings (a skipped line, a run left out) for the terminal and for the page. */
export type Warn = (message: string) => void;
