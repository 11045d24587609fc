/** AgentFs.readable: one fs.readable call, and opening file by file with an agent from before it. */
import { describe, expect, it } from 'vitest';
import type { AgentClient } from './agent-client';
import { AgentFs } from './agent-fs';

/** An agent that knows only the calls in `answers` (and says "unknown method" otherwise, as agents do). */
function fakeAgent(answers: Record<string, (params: Record<string, unknown>) => unknown>): { agent: AgentClient; calls: string[] } {
  const calls: string[] = [];
  const agent = {
    async call(method: string, params: Record<string, unknown>) {
      calls.push(method);
      const answer = answers[method];
      if (!answer) throw Object.assign(new Error(`unknown method ${JSON.stringify(method)}`), { code: 'bad_request' });
      return { result: answer(params), tail: new Uint8Array() };
    },
  } as unknown as AgentClient;
  return { agent, calls };
}

describe('AgentFs.readable', () => {
  it('asks the agent once for the whole list', async () => {
    const { agent, calls } = fakeAgent({ 'fs.readable': (p) => (p.paths as string[]).map((x) => x === 'ok.txt') });
    expect(await new AgentFs(agent, () => {}).readable(['ok.txt', 'linked.txt'])).toEqual([true, false]);
    expect(calls).toEqual(['fs.readable']);
  });

  it('opens and closes each file, reading nothing, when the agent predates fs.readable', async () => {
    let handles = 0;
    const { agent, calls } = fakeAgent({
      'fs.readOpen': (p) => {
        if (p.path !== 'ok.txt') throw Object.assign(new Error('"linked.txt" has 2 hard links'), { code: 'bad_path' });
        return { handle: ++handles, size: 3 };
      },
      'fs.close': () => null,
    });
    expect(await new AgentFs(agent, () => {}).readable(['ok.txt', 'linked.txt'])).toEqual([true, false]);
    expect(calls.filter((c) => c === 'fs.readChunk')).toEqual([]);
    expect(calls.filter((c) => c === 'fs.close')).toHaveLength(1);
  });

  it('passes other failures on (a dropped link is not "nothing is readable")', async () => {
    const agent = { call: () => Promise.reject(Object.assign(new Error('the link dropped'), { code: 'unavailable' })) } as unknown as AgentClient;
    await expect(new AgentFs(agent, () => {}).readable(['a'])).rejects.toThrow(/dropped/);
  });
});
