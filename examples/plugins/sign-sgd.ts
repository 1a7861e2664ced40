// signSGD as a stage of the local step (Bernstein et al. 2018, "signSGD: compressed optimisation for
// non-convex problems"), in its scaled form (Karimireddy et al. 2019, EF-SignSGD): each step's
// gradient g becomes s * sign(g), with s = |g|_1 / d (the scale that keeps the step's size) or a
// fixed `scale`. A 'transform' stage: it runs after the gradient (and after DP noise, when the run
// has privacy) and before the optimizer, on every peer. It needs no change to the engine.
import { defineStage, definePlugin, z } from 'plexus';

export const signSgd = defineStage({
  kind: 'sign-sgd',
  schema: z.object({ kind: z.literal('sign-sgd'), scale: z.number().gt(0).optional() }).strict(),
  summary: 'replace the gradient by its scaled sign: (|g|_1 / d) sign(g), or scale x sign(g)',
  at: 'transform',
  create: (spec) => ({ grad }) => {
    let s = spec.scale;
    if (s === undefined) {
      let l1 = 0;
      for (let i = 0; i < grad.length; i++) l1 += Math.abs(grad[i]);
      s = l1 / grad.length;
    }
    for (let i = 0; i < grad.length; i++) grad[i] = grad[i] > 0 ? s : grad[i] < 0 ? -s : 0;
  },
});

export default definePlugin({ name: 'sign-sgd', stages: [signSgd] });
