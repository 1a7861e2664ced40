// A plug-in's code runs on the hot path like a built-in's, but what it does wrong is named as its
// own: a throw or a non-finite number it writes becomes a failure naming the plug-in file, its kind,
// the round and the peer. Built-ins run unguarded (their failures have their own messages).
import type { KindEntry, KindRegistry } from '../config/registry.js';

/** A plug-in kind failed: the engine reports it for `peer` in `round` (exit 1, the run kept as unfinished). */
export class PluginFault extends Error {
  constructor(message: string, readonly peer: number, readonly round: number) {
    super(message);
  }
}

/** The plug-in file that registered `kind` in `registry`, or undefined for a built-in. */
export function pluginSource(registry: KindRegistry<KindEntry>, kind: string): string | undefined {
  const src = registry.sourceOf(kind);
  return src === undefined || src === 'built-in' ? undefined : src;
}

/**
 * Runs `step(i, i + 1)` for each unit i in [r0, r1) (rows or links: the contract makes each unit
 * independent, so this is the same computation), then checks that unit's output is finite.
 */
export function guarded(
  source: string,
  what: string,
  round: number,
  r0: number,
  r1: number,
  step: (a: number, b: number) => void,
  output: (i: number) => Float32Array,
  peerOf: (i: number) => number = (i) => i,
): void {
  for (let i = r0; i < r1; i++) {
    try {
      step(i, i + 1);
    } catch (e) {
      throw new PluginFault(`plug-in ${source}: ${what} threw at round ${round} for peer ${peerOf(i)}: ${(e as Error)?.message ?? e}`, peerOf(i), round);
    }
    const out = output(i);
    for (let c = 0; c < out.length; c++) {
      if (!Number.isFinite(out[c])) {
        throw new PluginFault(`plug-in ${source}: ${what} wrote ${out[c]} (parameter ${c}) at round ${round} for peer ${peerOf(i)}; a kind must write finite numbers`, peerOf(i), round);
      }
    }
  }
}
