import { describe, expect, it } from 'vitest';
import { ReplayRing } from './replay-ring';
import type { OutputStore } from '../runtimes/runtime';

/** One turn of the event loop (a ring's deferred copy runs in the check phase). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function bytes(from: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (from + i) & 0xff;
  return b;
}

describe('ReplayRing', () => {
  it('numbers bytes from 0 and replays exactly what was appended', () => {
    const ring = new ReplayRing(100);
    expect(ring.append(bytes(0, 10))).toBe(0);
    expect(ring.append(bytes(10, 15))).toBe(10);
    expect(ring.end).toBe(25);
    expect(ring.start).toBe(0);
    expect(Array.from(ring.readJoined(0))).toEqual(Array.from(bytes(0, 25)));
    expect(Array.from(ring.readJoined(12, 5))).toEqual(Array.from(bytes(12, 5)));
    expect(ring.read(25)).toEqual([]);
  });

  it('evicts the oldest bytes, keeping exactly capacity bytes with their offsets', () => {
    const ring = new ReplayRing(64);
    let offset = 0;
    for (let i = 0; i < 50; i++) {
      const n = 1 + ((i * 7) % 13);
      ring.append(bytes(offset, n));
      offset += n;
    }
    expect(ring.end).toBe(offset);
    expect(ring.size).toBe(64);
    expect(ring.start).toBe(offset - 64);
    expect(Array.from(ring.readJoined(ring.start))).toEqual(Array.from(bytes(ring.start, 64)));
  });

  it('keeps only the tail of a chunk larger than capacity', () => {
    const ring = new ReplayRing(8);
    ring.append(bytes(0, 3));
    ring.append(bytes(3, 20));
    expect(ring.start).toBe(15);
    expect(Array.from(ring.readJoined(15))).toEqual(Array.from(bytes(15, 8)));
  });

  it('refuses offsets that were evicted or not yet written', () => {
    const ring = new ReplayRing(4);
    ring.append(bytes(0, 10));
    expect(() => ring.read(5)).toThrow(RangeError);
    expect(() => ring.read(11)).toThrow(RangeError);
    expect(ring.readJoined(6).byteLength).toBe(4);
  });

  it('random appends and reads agree with a reference model', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const ring = new ReplayRing(1000);
    let offset = 0;
    for (let i = 0; i < 2000; i++) {
      const n = rnd(300);
      ring.append(bytes(offset, n));
      offset += n;
      const from = ring.start + rnd(ring.size + 1);
      const max = rnd(500) + 1;
      const got = ring.readJoined(from, max);
      expect(got.byteLength).toBe(Math.min(max, ring.end - from));
      expect(Array.from(got)).toEqual(Array.from(bytes(from, got.byteLength)));
    }
  });

  it('grows its memory with what was written, to about its capacity, and hands out copies that later output does not change', () => {
    const ring = new ReplayRing(1 << 20);
    ring.append(bytes(0, 10));
    expect(ring.allocated).toBeLessThanOrEqual(4096);
    const kept = ring.readJoined(0, 10);
    let offset = 10;
    while (offset < 3 << 20) {
      ring.append(bytes(offset, 4000));
      offset += 4000;
    }
    expect(ring.allocated).toBeGreaterThanOrEqual(1 << 20);
    expect(ring.allocated).toBeLessThanOrEqual((1 << 20) + 64 * 1024); // at most one block beyond capacity
    expect(Array.from(kept)).toEqual(Array.from(bytes(0, 10)));
    expect(Array.from(ring.readJoined(ring.start, 5000))).toEqual(Array.from(bytes(ring.start, 5000)));
  });

  it('finds the next line start after an offset, keeping 0 and offsets with no newline ahead', () => {
    const ring = new ReplayRing(64);
    ring.append(new TextEncoder().encode('first line\nsecond\nno newline after this'));
    expect(ring.lineStartAt(0)).toBe(0);
    expect(ring.lineStartAt(3)).toBe(11);
    expect(ring.lineStartAt(11)).toBe(18);
    expect(ring.lineStartAt(20)).toBe(20);
  });

  it('skips bytes it never had: drops what it kept and goes on after them', () => {
    const ring = new ReplayRing(64);
    ring.append(new TextEncoder().encode('abc'));
    ring.skip(100);
    expect([ring.start, ring.end]).toEqual([103, 103]);
    expect(ring.append(new TextEncoder().encode('xyz'))).toBe(103);
    expect(new TextDecoder().decode(ring.readJoined(103))).toBe('xyz');
  });

  it('defers bytes held elsewhere: the end moves at once, and they are loaded only when something reads', () => {
    const ring = new ReplayRing(100);
    ring.append(bytes(0, 10));
    let loads = 0;
    ring.defer(40, () => {
      loads++;
      return [bytes(10, 20), bytes(30, 10)];
    });
    expect(ring.end).toBe(40);
    expect(ring.allocated).toBeGreaterThan(0);
    expect(loads).toBe(0); // asking where the stream ends loads nothing
    expect(ring.start).toBe(0);
    expect(loads).toBe(1);
    expect(Array.from(ring.readJoined(0))).toEqual(Array.from(bytes(0, 40)));
    expect(loads).toBe(1);
  });

  it('takes deferred bytes in before later output, and skips what the holder no longer had', () => {
    const ring = new ReplayRing(100);
    ring.append(bytes(0, 10));
    // The holder kept only the newest 5 of the 30 bytes after offset 10.
    ring.defer(40, () => [bytes(35, 5)]);
    ring.append(bytes(40, 3));
    expect(ring.end).toBe(43);
    expect(ring.start).toBe(35);
    expect(Array.from(ring.readJoined(35))).toEqual(Array.from(bytes(35, 8)));
  });

  it('never goes past the deferred end, and an unreadable holder counts as lost bytes', () => {
    const ring = new ReplayRing(100);
    ring.defer(20, () => [bytes(0, 25)]);
    expect(ring.size).toBe(20);
    expect(ring.end).toBe(20);
    ring.defer(30, () => {
      throw new Error('gone');
    });
    expect(ring.end).toBe(30);
    expect(ring.start).toBe(30);
    expect(ring.read(30)).toEqual([]);
  });

  describe('with a store (a lent terminal\'s record)', () => {
    /** A stand-in for the record: keeps the newest `size` bytes written from `from` on. The
     * record itself is tested in runtimes/local/lent-reader.test.ts. */
    class ArrayStore implements OutputStore {
      private data: number[] = [];
      closed = false;
      frozen = false;
      constructor(
        readonly from: number,
        readonly bytes: number,
        private readonly keep = true,
      ) {}
      put(b: Uint8Array): void {
        this.data.push(...b);
      }
      read(at: number, into: Uint8Array): number {
        const end = this.from + this.data.length;
        if (this.closed || at < Math.max(this.from, end - this.bytes)) return 0;
        const n = Math.min(into.byteLength, end - at);
        into.set(this.data.slice(at - this.from, at - this.from + n));
        return n;
      }
      freeze(): boolean {
        this.frozen = true;
        return this.keep;
      }
      close(): void {
        this.closed = true;
      }
    }

    it('keeps appended bytes in the store: no memory of its own, the same bytes read back across the boundary', () => {
      const ring = new ReplayRing(100);
      ring.append(bytes(0, 30));
      const before = ring.allocated;
      const store = new ArrayStore(30, 1000);
      expect(ring.useStore(store)).toBe(true);
      for (let at = 30; at < 90; at += 20) {
        const b = bytes(at, 20);
        store.put(b);
        expect(ring.append(b)).toBe(at);
      }
      expect(ring.allocated).toBe(before);
      expect([ring.start, ring.end]).toEqual([0, 90]);
      expect(Array.from(ring.readJoined(10, 50))).toEqual(Array.from(bytes(10, 50)));
      // Past its capacity: its own blocks go first, then it starts inside the store.
      for (let at = 90; at < 250; at += 40) {
        const b = bytes(at, 40);
        store.put(b);
        ring.append(b);
      }
      expect([ring.start, ring.end]).toEqual([150, 250]);
      expect(ring.allocated).toBe(0);
      expect(Array.from(ring.readJoined(150))).toEqual(Array.from(bytes(150, 100)));
      expect(ring.lineStartAt(150)).toBe(150);
    });

    it('refuses a store that does not begin at its end, or keeps less than it must, and closes it', () => {
      const ring = new ReplayRing(100);
      ring.append(bytes(0, 10));
      const late = new ArrayStore(11, 1000);
      expect(ring.useStore(late)).toBe(false);
      expect(late.closed).toBe(true);
      const small = new ArrayStore(10, 99);
      expect(ring.useStore(small)).toBe(false);
      expect(small.closed).toBe(true);
      ring.append(bytes(10, 5));
      expect(Array.from(ring.readJoined(0))).toEqual(Array.from(bytes(0, 15)));
    });

    it('given back: reads a store that may be kept; copies what it needs of one that may not in a later turn, and closes it', async () => {
      for (const keep of [true, false]) {
        const ring = new ReplayRing(100);
        ring.append(bytes(0, 10));
        const store = new ArrayStore(10, 1000, keep);
        ring.useStore(store);
        const b = bytes(10, 150);
        store.put(b);
        ring.append(b);
        ring.releaseStore();
        expect(store.frozen).toBe(true);
        // Not copied in the turn that gave it back: read where it is meanwhile.
        expect(store.closed).toBe(false);
        expect(Array.from(ring.readJoined(60))).toEqual(Array.from(bytes(60, 100)));
        await turn();
        expect(store.closed).toBe(!keep);
        expect(ring.allocated > 0).toBe(!keep);
        expect([ring.start, ring.end]).toEqual([60, 160]);
        expect(Array.from(ring.readJoined(60))).toEqual(Array.from(bytes(60, 100)));
        // Output read here again comes after it; a kept store is copied in and closed first.
        ring.append(bytes(160, 5));
        expect(store.closed).toBe(true);
        expect([ring.start, ring.end]).toEqual([65, 165]);
        expect(Array.from(ring.readJoined(65))).toEqual(Array.from(bytes(65, 100)));
      }
    });

    it('closes its store when it skips or is disposed of, and a store that fails a read loses only those bytes', async () => {
      const ring = new ReplayRing(100);
      const store = new ArrayStore(0, 1000, false);
      ring.useStore(store);
      store.put(bytes(0, 50));
      ring.append(bytes(0, 50));
      ring.skip(10);
      expect(store.closed).toBe(true);
      expect([ring.start, ring.end]).toEqual([60, 60]);

      const broken = new ArrayStore(60, 1000, false);
      ring.useStore(broken);
      ring.append(bytes(60, 20)); // never written to the store: it cannot answer them
      ring.releaseStore();
      await turn();
      expect(broken.closed).toBe(true);
      expect([ring.start, ring.end]).toEqual([80, 80]);
      ring.append(bytes(80, 5));
      expect(Array.from(ring.readJoined(80))).toEqual(Array.from(bytes(80, 5)));

      // Its session forgotten: a kept store is closed, and nothing is retained.
      const kept = new ArrayStore(85, 1000, true);
      ring.useStore(kept);
      kept.put(bytes(85, 10));
      ring.append(bytes(85, 10));
      ring.releaseStore();
      expect(kept.closed).toBe(false);
      ring.dispose();
      expect(kept.closed).toBe(true);
      expect([ring.start, ring.end, ring.allocated]).toEqual([95, 95, 0]);
    });

    it('many given back at once copy a few per event-loop turn; one forgotten first never copies', async () => {
      // Each copy takes longer than a turn's share (2 ms): one ring per turn.
      class SlowStore extends ArrayStore {
        reads = 0;
        override read(at: number, into: Uint8Array): number {
          this.reads++;
          const until = performance.now() + 3;
          while (performance.now() < until);
          return super.read(at, into);
        }
      }
      const rings = [0, 1, 2, 3].map(() => new ReplayRing(100));
      const stores = rings.map((ring) => {
        const store = new SlowStore(0, 1000, false);
        ring.useStore(store);
        store.put(bytes(0, 40));
        ring.append(bytes(0, 40));
        return store;
      });
      for (const ring of rings) ring.releaseStore();
      rings[3]!.dispose();
      expect(stores.map((s) => s.closed)).toEqual([false, false, false, true]);
      await turn();
      expect(stores.map((s) => s.closed)).toEqual([true, false, false, true]);
      await turn();
      await turn();
      expect(stores.map((s) => s.closed)).toEqual([true, true, true, true]);
      expect(stores[3]!.reads).toBe(0);
      for (const ring of rings.slice(0, 3)) {
        expect(ring.allocated).toBeGreaterThan(0);
        expect(Array.from(ring.readJoined(0))).toEqual(Array.from(bytes(0, 40)));
      }
    });

    it('writes to a store that takes writes (the pty host\'s file) before its end moves', () => {
      const ring = new ReplayRing(100);
      const store = new ArrayStore(0, 150);
      const written: number[] = [];
      Object.assign(store, {
        write: (b: Uint8Array) => {
          expect(ring.end).toBe(written.length); // before the end moved past them
          written.push(...b);
          store.put(b);
        },
      });
      expect(ring.useStore(store)).toBe(true);
      for (let at = 0; at < 300; at += 30) ring.append(bytes(at, 30));
      expect(written).toEqual(Array.from(bytes(0, 300)));
      expect(ring.allocated).toBe(0);
      expect([ring.start, ring.end]).toEqual([200, 300]);
      expect(Array.from(ring.readJoined(200))).toEqual(Array.from(bytes(200, 100)));
    });

    it('loses what it held when its store no longer has it (overwritten), and keeps what comes next itself', () => {
      const ring = new ReplayRing(100);
      ring.append(bytes(0, 20));
      const store = new ArrayStore(20, 100);
      ring.useStore(store);
      store.put(bytes(20, 50));
      ring.append(bytes(20, 25));
      const other = new ReplayRing(100); // another terminal's output comes between
      other.useStore(new ArrayStore(0, 1000));
      other.append(bytes(0, 10));
      ring.append(bytes(45, 25));
      expect(Array.from(ring.readJoined(0))).toEqual(Array.from(bytes(0, 70)));
      // Its writer ran 100 bytes ahead: the store no longer has them. While the recent buffer
      // does (see the recent-buffer tests), they are read from there...
      store.put(bytes(70, 100));
      expect(Array.from(ring.readJoined(30))).toEqual(Array.from(bytes(30, 40)));
      // ...and once other terminals' output took their place there, they are lost.
      for (let i = 0; i < 65; i++) other.append(new Uint8Array(16 * 1024));
      expect(ring.read(30)).toEqual([]);
      expect(store.closed).toBe(true);
      expect([ring.start, ring.end, ring.allocated]).toEqual([70, 70, 0]);
      ring.append(bytes(70, 10));
      expect(Array.from(ring.readJoined(70))).toEqual(Array.from(bytes(70, 10)));
    });

    /** A store keeping the newest `bytes` of what is written from `from` on, counting its reads. */
    class CountingStore implements OutputStore {
      private readonly kept: Uint8Array;
      private written = 0;
      reads = 0;
      closed = false;
      constructor(
        readonly from: number,
        readonly bytes: number,
      ) {
        this.kept = new Uint8Array(bytes);
      }
      put(b: Uint8Array): void {
        for (let i = 0; i < b.byteLength; i++) this.kept[(this.written + i) % this.bytes] = b[i]!;
        this.written += b.byteLength;
      }
      read(at: number, into: Uint8Array): number {
        this.reads++;
        const end = this.from + this.written;
        if (this.closed || at < Math.max(this.from, end - this.bytes)) return 0;
        const n = Math.min(into.byteLength, end - at);
        for (let i = 0; i < n; i++) into[i] = this.kept[(at - this.from + i) % this.bytes]!;
        return n;
      }
      freeze(): boolean {
        return true;
      }
      close(): void {
        this.closed = true;
      }
    }
    /** Ring `salt`'s stream: each ring's bytes differ from another's at the same offsets. */
    const salted = (salt: number, from: number, n: number) => bytes(from + salt * 37, n);

    it('reads what was just appended without the store, and from the store once other rings\' output took its place', () => {
      const a = new ReplayRing(64 * 1024);
      const sa = new CountingStore(0, 128 * 1024);
      expect(a.useStore(sa)).toBe(true);
      const append = (ring: ReplayRing, store: CountingStore, salt: number, n: number) => {
        const b = salted(salt, ring.end, n);
        store.put(b);
        ring.append(b);
      };
      append(a, sa, 1, 2000);
      append(a, sa, 1, 1000);
      expect(Array.from(a.readJoined(0))).toEqual(Array.from(salted(1, 0, 3000)));
      expect(Array.from(a.readJoined(2500))).toEqual(Array.from(salted(1, 2500, 500)));
      expect(sa.reads).toBe(0);

      // Another ring's output, interleaved: each ring still reads its newest append from memory.
      const b = new ReplayRing(64 * 1024);
      const sb = new CountingStore(0, 128 * 1024);
      b.useStore(sb);
      append(b, sb, 2, 500);
      append(a, sa, 1, 700);
      expect(Array.from(a.readJoined(3000))).toEqual(Array.from(salted(1, 3000, 700)));
      expect(Array.from(b.readJoined(0))).toEqual(Array.from(salted(2, 0, 500)));
      expect([sa.reads, sb.reads]).toEqual([0, 0]);
      // Across appends with another ring's between them: from memory too, a view of each part.
      expect(a.read(2900, 200).map((v) => v.byteLength)).toEqual([100, 100]);
      expect(Array.from(a.readJoined(2900, 200))).toEqual(Array.from(salted(1, 2900, 200)));
      expect(Array.from(a.readJoined(0))).toEqual(Array.from(salted(1, 0, 3700)));
      expect(sa.reads).toBe(0);

      // A large append (a flood's read) is not copied: it is read from the store, and so is
      // what came before it.
      append(a, sa, 1, 20_000);
      expect(Array.from(a.readJoined(3700))).toEqual(Array.from(salted(1, 3700, 20_000)));
      expect(sa.reads).toBe(1);
      append(a, sa, 1, 100);
      expect(Array.from(a.readJoined(23_600, 200))).toEqual(Array.from(salted(1, 23_600, 200)));
      expect(sa.reads).toBe(2);

      // 1 MiB and more of the other ring's output overwrote what `a` appended last.
      expect(Array.from(a.readJoined(23_700))).toEqual(Array.from(salted(1, 23_700, 100)));
      expect(sa.reads).toBe(2);
      for (let i = 0; i < 80; i++) append(b, sb, 2, 16 * 1024);
      expect(Array.from(a.readJoined(23_700))).toEqual(Array.from(salted(1, 23_700, 100)));
      expect(sa.reads).toBe(3);
      expect(Array.from(b.readJoined(b.end - 40_000))).toEqual(Array.from(salted(2, b.end - 40_000, 40_000)));
    });

    it('remembers the last 16 parts of a ring\'s output in the recent buffer, and reads older bytes from the store', () => {
      const rings = [0, 1].map(() => {
        const ring = new ReplayRing(64 * 1024);
        const store = new CountingStore(0, 128 * 1024);
        expect(ring.useStore(store)).toBe(true);
        return { ring, store };
      });
      // 20 reads of each of two terminals, taking turns: each of a ring's appends is a part of its own.
      for (let i = 0; i < 20; i++) {
        for (const [salt, { ring, store }] of rings.entries()) {
          const b = salted(salt, ring.end, 100);
          store.put(b);
          ring.append(b);
        }
      }
      const [{ ring, store }] = rings as [{ ring: ReplayRing; store: CountingStore }];
      expect(ring.read(400).length).toBe(16);
      expect(Array.from(ring.readJoined(400))).toEqual(Array.from(salted(0, 400, 1600)));
      expect(store.reads).toBe(0);
      expect(Array.from(ring.readJoined(399))).toEqual(Array.from(salted(0, 399, 1601)));
      expect(store.reads).toBe(1);
    });

    it('reads a ring\'s appends right across the recent buffer\'s end (a part that ended exactly there, then the next)', () => {
      const rings = [0, 1].map((salt) => {
        const ring = new ReplayRing(64 * 1024);
        const store = new CountingStore(0, 128 * 1024);
        expect(ring.useStore(store)).toBe(true);
        return { ring, store, salt };
      });
      const [a, b] = rings as [(typeof rings)[0], (typeof rings)[0]];
      const append = (r: typeof a) => {
        const bytes = salted(r.salt, r.ring.end, 16 * 1024); // the most the recent buffer takes
        r.store.put(bytes);
        r.ring.append(bytes);
        const got = r.ring.readJoined(Math.max(r.ring.start, r.ring.end - 40_000));
        expect(got.byteLength).toBe(Math.min(40_000, r.ring.end));
        expect(Buffer.compare(got, salted(r.salt, r.ring.end - got.byteLength, got.byteLength))).toBe(0);
      };
      // Once one has wrapped, 16 KiB appends fall on the buffer's 16 KiB boundaries, whatever
      // came before. Then `a`'s appends are one part from just after one of `b`'s until the
      // buffer's end, exactly; the next is placed at its start. (If `b`'s ended at the buffer's
      // end, `a`'s part began at its start, and the second round does it.)
      for (let i = 0; i < 65; i++) append(a);
      for (let round = 0; round < 2; round++) {
        append(b);
        for (let i = 0; i < 65; i++) append(a);
      }
    });

    it('random appends and reads over many rings sharing the recent buffer agree with a reference model', () => {
      let seed = 11;
      const rnd = (n: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return (seed >>> 12) % n;
      };
      const capacity = 48 * 1024;
      const rings = Array.from({ length: 6 }, (_, salt) => {
        const ring = new ReplayRing(capacity);
        const store = new CountingStore(0, 2 * capacity);
        expect(ring.useStore(store)).toBe(true);
        return { ring, store, salt };
      });
      let fromStore = 0;
      let reads = 0;
      for (let i = 0; i < 4000; i++) {
        const r = rings[rnd(rings.length)]!;
        // Mostly small appends, now and then one larger than is copied to the recent buffer.
        const n = rnd(10) === 0 ? 16 * 1024 + rnd(8 * 1024) : rnd(3000);
        const b = salted(r.salt, r.ring.end, n);
        r.store.put(b);
        r.ring.append(b);
        const q = rings[rnd(rings.length)]!;
        // Reads near the end mostly (a pump), sometimes anywhere retained (a replay).
        const from = rnd(4) === 0 ? q.ring.start + rnd(q.ring.size + 1) : Math.max(q.ring.start, q.ring.end - rnd(4000));
        const max = rnd(20_000) + 1;
        const before = q.store.reads;
        const got = q.ring.readJoined(from, max);
        fromStore += q.store.reads - before;
        reads++;
        expect(got.byteLength).toBe(Math.min(max, q.ring.end - from));
        expect(Buffer.compare(got, salted(q.salt, from, got.byteLength))).toBe(0);
      }
      // Both ways were taken.
      expect(fromStore).toBeGreaterThan(reads / 10);
      expect(fromStore).toBeLessThan(reads * 0.9);
    });

    it('random appends, stores, give-backs and reads agree with a reference model', () => {
      let seed = 7;
      const rnd = (n: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return (seed >>> 12) % n; // the high bits: the low ones of this generator repeat quickly
      };
      const ring = new ReplayRing(700);
      let store: ArrayStore | null = null;
      const stores: ArrayStore[] = [];
      let offset = 0;
      for (let i = 0; i < 3000; i++) {
        const op = rnd(20);
        if (op === 0 && !store) {
          store = new ArrayStore(ring.end, 700 + rnd(300), rnd(2) === 0);
          stores.push(store);
          expect(ring.useStore(store)).toBe(true);
        } else if (op === 1 && store) {
          ring.releaseStore();
          store = null;
        } else {
          const b = bytes(offset, rnd(200));
          store?.put(b);
          ring.append(b);
          offset += b.byteLength;
        }
        expect(ring.end).toBe(offset);
        expect(ring.start).toBe(Math.max(0, offset - 700));
        const from = ring.start + rnd(ring.size + 1);
        const max = rnd(900) + 1;
        const got = ring.readJoined(from, max);
        expect(got.byteLength).toBe(Math.min(max, ring.end - from));
        expect(Array.from(got)).toEqual(Array.from(bytes(from, got.byteLength)));
      }
      expect(stores.length).toBeGreaterThan(20);
      // Every store but the one in use was closed once the ring no longer needed it.
      expect(stores.filter((s) => !s.closed).length).toBeLessThanOrEqual(1);
    });
  });
});
