import { describe, expect, it } from 'vitest';
import { AgentNotifier, agentLabel, agentNotifications, agentUrl, exitText, showsToast, type AgentLike } from './notifications';

function row(over: Partial<AgentLike> & { sessionId: string }): AgentLike {
  return { name: '', command: 'bash', title: '', status: 'working', since: 1000, exit: null, attention: null, lines: [], ...over };
}

describe('agentNotifications', () => {
  it('says nothing about the first list, whatever it holds', () => {
    const first = [row({ sessionId: 'a', status: 'waiting', since: 5 }), row({ sessionId: 'b', status: 'exited', exit: { code: 1, signal: null } })];
    expect(agentNotifications(null, first)).toEqual([]);
  });

  it('tells when a session starts waiting, with its last line', () => {
    const prev = [row({ sessionId: 'a', name: 'claude', lines: ['thinking…'] })];
    const next = [row({ sessionId: 'a', name: 'claude', status: 'waiting', since: 2000, lines: ['Apply these changes? (y/n)', ''] })];
    expect(agentNotifications(prev, next)).toEqual([
      {
        key: 'waiting:2000:a',
        sessionId: 'a',
        kind: 'waiting',
        title: 'claude is waiting for you',
        body: 'Apply these changes? (y/n)',
        url: '/agents?s=a',
      },
    ]);
  });

  it('prefers what the program said when it asked for attention', () => {
    const prev = [row({ sessionId: 'a' })];
    const next = [row({ sessionId: 'a', status: 'waiting', since: 2, attention: { kind: 'notify', title: 'Claude', body: 'Needs approval' }, lines: ['> '] })];
    expect(agentNotifications(prev, next)[0]?.body).toBe('Needs approval');
  });

  it('tells when a session exits, with its code or signal', () => {
    const prev = [row({ sessionId: 'a', command: 'npm run build' }), row({ sessionId: 'b', name: 'tests' })];
    const next = [
      row({ sessionId: 'a', command: 'npm run build', status: 'exited', since: 9, exit: { code: 0, signal: null } }),
      row({ sessionId: 'b', name: 'tests', status: 'exited', since: 9, exit: { code: null, signal: 'SIGKILL' } }),
    ];
    expect(agentNotifications(prev, next).map((n) => [n.kind, n.title])).toEqual([
      ['exited', 'npm run build exited (code 0)'],
      ['exited', 'tests exited (signal SIGKILL)'],
    ]);
  });

  it('ignores working and idle, and statuses that did not change', () => {
    const prev = [row({ sessionId: 'a', status: 'waiting' }), row({ sessionId: 'b' })];
    const next = [row({ sessionId: 'a', status: 'waiting' }), row({ sessionId: 'b', status: 'idle', since: 7 })];
    expect(agentNotifications(prev, next)).toEqual([]);
  });

  it('counts a session new since the last list that already waits', () => {
    const next = [row({ sessionId: 'new', status: 'waiting', since: 3, lines: ['Password:'] })];
    expect(agentNotifications([], next).map((n) => n.sessionId)).toEqual(['new']);
  });
});

describe('AgentNotifier', () => {
  it('never repeats a transition, even when the stream starts over', () => {
    const n = new AgentNotifier();
    expect(n.update([row({ sessionId: 'a' })])).toEqual([]);
    const waiting = [row({ sessionId: 'a', status: 'waiting', since: 10 })];
    expect(n.update(waiting)).toHaveLength(1);
    expect(n.update(waiting)).toEqual([]);
    // A reconnected stream: an older list, then the same waiting transition again.
    expect(n.update([row({ sessionId: 'a' })])).toEqual([]);
    expect(n.update(waiting)).toEqual([]);
  });

  it('tells again when the session waits again later', () => {
    const n = new AgentNotifier();
    n.update([row({ sessionId: 'a' })]);
    expect(n.update([row({ sessionId: 'a', status: 'waiting', since: 10 })])).toHaveLength(1);
    expect(n.update([row({ sessionId: 'a', status: 'working', since: 20 })])).toEqual([]);
    expect(n.update([row({ sessionId: 'a', status: 'waiting', since: 30 })])).toHaveLength(1);
    expect(n.update([row({ sessionId: 'a', status: 'exited', since: 40, exit: { code: 2, signal: null } })])[0]?.title).toBe('bash exited (code 2)');
  });

  it('does not announce later what was on screen from the start', () => {
    const n = new AgentNotifier();
    const waiting = [row({ sessionId: 'a', status: 'waiting', since: 10 })];
    expect(n.update(waiting)).toEqual([]);
    expect(n.update([])).toEqual([]);
    expect(n.update(waiting)).toHaveLength(1); // gone and back is a new appearance
  });
});

describe('labels', () => {
  it('names a session by name, title, then command', () => {
    expect(agentLabel({ name: 'claude', title: 'x', command: 'y' })).toBe('claude');
    expect(agentLabel({ name: ' ', title: 'vim', command: 'y' })).toBe('vim');
    expect(agentLabel({ name: '', title: '', command: 'bash -l' })).toBe('bash -l');
  });
  it('describes an exit and builds the link', () => {
    expect(exitText(null)).toBe('');
    expect(exitText({ code: 0, signal: null })).toBe('code 0');
    expect(exitText({ code: null, signal: 'SIGTERM' })).toBe('signal SIGTERM');
    expect(agentUrl('a b')).toBe('/agents?s=a%20b');
  });
});

describe('showsToast', () => {
  const n = { sessionId: 's1' };
  it('hides the toast of the terminal on the screen of a visible, focused page', () => {
    expect(showsToast(n, { openSessionId: 's1', visible: true, focused: true })).toBe(false);
  });

  it('shows it for any other terminal, and on the list', () => {
    expect(showsToast(n, { openSessionId: 's2', visible: true, focused: true })).toBe(true);
    expect(showsToast(n, { openSessionId: null, visible: true, focused: true })).toBe(true);
  });

  it('shows it when the page is hidden or not focused', () => {
    expect(showsToast(n, { openSessionId: 's1', visible: false, focused: true })).toBe(true);
    expect(showsToast(n, { openSessionId: 's1', visible: true, focused: false })).toBe(true);
  });
});
