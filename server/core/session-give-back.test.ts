/**
 * A terminal lent to a viewer (the gateway reads its PTY) and given back: the bytes the viewer
 * read come into the ring only when something needs them — a later viewer's replay, the
 * program's next output, its title — and the record is closed either way.
 */
import { describe, expect, it } from 'vitest';
import { ScriptedPty } from '../testing/scripted-pty';
import { TerminalSession, type LentReading, type SessionViewer } from './session';

class LendablePty extends ScriptedPty {
  lentTo: (() => void) | null = null;
  givenBack = 0;
  lend(ended: () => void) {
    this.lentTo = ended;
    return 42;
  }
  giveBack() {
    this.givenBack++;
  }
}

/** What the borrower read, from stream offset `from`. */
function record(from: number, text: string) {
  const state = { recovered: 0, closed: 0 };
  const bytes = new TextEncoder().encode(text);
  const lent: LentReading = {
    recall() {},
    end: () => from + bytes.byteLength,
    recover(at) {
      state.recovered++;
      return { end: from + bytes.byteLength, data: [bytes.subarray(at - from)] };
    },
    close() {
      state.closed++;
    },
  };
  return { lent, state };
}

function viewer(): SessionViewer & { outputs: number } {
  const v = { acked: 0, outputs: 0, onOutput: () => void v.outputs++, onExit() {}, onResize() {}, onEvent() {}, onClosed() {} };
  return v;
}

function session(pty: LendablePty) {
  return new TerminalSession({ id: 's', userId: 'u', workspaceId: 'w', command: 'fake', createdAt: 0 }, pty, { highWater: 1e6, lowWater: 1e5, ringBytes: 1 << 16, cols: 80, rows: 24 });
}

const text = (s: TerminalSession, from: number) => new TextDecoder().decode(s.ring.readJoined(from));

describe('a lent terminal given back', () => {
  it('answers where the borrower got to without copying its bytes, and closes the record when forgotten', () => {
    const pty = new LendablePty();
    const s = session(pty);
    const borrower = viewer();
    s.attach(borrower);
    pty.print('before ');
    const { lent, state } = record(7, 'read by the gateway');
    expect(s.lend(borrower, lent)).toBe(42);
    expect(s.giveBack(borrower)).toBe(7 + 19);
    expect(pty.givenBack).toBe(1);
    expect(s.ring.end).toBe(26);
    expect(state).toEqual({ recovered: 0, closed: 0 });
    s.close();
    expect(state).toEqual({ recovered: 0, closed: 1 });
  });

  it('takes the bytes in for a later viewer, once, and before the program’s next output', () => {
    const pty = new LendablePty();
    const s = session(pty);
    const borrower = viewer();
    s.attach(borrower);
    pty.print('before ');
    const { lent, state } = record(7, '\x1b]0;from the record\x07read there ');
    s.lend(borrower, lent);
    s.giveBack(borrower);
    pty.print('and after');
    expect(state).toEqual({ recovered: 1, closed: 1 });
    expect(text(s, 0)).toBe('before \x1b]0;from the record\x07read there and after');
    expect(s.title).toBe('from the record');
    const later = viewer();
    s.attach(later);
    s.close();
    expect(state.closed).toBe(1);
  });

  it('keeps a title set in the given-back bytes for later viewers without reading the ring', () => {
    const pty = new LendablePty();
    const s = session(pty);
    const borrower = viewer();
    s.attach(borrower);
    const other = viewer();
    const { lent, state } = record(0, '\x1b]2;agent: done\x07');
    s.lend(borrower, lent);
    s.attach(other); // a second viewer: the terminal is recalled ...
    s.giveBack(borrower); // ... and given back; that viewer is told there is output to send
    expect(other.outputs).toBe(1);
    expect(state.recovered).toBe(0);
    expect(s.summary().title).toBe('agent: done');
    expect(state).toEqual({ recovered: 1, closed: 1 });
  });
});

describe('holding the output for a lend', () => {
  it('stops reading until released; flow control resuming meanwhile does not start it', () => {
    const pty = new (class extends LendablePty {
      reading = true;
      override pause() {
        this.reading = false;
      }
      override resume() {
        this.reading = true;
      }
    })();
    const s = new TerminalSession({ id: 's', userId: 'u', workspaceId: 'w', command: 'fake', createdAt: 0 }, pty, { highWater: 10, lowWater: 5, ringBytes: 1 << 16, cols: 80, rows: 24 });
    const v = { ...viewer(), acked: 0 };
    s.attach(v);
    const release = s.holdOutput();
    expect(pty.reading).toBe(false);
    // Flow control pauses (20 bytes unacknowledged) and resumes (acknowledged): still held.
    pty.print('x'.repeat(20));
    s.updateFlow();
    v.acked = 20;
    s.updateFlow();
    expect(pty.reading).toBe(false);
    release();
    expect(pty.reading).toBe(true);
    release(); // once only
    // Released while flow control has it paused: it stays paused until acknowledged.
    pty.print('y'.repeat(20));
    s.updateFlow();
    const again = s.holdOutput();
    again();
    expect(pty.reading).toBe(false);
    v.acked = 40;
    s.updateFlow();
    expect(pty.reading).toBe(true);
  });
});
