// The config schema of privacy: DP-SGD on every peer and how its accountant reports. Declared once
// here; its type is derived from it.
import { z } from 'zod';

export const SAMPLINGS = ['poisson', 'shuffle'] as const;
export const CONVERSIONS = ['balle', 'classic'] as const;
/**
 * The largest noise multiplier: beyond it a step's gradient is noise (std noise x clip on a sum of
 * examples clipped to norm clip each), and it is where the search for a target epsilon stops.
 */
export const MAX_NOISE = 1000;

export const dpSchema = z
  .object({
    /** per-example L2 clipping bound C */
    clip: z.number().gt(0),
    /** noise multiplier sigma: Gaussian noise of std sigma x C is added to the sum of clipped gradients (0: clipping only, no guarantee) */
    noise: z.number().min(0).optional(),
    /** a target epsilon instead of a noise: the smallest noise whose guarantee after the run's last step is at most this (src/privacy/target.ts) */
    epsilon: z.number().gt(0).optional(),
    /** the delta of the (epsilon, delta) guarantee the accountant reports, in (0, 1) */
    delta: z.number().gt(0).lt(1).default(1e-5),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.noise === undefined && d.epsilon === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'give noise (the noise multiplier) or epsilon (a target the noise is chosen for)' });
    }
    if (d.noise !== undefined && d.noise > MAX_NOISE) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom, path: ['noise'],
        message: `${d.noise} leaves no signal in a step's gradient (its noise has std noise x clip, the sum of the batch's clipped gradients at most batchSize x clip); use a noise multiplier of at most ${MAX_NOISE}, the most a target epsilon chooses`,
      });
    }
  })
  // NaN until resolveConfig chooses it for the target epsilon (resolveTargetEpsilon)
  .transform((d) => ({ ...d, noise: d.noise ?? NaN }));

export const privacySchema = z
  .object({
    dp: dpSchema,
    /**
     * poisson: each of a peer's examples joins a step's batch independently with probability
     * batchSize / examplesPerPeer (what the accountant assumes); shuffle: fixed-size batches from a
     * reshuffled epoch (the accountant's figure is then only indicative)
     */
    sampling: z.enum(SAMPLINGS).default('poisson'),
    /** RDP to (epsilon, delta): balle (Balle et al. 2020, tight) or classic (Mironov 2017) */
    conversion: z.enum(CONVERSIONS).default('balle'),
  })
  .strict();

export type PrivacySpec = z.output<typeof privacySchema>;
export type DpSpec = PrivacySpec['dp'];
