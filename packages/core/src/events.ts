/** Returned by every `onX(listener)`: call `dispose()` to stop listening. */
export interface Disposable {
  dispose(): void;
}

/** A typed, synchronous event channel used for the `onX` APIs. */
export interface Emitter<T> {
  /** Adds a listener; the result removes it. */
  on(listener: (event: T) => void): Disposable;
  /** Calls every listener. A throwing listener is reported to `onListenerError`, never to the emitter. */
  emit(event: T): void;
  /** Number of listeners, to skip building events nobody reads. */
  readonly size: number;
}

/**
 * Creates a typed event emitter. Listener exceptions never break the emitting
 * component; they go to `onListenerError` (default: ignored).
 *
 * @example
 * ```ts
 * import { createEmitter } from '@telltale/core';
 * const changes = createEmitter<{ from: string; to: string }>();
 * const subscription = changes.on((event) => console.log(event.to));
 * changes.emit({ from: 'closed', to: 'open' });
 * subscription.dispose();
 * ```
 */
export function createEmitter<T>(onListenerError: (error: unknown) => void = () => {}): Emitter<T> {
  const listeners = new Set<(event: T) => void>();
  return {
    on(listener) {
      const wrapped = (event: T): void => listener(event);
      listeners.add(wrapped);
      return { dispose: () => listeners.delete(wrapped) };
    },
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    get size() {
      return listeners.size;
    },
  };
}
