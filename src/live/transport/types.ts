// What a live run's processes say to each other, and the one interface every transport (libp2p,
// a plain TCP socket pipe for comparison, in-memory for tests) implements. A protocol's round never
// sees a transport: the live runtime turns its row reads into frames (src/live/).

/** What a frame carries. */
export const FRAME_KINDS = {
  /** one or more parameter rows (float32, little-endian), `sender` the first row's peer id, `receiver` the peer (or -1: the process) */
  rows: 1,
  /** float32 partial column sums of a metrics reduction, passed along the chain of processes */
  reduce: 2,
  /** per-peer evaluation results (float64) for the observer */
  eval: 3,
  /** control messages as UTF-8 JSON: hello, ready, barrier, done, bye */
  control: 4,
  /** one peer's message to its neighbours' copies of its state (CHOCO's compressed q_i, in its compressor's encoding), `sender` the peer */
  update: 5,
} as const;

export type FrameKind = (typeof FRAME_KINDS)[keyof typeof FRAME_KINDS];

/** One length-prefixed message of the /plexus/exchange/1 stream protocol. */
export interface Frame {
  /** the round it belongs to (uint32) */
  round: number;
  /** the sending peer id, or -1 for the process itself */
  sender: number;
  /** the receiving peer id, or -1 for the process */
  receiver: number;
  kind: FrameKind;
  /** the body; for rows, whole float32 rows */
  payload: Uint8Array;
}

/** Bytes of a frame's fixed header: round u32, sender i32, receiver i32, kind u8, 3 reserved. */
export const FRAME_HEADER_BYTES = 16;

/** Per-link counters (this process to/from another), for the run files' latency and throughput. */
export interface LinkStats {
  process: number;
  bytesSent: number;
  bytesReceived: number;
  framesSent: number;
  framesReceived: number;
}

export interface Transport {
  /** this process's index among the run's processes (0-based) */
  readonly self: number;
  /** Starts listening; resolves to the addresses the others dial (multiaddrs for libp2p, host:port for tcp). */
  start(): Promise<string[]>;
  /**
   * The run's members (the bootstrap file's lines, by index): from then on only they are accepted.
   * A transport that authenticates members refuses everyone until it is called (or until a
   * connect() with every member's addresses). The in-memory transport has no strangers.
   */
  admit?(members: readonly (readonly string[])[]): void;
  /** Dials the processes whose addresses are given (by process index; this process's own entry is ignored) and resolves once every one is reachable. */
  connect(addresses: readonly (readonly string[])[]): Promise<void>;
  /** Sends a frame to a process; resolves when it is handed to the stream (frames to one process arrive in order). */
  send(to: number, frame: Frame): Promise<void>;
  /** The handler of every frame received, with the sending process's index. */
  onFrame(handler: (from: number, frame: Frame) => void): void;
  /** Called once when a connected process is lost (its connection closed or reset). */
  onDisconnect(handler: (process: number) => void): void;
  stats(): LinkStats[];
  close(): Promise<void>;
  /**
   * Called when a process breaks the protocol (a frame over the size limit, an unknown kind, a
   * stream that does not open with a hello): its link is dropped, so onDisconnect follows. Without
   * a handler the message goes to stderr.
   */
  onError?(handler: (error: Error) => void): void;
}
