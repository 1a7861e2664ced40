// Where a convolutional kernel keeps each buffer in its WebAssembly memory, for a given number of
// rows (examples) it can hold. Offsets are in floats; every buffer starts on a 16-byte boundary.

import type { ConvBlock } from '../model/cnn-shape.js';

export interface ConvPlan {
  capacity: number;
  params: number;
  grad: number;
  x: number;
  /** per block: patches, conv output (filters padded to whole vectors), pooled activations, their gradient */
  patches: number[];
  conv: number[];
  pooled: number[];
  /** per block: the pool's argmax (int32), conv positions (row, oy, ox) flattened */
  argmax: number[];
  dPooled: number[];
  /** per block: kernel and bias padded to whole vectors ([patch, pad(filters)] then pad(filters)), the transposed kernel, the transposed filter gradient */
  wPad: number[];
  wT: number[];
  dWT: number[];
  /** dense layers: acts[l] is layer l's output (acts[0] unused: the last pooled block feeds layer 0), deltas ping-pong */
  acts: number[];
  delta: [number, number];
  /** ones: the backdot mask where the activation is not ReLU */
  ones: number;
  /** (offset, value) pairs of the dense module; (dst, src, value) triples of axpys */
  list: number;
  triples: number;
  /** per-filter counts (int32) and sums of filterLists */
  counts: number;
  sums: number;
  floats: number;
}

/** Examples per evaluation chunk: few, so that their patches stay in cache (8 LeNet-5 examples: 460 KB). */
export const CNN_EVAL_CHUNK = 8;

/** Rounds a float count up to whole 16-byte vectors. */
export const pad = (floats: number) => (floats + 3) & ~3;

export function planConv(blocks: readonly ConvBlock[], sizes: readonly number[], total: number, inputs: number, capacity: number): ConvPlan {
  let at = 0;
  const take = (floats: number) => {
    const o = at;
    at += pad(floats);
    return o;
  };
  const params = take(total);
  const grad = take(total);
  const x = take(capacity * inputs);
  const patches: number[] = [], conv: number[] = [], pooled: number[] = [], argmax: number[] = [], dPooled: number[] = [];
  const wPad: number[] = [], wT: number[] = [], dWT: number[] = [];
  let maxTriples = 0;
  let listFloats = 2 * Math.max(capacity, ...sizes);
  for (const b of blocks) {
    const positions = capacity * b.outH * b.outW;
    const out = capacity * b.poolH * b.poolW * b.filters;
    patches.push(take(positions * b.patch));
    conv.push(take(positions * pad(b.filters)));
    // the pool stores whole vectors: up to 3 floats past the last output
    pooled.push(take(out + 4));
    argmax.push(take(out + 4));
    dPooled.push(take(out));
    wPad.push(take((b.patch + 1) * pad(b.filters)));
    wT.push(take(b.filters * b.patch));
    dWT.push(take(b.filters * b.patch));
    maxTriples = Math.max(maxTriples, out * b.kernel);
    listFloats = Math.max(listFloats, 2 * b.patch);
  }
  const acts: number[] = [0];
  for (let l = 1; l < sizes.length; l++) acts.push(take(capacity * sizes[l]));
  const widest = Math.max(1, ...sizes.slice(0, -1));
  const delta: [number, number] = [take(capacity * widest), take(capacity * widest)];
  const ones = take(capacity * widest);
  const list = take(listFloats);
  const triples = take(3 * maxTriples);
  const widestBlock = Math.max(1, ...blocks.map((b) => b.filters));
  const counts = take(widestBlock);
  const sums = take(widestBlock);
  return { capacity, params, grad, x, patches, conv, pooled, argmax, dPooled, wPad, wT, dWT, acts, delta, ones, list, triples, counts, sums, floats: at };
}
