import { describe, expect, it, vi } from 'vitest';
import { createFilesBus, holdOpens } from './files-bus';

describe('holdOpens', () => {
  it('holds opens in order until taken, says when the first arrives, and holds nothing after', () => {
    const bus = createFilesBus();
    const first = vi.fn();
    const held = holdOpens(bus, first);
    expect(first).not.toHaveBeenCalled();
    bus.emit('open', 'a.txt');
    bus.emit('open', 'src/b.ts', 12);
    expect(first).toHaveBeenCalledTimes(1);
    expect(held.take()).toEqual([['a.txt'], ['src/b.ts', 12]]);
    // Taken: the editor listens itself from now on.
    bus.emit('open', 'c.txt');
    expect(held.take()).toEqual([]);
    expect(bus.listenerCount('open')).toBe(0);
  });

  it('stops listening when disposed', () => {
    const bus = createFilesBus();
    const held = holdOpens(bus);
    held.dispose();
    expect(bus.listenerCount('open')).toBe(0);
  });
});
