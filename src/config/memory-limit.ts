// The memory a run may plan to use: by default a share of the machine's memory, or of the
// container's (cgroup) limit when that is lower; and sizes as people write them (8G, 500M).
import { totalmem } from 'node:os';
import { readRegularText } from '../safe-file.js';

/** The share of the machine's (or container's) memory a run may plan to use by default. */
export const DEFAULT_SHARE = 0.8;

export interface MemoryLimit {
  bytes: number;
  /** where the number comes from, for messages */
  source: string;
}

/** The default limit: DEFAULT_SHARE of the machine's memory, or of the cgroup's limit when lower. */
export function defaultMemoryLimit(): MemoryLimit {
  const machine = totalmem();
  const cgroup = cgroupMemoryLimit();
  const share = `${Math.round(DEFAULT_SHARE * 100)}%`;
  if (cgroup !== undefined && cgroup < machine) {
    return { bytes: Math.floor(DEFAULT_SHARE * cgroup), source: `${share} of the container's ${formatBytes(cgroup)} limit` };
  }
  return { bytes: Math.floor(DEFAULT_SHARE * machine), source: `${share} of this machine's ${formatBytes(machine)}` };
}

/** cgroup v2 memory.max or v1 memory.limit_in_bytes; undefined when unlimited or absent. */
export function cgroupMemoryLimit(files = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']): number | undefined {
  for (const f of files) {
    let text: string;
    try {
      // a number on one line; the bound keeps a file swapped for something else from being read whole
      text = readRegularText(f, { maxBytes: 4096, what: 'cgroup memory limit' }).trim();
    } catch {
      continue;
    }
    const v = Number(text);
    // 'max' (v2) or a page-rounded 2^63 (v1) mean no limit
    if (Number.isSafeInteger(v) && v > 0) return v;
  }
  return undefined;
}

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** '8G', '500M', '1.5 GiB', '2048' (bytes): binary units, case-insensitive; undefined when malformed. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const bytes = Math.round(Number(m[1]) * UNITS[(m[2] ?? '').toUpperCase()]);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

export function formatBytes(b: number): string {
  if (!Number.isFinite(b)) return String(b);
  for (const [unit, size] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (b >= size) return `${(b / size).toFixed(1)} ${unit}`;
  }
  return `${b} bytes`;
}
