import { describe, expect, it } from 'vitest';
import { ClosingSessions, closeAndForget } from './closing-sessions';
import { MemoryStore } from './key-value-store';


describe('ClosingSessions', () => {
  it('remembers sessions until they are removed', () => {
    const store = new MemoryStore();
    const a = new ClosingSessions(store);
    a.add('s1');
    a.add('s2');
    a.add('s1');
    const b = new ClosingSessions(store); // the next page load
    expect(b.list()).toEqual(['s2', 's1']);
    expect(b.has('s1')).toBe(true);
    b.remove('s1');
    expect(a.has('s1')).toBe(false);
  });

  it('survives garbage and missing storage', () => {
    const store = new MemoryStore();
    store.setItem('tether.closingSessions', '{not json');
    expect(new ClosingSessions(store).list()).toEqual([]);
    const none = new ClosingSessions(null);
    none.add('x');
    expect(none.list()).toEqual([]);
  });

  it('stays bounded', () => {
    const c = new ClosingSessions(new MemoryStore());
    for (let i = 0; i < 250; i++) c.add(`s${i}`);
    expect(c.list()).toHaveLength(200);
    expect(c.has('s249')).toBe(true);
    expect(c.has('s0')).toBe(false);
  });
});

describe('closeAndForget', () => {
  it('keeps the session listed until its channel is closed', async () => {
    const { GatewayChannel } = await import('./gateway-channel');
    const sent: Uint8Array[] = [];
    const host = { send: (f: Uint8Array) => (sent.push(f), true), release: () => {}, requestOpen: () => {} };
    const ch = new GatewayChannel(host, { kind: 'attach', session: 's1' }, 80, 24);
    ch.open(1, 65536);
    ch.handleFrame({ type: 'opened', channel: 1, opened: { session: 's1', offset: 0, snapshot: false, cols: 80, rows: 24 } });
    const closing = new ClosingSessions(new MemoryStore());
    closeAndForget(ch, closing);
    expect(closing.has('s1')).toBe(true); // KILL sent, waiting for EXIT
    ch.handleFrame({ type: 'exit', channel: 1, exit: { code: 0, signal: null } });
    expect(ch.state).toBe('closed');
    expect(closing.has('s1')).toBe(false);
  });
});
