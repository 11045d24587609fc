import { describe, expect, it } from 'vitest';
import { createLogger } from './log';

function capture(level: 'debug' | 'info' = 'debug') {
  const lines: string[] = [];
  return { lines, log: createLogger({ level, write: (l) => lines.push(l) }) };
}

describe('logger', () => {
  it('writes one JSON object per line with level, time, message and fields', () => {
    const { lines, log } = capture();
    log.child({ component: 'x' }).info('hello', { n: 1 });
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]!);
    expect(rec).toMatchObject({ level: 'info', msg: 'hello', component: 'x', n: 1 });
    expect(new Date(rec.time).getTime()).toBeGreaterThan(0);
  });

  it('redacts secret-named fields at any depth, and token-shaped text anywhere', () => {
    const { lines, log } = capture();
    const token = 'tth_' + 'a'.repeat(43);
    const share = 'tsh_' + 'B'.repeat(43);
    log.child({ cookie: 'next-auth.session-token=abc' }).warn(`failed for ${share}`, {
      password: 'hunter2',
      nested: { apiToken: token, headers: { authorization: `Bearer ${token}` } },
      url: `/s/${share}?x=1`,
      note: `header was "Cookie: tether_share=gid.secretvalue; next-auth.session-token=eyJhbGciOi"`,
      key: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----',
      err: new Error(`request with Bearer ${token} failed`),
    });
    const out = lines.join('\n');
    for (const secret of ['hunter2', token.slice(4), share.slice(4), 'secretvalue', 'eyJhbGciOi', 'b3BlbnNzaC1rZXk', 'session-token=abc']) {
      expect(out).not.toContain(secret);
    }
    const rec = JSON.parse(lines[0]!);
    expect(rec.password).toBe('[redacted]');
    expect(rec.url).toBe('/s/tsh_[redacted]?x=1');
    expect(rec.msg).toBe('failed for tsh_[redacted]');
  });

  it('drops records below its level', () => {
    const { lines, log } = capture('info');
    log.debug('quiet');
    log.error('loud');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['loud']);
  });
});
