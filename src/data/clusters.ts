// Clustered worlds: peers are dealt into `count` clusters (a seeded permutation, round-robin, so
// cluster sizes differ by at most one) and each cluster sees the data through its own transform:
// rotate (0/90/180/270 degrees by cluster index mod 4), permute-labels or permute-pixels (a
// seeded permutation per cluster; cluster 0 keeps the identity). A transform is a pixel map and
// a label map, applied once when the run's data are gathered.
import { z } from 'zod';
import { int } from '../config/kinds.js';
import { DataError } from '../errors.js';
import { createRng } from '../rng.js';
import type { InputShape } from '../types.js';

export const CLUSTER_TRANSFORMS = ['rotate', 'permute-labels', 'permute-pixels'] as const;

/** data.clusters in the config. */
export const clustersSchema = z.object({ count: int(1), transform: z.enum(CLUSTER_TRANSFORMS) }).strict();
export type ClustersSpec = z.output<typeof clustersSchema>;

/** out pixel k = in pixel pixels[k]; out label = labels[in label]. Absent maps are identities. */
export interface ClusterTransform {
  readonly pixels?: Int32Array;
  readonly labels?: Uint8Array;
}

/** Each peer's cluster: a seeded permutation of the peers dealt round-robin. */
export function assignClusters(peers: number, count: number, seed: number): Int32Array {
  const order = createRng(seed, 'clusters', 'assign').shuffle(Int32Array.from({ length: peers }, (_, i) => i));
  const cluster = new Int32Array(peers);
  for (let k = 0; k < peers; k++) cluster[order[k]] = k % count;
  return cluster;
}

/** Side of a square image of `features` pixels, or undefined when it is not square. */
export function imageSide(features: number): number | undefined {
  const s = Math.round(Math.sqrt(features));
  return s * s === features ? s : undefined;
}

/** Why rotate cannot turn these images (square single-channel ones only), if it cannot. */
export function rotateIssue(features: number, shape?: InputShape): string | undefined {
  if (shape && (shape.channels !== 1 || shape.height !== shape.width)) {
    return `data.clusters: rotate turns square single-channel images, and these are ${shape.height}x${shape.width}x${shape.channels} (height x width x channels); use permute-pixels or permute-labels`;
  }
  if (imageSide(features) === undefined) return `data.clusters: rotate needs square images, and ${features} features is not a square; use permute-pixels or permute-labels`;
  return undefined;
}

/** The transform of every cluster (`shape`: the images', when the data has one). */
export function clusterTransforms(spec: ClustersSpec, features: number, classes: number, seed: number, shape?: InputShape): ClusterTransform[] {
  return Array.from({ length: spec.count }, (_, c): ClusterTransform => {
    switch (spec.transform) {
      case 'rotate': {
        const issue = rotateIssue(features, shape);
        if (issue) throw new DataError(issue);
        const side = imageSide(features)!;
        return c % 4 === 0 ? {} : { pixels: rotation(side, c % 4) };
      }
      case 'permute-pixels':
        return c === 0 ? {} : { pixels: createRng(seed, 'clusters', 'pixels', c).shuffle(Int32Array.from({ length: features }, (_, i) => i)) };
      case 'permute-labels':
        return c === 0 ? {} : { labels: createRng(seed, 'clusters', 'labels', c).shuffle(Uint8Array.from({ length: classes }, (_, i) => i)) };
    }
  });
}

/** The pixel map of a rotation by quarter x 90 degrees clockwise of a side x side image. */
export function rotation(side: number, quarter: number): Int32Array {
  const map = new Int32Array(side * side);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      let sr = r, sc = c;
      // out(r, c) = in(side - 1 - c, r), applied `quarter` times
      for (let q = 0; q < quarter; q++) [sr, sc] = [side - 1 - sc, sr];
      map[r * side + c] = sr * side + sc;
    }
  }
  return map;
}

/** Copies example `from` of (x, y) through transform t into slot `to` of (outX, outY). */
export function copyTransformed(
  x: Float32Array, y: Uint8Array, from: number, t: ClusterTransform | undefined, outX: Float32Array, outY: Uint8Array, to: number, features: number,
): void {
  const src = from * features;
  const dst = to * features;
  const pix = t?.pixels;
  if (pix) for (let k = 0; k < features; k++) outX[dst + k] = x[src + pix[k]];
  else outX.set(x.subarray(src, src + features), dst);
  outY[to] = t?.labels ? t.labels[y[from]] : y[from];
}
