// A minimal typed event emitter: the engine emits, metrics writers and viz listen.

export type Listener<T> = (payload: T) => void;

export class TypedEmitter<Events extends Record<string, unknown>> {
  private listeners: { [K in keyof Events]?: Listener<Events[K]>[] } = {};

  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    (this.listeners[event] ??= []).push(fn);
    return () => this.off(event, fn);
  }

  off<K extends keyof Events>(event: K, fn: Listener<Events[K]>): void {
    const list = this.listeners[event];
    if (list) this.listeners[event] = list.filter((f) => f !== fn);
  }

  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const fn of this.listeners[event] ?? []) fn(payload);
  }
}
