// No plasticity: the configured protocol runs on its fixed graph and mixing matrix; the wiring
// metrics read the links from that matrix (strength = the mixing weight).
import type { PlasticRule, RuleContext, RuleDescriptor } from './types.js';

export const none = {
  kind: 'none' as const,
  summary: 'the fixed graph and mixing matrix (wiring metrics only)',
  plastic: false,
  create: (ctx: RuleContext): PlasticRule => {
    const w = ctx.mixing;
    const self = (i: number) => {
      for (let k = w.offsets[i]; k < w.offsets[i + 1]; k++) if (w.cols[k] === i) return w.weights[k];
      return 0;
    };
    return {
      grown: 0,
      pruned: 0,
      plan: () => {},
      update: () => {},
      forEachInLink(i, f) {
        for (let k = w.offsets[i]; k < w.offsets[i + 1]; k++) if (w.cols[k] !== i) f(w.cols[k], w.weights[k]);
      },
      selfStrength: self,
    };
  },
} satisfies RuleDescriptor;
