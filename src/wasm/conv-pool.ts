// The JavaScript parts of a convolutional block: activations other than ReLU (tanh) and their
// derivative (ReLU's too: the mask on a block's input gradient).

export type Activation = 'relu' | 'tanh';

/** x[i] = act(x[i]) for i < count (ReLU runs in WebAssembly; this is the other activations). */
export function activate(f32: Float32Array, x: number, count: number): void {
  for (let i = x, end = x + count; i < end; i++) f32[i] = Math.tanh(f32[i]);
}

/** d[i] *= act'(a[i]) given the activation's output a: ReLU [a > 0], tanh 1 - a^2. */
export function activationGrad(f32: Float32Array, d: number, a: number, count: number, act: Activation): void {
  if (act === 'relu') {
    for (let i = 0; i < count; i++) if (!(f32[a + i] > 0)) f32[d + i] = 0;
  } else {
    for (let i = 0; i < count; i++) {
      const v = f32[a + i];
      f32[d + i] *= 1 - v * v;
    }
  }
}
