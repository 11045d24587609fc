/**
 * Output coalescing is per channel: a channel that streams waits for its next slot, while a
 * sibling's small output (a keystroke's echo) leaves in the same loop turn — on a browser socket
 * holding many terminals, and on an agent link carrying all of a gateway's terminals.
 */
import { describe, expect, it, vi } from 'vitest';
import { encodeInput } from '../../lib/protocol';
import { DEFAULT_LIMITS } from '../config';
import type { EchoPty } from '../runtimes/echo/echo-runtime';
import { echoChannels } from '../testing/test-socket';
import { COALESCE_WINDOW_SHARE, OUTPUT_COALESCE_MS } from './connection';

const turn = () => new Promise((r) => setImmediate(r));

describe('output coalescing', () => {
  it('lets a small echo on one channel out at once while a sibling streaming on the same socket waits for its slot', async () => {
    const { ws, ptys } = await echoChannels(2, DEFAULT_LIMITS);
    const [flood] = ptys as [EchoPty];

    // The coalescing clock and its timer are faked (not setImmediate, which `turn` and the pumps
    // use): a loaded machine could otherwise take the 5 ms between two lines of this test.
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
    try {
      flood.emit(new Uint8Array(64 * 1024).fill(0x61));
      await turn();
      expect(ws.outputs.map((o) => o.channel)).toEqual([1]); // the first large flush goes at once

      vi.advanceTimersByTime(1);
      flood.emit(new Uint8Array(64 * 1024).fill(0x62)); // streaming now: waits for its slot
      ws.receive(encodeInput(2, 'k')); // the echo pty answers at once
      await turn();
      await turn();
      expect(ws.outputs.map((o) => o.channel)).toEqual([1, 2]); // the echo did not wait

      vi.advanceTimersByTime(OUTPUT_COALESCE_MS - 2);
      await turn();
      expect(ws.outputs).toHaveLength(2); // its slot has not come yet
      vi.advanceTimersByTime(1);
      await turn();
      expect(ws.outputs.map((o) => o.channel)).toEqual([1, 2, 1]); // and then it went
    } finally {
      vi.useRealTimers();
    }
  });

  it("sends a streaming channel's output before its slot once a quarter of its window could go, not while the window is nearly shut", async () => {
    const { ws, ptys } = await echoChannels(1, DEFAULT_LIMITS);
    const [flood] = ptys as [EchoPty];
    const KiB = 1024;
    const share = DEFAULT_LIMITS.highWater * COALESCE_WINDOW_SHARE;
    expect(share).toBe(128 * KiB);
    const sent = () => ws.outputs.reduce((n, o) => n + o.bytes, 0);
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
    try {
      flood.emit(new Uint8Array(64 * KiB));
      await turn();
      expect(sent()).toBe(64 * KiB);
      vi.advanceTimersByTime(1);
      flood.emit(new Uint8Array(64 * KiB)); // streaming: waits for its slot
      await turn();
      expect(sent()).toBe(64 * KiB);
      flood.emit(new Uint8Array(64 * KiB)); // a quarter of the window waits: it goes now
      await turn();
      expect(sent()).toBe(192 * KiB);
      flood.emit(new Uint8Array(300 * KiB));
      await turn();
      expect(sent()).toBe(492 * KiB); // nothing acknowledged: 20 KiB of the window left
      flood.emit(new Uint8Array(200 * KiB)); // more than a quarter waits, but only 20 KiB could go
      await turn();
      expect(sent()).toBe(492 * KiB);
      vi.advanceTimersByTime(OUTPUT_COALESCE_MS);
      await turn();
      expect(sent()).toBe(512 * KiB); // its slot: what the window allows
    } finally {
      vi.useRealTimers();
    }
  });
});
