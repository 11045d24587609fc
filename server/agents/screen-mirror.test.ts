/** ScreenMirror on a session fed by the echo runtime's PTY (a test double of the program). */
import headless from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { TerminalSession } from '../core/session';
import { EchoPty } from '../runtimes/echo/echo-runtime';
import { MAX_CATCH_UP_BYTES, ScreenMirror } from './screen-mirror';

const { Terminal } = headless;

function makeSession(cols = 80, rows = 24, ringBytes = 2 * 1024 * 1024) {
  const pty = new EchoPty({ cols, rows });
  const session = new TerminalSession({ id: 's', userId: 'u', workspaceId: 'w', command: 'x', createdAt: 0 }, pty, {
    highWater: 1 << 30,
    lowWater: 1 << 29,
    ringBytes,
    cols,
    rows,
  });
  return { pty, session };
}

/** What a blank terminal shows after being fed `data` (the reference screen). */
async function screenOf(data: string | Uint8Array, cols: number, rows: number): Promise<string[]> {
  const t = new Terminal({ cols, rows, allowProposedApi: true });
  await new Promise<void>((r) => t.write(data, r));
  const b = t.buffer.active;
  const lines = Array.from({ length: rows }, (_, y) => b.getLine(b.baseY + y)?.translateToString(true) ?? '');
  t.dispose();
  return lines;
}

/** A full-screen program: alternate screen, a box drawn by cursor addressing, then updates in place. */
function tuiFrames(frames: number): string {
  let out = '\x1b[?1049h\x1b[2J\x1b[H';
  for (let f = 0; f < frames; f++) {
    out += `\x1b[1;1H\x1b[7m status: frame ${f} \x1b[0m`;
    for (let y = 3; y <= 20; y++) out += `\x1b[${y};5H\x1b[3${y % 8}mrow ${y} of frame ${f}\x1b[K`;
  }
  return out + '\x1b[22;1H> ';
}

describe('ScreenMirror', () => {
  it('snapshots a full-screen program into a few KB that redraw the same screen', async () => {
    const { pty, session } = makeSession();
    const stream = tuiFrames(400);
    pty.emit(stream);
    const mirror = new ScreenMirror(session);
    const snap = await mirror.snapshot();
    expect(snap.offset).toBe(session.ring.end);
    expect(snap.data.length).toBeLessThan(session.ring.size / 20);
    expect(await screenOf(snap.data, 80, 24)).toEqual(await screenOf(stream, 80, 24));
    mirror.dispose();
  });

  it('catches up incrementally, and continuing from the snapshot offset gives the live screen', async () => {
    const { pty, session } = makeSession();
    pty.emit('line one\r\nline two\r\n');
    const mirror = new ScreenMirror(session);
    expect(await mirror.lastLines(5)).toEqual(['line one', 'line two']);
    const snap = await mirror.snapshot();
    pty.emit('Proceed with the change? (y/n) ');
    expect(await mirror.lastLines(2)).toEqual(['line two', 'Proceed with the change? (y/n)']);
    const tail = new TextDecoder().decode(session.ring.readJoined(snap.offset));
    expect(await screenOf(snap.data + tail, 80, 24)).toEqual(await screenOf('line one\r\nline two\r\nProceed with the change? (y/n) ', 80, 24));
    mirror.dispose();
  });

  it('rebuilds from the newest output when too much arrived since the last look', async () => {
    const { pty, session } = makeSession(80, 24, 4 * MAX_CATCH_UP_BYTES);
    const mirror = new ScreenMirror(session);
    await mirror.catchUp();
    let big = '';
    for (let i = 0; big.length < 2 * MAX_CATCH_UP_BYTES; i++) big += `output line ${i}\r\n`;
    pty.emit(big);
    pty.emit('last words\r\n$ ');
    const lines = await mirror.lastLines(2);
    expect(lines).toEqual(['last words', '$']);
    mirror.dispose();
  });
});
