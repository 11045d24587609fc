import { describe, expect, it } from 'vitest';
import { AgentPty } from './agent-pty';

describe('AgentPty', () => {
  it('keeps output and the exit that arrive before anyone listens (frames delivered in the same tick as OPENED)', async () => {
    const p = new AgentPty('echo');
    const h = p.handlers();
    h.onData(new TextEncoder().encode('early '));
    h.onData(new TextEncoder().encode('bytes'));
    h.onExit({ code: 0, signal: null });
    let text = '';
    p.onData((d) => (text += new TextDecoder().decode(d)));
    const exit = await new Promise((resolve) => p.onExit(resolve));
    expect(text).toBe('early bytes');
    expect(exit).toEqual({ code: 0, signal: null });
    h.onData(new TextEncoder().encode('!'));
    expect(text).toBe('early bytes!');
  });
});
