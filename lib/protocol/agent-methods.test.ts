/** The agent method table: every method's params and result survive a CALL/REPLY round trip and
 * pass their schemas; bad ones do not. (The agent refusing bad params on a link: server/worker/agent.test.ts.) */
import { describe, expect, it } from 'vitest';
import {
  AGENT_METHODS,
  decodeAgentParams,
  decodeAgentResult,
  decodeCall,
  decodeNotice,
  decodeReply,
  encodeCall,
  encodeNotice,
  encodeReply,
  isAgentMethod,
  type AgentMethod,
  type AgentNotice,
  type ParamsOf,
  type ResultOf,
} from './index';

const stat = { type: 'file', size: 12, mtime: 1_700_000_000_000, mode: 0o644 } as const;

/** A typical call of every method (a missing method does not compile). */
const typical: { [M in AgentMethod]: { params: ParamsOf<M>; result: ResultOf<M> } } = {
  health: { params: {}, result: { ok: false, detail: '/w is not a directory' } },
  exec: { params: { argv: ['git', 'status', '-z'], cwd: 'src', timeoutMs: 5000, maxOutputBytes: 1 << 20 }, result: { code: 0, signal: null, stdoutBytes: 3 } },
  'fs.readdir': { params: { path: '' }, result: [{ name: 'src', type: 'dir' }, { name: 'a.txt', type: 'file' }] },
  'fs.stat': { params: { path: 'a.txt', workspace: 'ws-1' }, result: stat },
  'fs.statEntries': { params: { path: 'src', names: ['a', 'b'] }, result: [stat, null] },
  'fs.mkdir': { params: { path: 'new' }, result: undefined },
  'fs.rm': { params: { path: 'old' }, result: undefined },
  'fs.rename': { params: { from: 'a', to: 'b' }, result: undefined },
  'fs.readOpen': { params: { path: 'a.txt' }, result: { handle: 3, size: 12 } },
  'fs.readChunk': { params: { handle: 3 }, result: { eof: false } },
  'fs.close': { params: { handle: 3 }, result: null },
  'fs.writeOpen': { params: { path: 'b.txt', exclusive: true, maxBytes: 1024 }, result: { handle: 4 } },
  'fs.writeChunk': { params: { handle: 4 }, result: null },
  'fs.writeCommit': { params: { handle: 4 }, result: stat },
  'fs.watch': { params: { workspace: 'ws-1' }, result: { watch: 5 } },
  'fs.unwatch': { params: { watch: 5 }, result: null },
  'fs.readable': { params: { paths: ['a.txt', 'b.txt'] }, result: [true, false] },
  'workspaces.bind': {
    params: { workspace: 'ws-1', root: '/home/me/p', limits: { memoryMb: 512 }, env: { TERM: 'xterm-256color' } },
    result: { root: '/home/me/p', limits: { mechanism: 'systemd', applied: ['memory 512 MB'], unsupported: [] } },
  },
  'sessions.list': {
    params: { workspace: 'ws-1' },
    result: [{ id: 's1', name: '', title: 'bash', command: 'bash', cols: 80, rows: 24, createdAt: 1, exited: null, pid: 42, end: 100 }],
  },
  'links.claim': { params: { id: 'abc' }, result: null },
  'agent.info': { params: {}, result: { pid: 42, running: 1, links: 2 } },
  'terminals.lend': { params: { channel: 3, record: { pid: 41, fd: 30, bytes: 8 << 20 } }, result: { pid: 42, fd: 27, offset: 4096 } },
  'terminals.return': { params: { channel: 3 }, result: null },
  'terminals.ring': { params: { channel: 3, file: { pid: 41, fd: 31, bytes: 10 << 20 } }, result: { pid: 42, fd: 28, ino: 1234, bytes: 10 << 20, from: 4096 } },
};

