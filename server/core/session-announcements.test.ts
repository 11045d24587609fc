/**
 * Titles, bells and notifications: found by scanning the output where the PTY is read, or — for
 * a terminal in a worker agent — taken from the agent's announcements, without scanning the same
 * bytes again in the gateway.
 */
import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../lib/protocol';
import type { PtyProcess, TerminalAnnouncement } from '../runtimes/runtime';
import { ScriptedPty } from '../testing/scripted-pty';
import { TerminalSession, type SessionViewer } from './session';

class FakePty extends ScriptedPty {
  private announced: ((e: TerminalAnnouncement) => void)[] = [];
  events?: PtyProcess['events'];
  constructor(relaysAnnouncements: boolean, title = '') {
    super();
    if (relaysAnnouncements) this.events = { title, listen: (l) => this.announced.push(l) };
  }
  announce(e: TerminalAnnouncement) {
    for (const l of this.announced) l(e);
  }
}

function viewer(events: SessionEvent[]): SessionViewer {
  return { acked: 0, onOutput() {}, onExit() {}, onResize() {}, onEvent: (e) => events.push(e), onClosed() {} };
}

function session(pty: FakePty) {
  return new TerminalSession({ id: 's', userId: 'u', workspaceId: 'w', command: 'fake', createdAt: 0 }, pty, { highWater: 1e6, lowWater: 1e5, ringBytes: 1 << 16, cols: 80, rows: 24 });
}

describe('session announcements', () => {
  it('scans output it reads itself for titles, bells and notifications', () => {
    const pty = new FakePty(false);
    const s = session(pty);
    const events: SessionEvent[] = [];
    s.attach(viewer(events));
    pty.print('\x1b]0;build 1/3\x07hello\x07\x1b]9;done\x07');
    expect(s.title).toBe('build 1/3');
    expect(events).toEqual([{ type: 'title', title: 'build 1/3' }, { type: 'notify', body: 'done' }]);
    expect(s.attention?.kind).toBe('notify');
  });

  it('takes an agent-backed terminal’s title and attention from its announcements and does not scan its bytes', () => {
    const pty = new FakePty(true, 'from the agent');
    const s = session(pty);
    const events: SessionEvent[] = [];
    s.attach(viewer(events));
    expect(s.title).toBe('from the agent');
    pty.print('\x1b]0;not scanned here\x07\x07');
    expect(s.title).toBe('from the agent');
    expect(events).toEqual([]);
    pty.announce({ type: 'title', title: 'vim' });
    pty.announce({ type: 'bell' });
    pty.announce({ type: 'bell' }); // within 250 ms of the last: one bell
    expect(s.title).toBe('vim');
    expect(events).toEqual([{ type: 'title', title: 'vim' }, { type: 'bell' }]);
    expect(s.attention?.kind).toBe('bell');
  });
});
