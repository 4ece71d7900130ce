import { EventEmitter } from 'node:events';
import { createManualClock, TelltaleConfigError } from '@telltale/core';
// Internal, not exported: streams to end users are @telltale/live's job.
import { createSseBroadcaster, type SseSink } from '../src/sse-broadcaster.js';
import { describe, expect, it, vi } from 'vitest';

/** An in-memory sink that records what was written and can simulate backpressure. */
function fakeSink() {
  const emitter = new EventEmitter();
  const chunks: Uint8Array[] = [];
  const sink = {
    writableLength: 0,
    ended: false,
    chunks,
    text: () => chunks.map((chunk) => Buffer.from(chunk).toString('utf8')).join(''),
    write(chunk: Uint8Array) {
      chunks.push(chunk);
      return true;
    },
    end() {
      sink.ended = true;
      emitter.emit('close');
    },
    on(event: 'close' | 'drain', listener: () => void) {
      emitter.on(event, listener);
      return sink;
    },
    removeListener(event: 'close' | 'drain', listener: () => void) {
      emitter.removeListener(event, listener);
      return sink;
    },
    emit: (event: 'close' | 'drain') => emitter.emit(event),
  };
  return sink satisfies SseSink;
}

describe('createSseBroadcaster', () => {
  it('serialises an event once and writes the same buffer to every client', () => {
    const broadcaster = createSseBroadcaster({ clock: createManualClock() });
    const sinks = [fakeSink(), fakeSink(), fakeSink()];
    for (const sink of sinks) broadcaster.attach(sink, '10.0.0.1');
    broadcaster.publish('a-1', 'snapshot', '{"n":1}');
    const frames = sinks.map((sink) => sink.chunks.at(-1));
    expect(Buffer.from(frames[0]!).toString()).toBe('id: a-1\nevent: snapshot\ndata: {"n":1}\n\n');
    expect(frames[1]).toBe(frames[0]);
    expect(frames[2]).toBe(frames[0]);
    expect(sinks[0]!.text()).toMatch(/^retry: 3000\n:connected\n\n/);
  });

  it('sends the latest event on connect unless Last-Event-ID says the client has it', () => {
    const broadcaster = createSseBroadcaster({ clock: createManualClock() });
    broadcaster.publish('b-7', 'snapshot', '{}');
    const fresh = fakeSink();
    const upToDate = fakeSink();
    const behind = fakeSink();
    broadcaster.attach(fresh, 'x');
    broadcaster.attach(upToDate, 'y', 'b-7');
    broadcaster.attach(behind, 'z', 'b-3');
    expect(fresh.text()).toContain('id: b-7\n');
    expect(upToDate.text()).not.toContain('id: b-7');
    expect(behind.text()).toContain('id: b-7\n');
    expect(broadcaster.latestId).toBe('b-7');
  });

  it('writes heartbeat comments on the fake clock while clients are connected', () => {
    const clock = createManualClock();
    const broadcaster = createSseBroadcaster({ clock, heartbeat: '15s' });
    const sink = fakeSink();
    broadcaster.attach(sink, 'x');
    clock.advance(14_999);
    expect(sink.text()).not.toContain(':heartbeat');
    clock.advance(1);
    expect(sink.text().match(/:heartbeat\n\n/g)).toHaveLength(1);
    clock.advance(30_000);
    expect(sink.text().match(/:heartbeat\n\n/g)).toHaveLength(3);
    sink.emit('close');
    expect(broadcaster.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('enforces the global and per-address caps', () => {
    const broadcaster = createSseBroadcaster({ clock: createManualClock(), maxClients: 3, maxClientsPerAddress: 2 });
    expect(broadcaster.admit('a')).toBeUndefined();
    broadcaster.attach(fakeSink(), 'a');
    const second = fakeSink();
    broadcaster.attach(second, 'a');
    expect(broadcaster.admit('a')).toEqual({ scope: 'address', limit: 2 });
    expect(broadcaster.admit('b')).toBeUndefined();
    broadcaster.attach(fakeSink(), 'b');
    expect(broadcaster.admit('c')).toEqual({ scope: 'global', limit: 3 });
    second.emit('close');
    expect(broadcaster.admit('a')).toBeUndefined();
    expect(broadcaster.admit('c')).toBeUndefined();
  });

  it('skips a client whose buffer is full and drops it after idleTimeout without draining', () => {
    const clock = createManualClock();
    const broadcaster = createSseBroadcaster({ clock, idleTimeout: '10s', maxBufferedBytes: 100, heartbeat: '1h' });
    const slow = fakeSink();
    const fast = fakeSink();
    broadcaster.attach(slow, 'a');
    broadcaster.attach(fast, 'b');
    slow.writableLength = 500;
    broadcaster.publish('1', 'snapshot', '{}');
    expect(slow.text()).not.toContain('id: 1');
    expect(fast.text()).toContain('id: 1');
    clock.advance(5_000);
    broadcaster.publish('2', 'snapshot', '{}');
    expect(slow.ended).toBe(false);
    // Draining resets the stall; a later stall starts a new window.
    slow.emit('drain');
    clock.advance(6_000);
    broadcaster.publish('3', 'snapshot', '{}');
    expect(slow.ended).toBe(false);
    clock.advance(10_000);
    broadcaster.publish('4', 'snapshot', '{}');
    expect(slow.ended).toBe(true);
    expect(broadcaster.size).toBe(1);
    expect(fast.text()).toContain('id: 4');
  });

  it('calls onActive for the first client and onIdle when the last leaves', () => {
    const onActive = vi.fn();
    const onIdle = vi.fn();
    const broadcaster = createSseBroadcaster({ clock: createManualClock(), onActive, onIdle });
    const first = fakeSink();
    broadcaster.attach(first, 'a');
    broadcaster.attach(fakeSink(), 'a');
    expect(onActive).toHaveBeenCalledTimes(1);
    first.emit('close');
    expect(onIdle).not.toHaveBeenCalled();
    broadcaster.close();
    expect(broadcaster.size).toBe(0);
    expect(broadcaster.admit('a')).toEqual({ scope: 'global', limit: 200 });
  });

  it('rejects invalid options with a TelltaleConfigError naming the option', () => {
    expect(() => createSseBroadcaster({ maxClients: 0 })).toThrow(TelltaleConfigError);
    expect(() => createSseBroadcaster({ heartbeat: 'soon' })).toThrow(/heartbeat/);
  });
});