describe('agent methods', () => {
  it.each(Object.keys(AGENT_METHODS) as AgentMethod[])('%s: params and result round-trip through CALL and REPLY', (method) => {
    const { params, result } = typical[method];
    const tail = new Uint8Array([1, 2, 3]);
    const call = decodeCall(encodeCall(7, method, params as never, tail));
    expect(call?.body.method).toBe(method);
    expect([...call!.tail]).toEqual([1, 2, 3]);
    expect(isAgentMethod(call!.body.method)).toBe(true);
    expect(decodeAgentParams(method, call!.body.params)).toEqual({ ok: true, value: params });

    const reply = decodeReply(encodeReply(7, { ok: true, result }, tail));
    expect(reply?.body.ok).toBe(true);
    expect(decodeAgentResult(method, reply!.body.ok ? reply!.body.result : null)).toEqual({ ok: true, value: result });
  });

  it('keeps the CALL bytes as they were: {method, params} JSON after the id and length', () => {
    const bytes = encodeCall(1, 'fs.stat', { path: 'a' });
    expect(new TextDecoder().decode(bytes.subarray(13))).toBe('{"method":"fs.stat","params":{"path":"a"}}');
  });

  it('refuses params of the wrong shape or size, naming the field', () => {
    const bad: [AgentMethod, unknown][] = [
      ['fs.stat', { path: 42 }],
      ['fs.stat', {}],
      ['fs.rename', { from: 'a' }],
      ['exec', { argv: ['ls', 3] }],
      ['exec', { argv: 'ls' }],
      ['fs.readChunk', { handle: 'x' }],
      ['fs.readable', { paths: Array.from({ length: 10_001 }, (_, i) => `f${i}`) }],
      ['fs.stat', { path: 'x'.repeat(5000) }],
      ['workspaces.bind', { root: '/p' }],
      ['fs.stat', 'a.txt'],
    ];
    for (const [method, params] of bad) {
      const r = decodeAgentParams(method, params);
      expect(r.ok, `${method} ${JSON.stringify(params).slice(0, 60)}`).toBe(false);
      if (!r.ok) expect(r.message).toMatch(new RegExp(`^bad params for ${method.replace('.', '\\.')}`));
    }
    const r = decodeAgentParams('fs.stat', { path: 42 });
    expect(!r.ok && r.message).toMatch(/path/);
  });

  it('ignores fields it does not know (a newer gateway talking to an older agent)', () => {
    expect(decodeAgentParams('fs.stat', { path: 'a', later: true })).toEqual({ ok: true, value: { path: 'a' } });
  });

  it('refuses results of the wrong shape', () => {
    expect(decodeAgentResult('agent.info', { pid: 'x' }).ok).toBe(false);
    expect(decodeAgentResult('fs.readdir', [{ name: 'a', type: 'folder' }]).ok).toBe(false);
    expect(decodeAgentResult('fs.readOpen', { handle: 1 }).ok).toBe(false);
    expect(decodeAgentResult('fs.close', { eof: true }).ok).toBe(false);
    // A pty host started by an earlier gateway lists terminals with fewer fields.
    expect(decodeAgentResult('sessions.list', [{ id: 's', command: 'sh', cols: 80, rows: 24, createdAt: 1 }]).ok).toBe(true);
  });

  it('knows only its own methods', () => {
    expect(isAgentMethod('fs.stat')).toBe(true);
    expect(isAgentMethod('fs.nope')).toBe(false);
    expect(isAgentMethod('toString')).toBe(false);
  });

  it('checks notices', () => {
    const n: AgentNotice = { type: 'fs', watch: 5, events: [{ type: 'add', path: 'a.txt' }] };
    expect(decodeNotice(encodeNotice(n))).toEqual(n);
    const ended: AgentNotice = { type: 'give-back', channel: 3 };
    expect(decodeNotice(encodeNotice(ended))).toEqual(ended);
    expect(decodeNotice(encodeNotice({ type: 'give-back', channel: 0 } as never))).toBeNull();
    expect(decodeNotice(encodeNotice({ type: 'fs', watch: 5, events: [{ type: 'moved', path: 'a' }] } as never))).toBeNull();
  });
});
