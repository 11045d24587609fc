import { describe, expect, it } from 'vitest';
import { configAliases, parseHostSpec, resolveTarget } from './ssh-target';

const CONFIG = `
Host bastion
  HostName 10.0.0.1
  User jumper
  Port 2200

Host dev
  HostName dev.internal
  Port 2222
  ProxyJump bastion
  IdentityFile ~/.ssh/dev_key

Host *.corp
  User corpuser
  ProxyJump alice@gw.corp:22,bastion

Host *
  User fallback
  IdentityFile ~/.ssh/id_default
`;

const opts = { configText: CONFIG, home: '/home/me', defaultUser: 'me' };

describe('parseHostSpec', () => {
  it('reads user, host and port, IPv6 in brackets', () => {
    expect(parseHostSpec('alice@example.com:2222')).toEqual({ user: 'alice', host: 'example.com', port: 2222 });
    expect(parseHostSpec('example.com')).toEqual({ user: undefined, host: 'example.com', port: undefined });
    expect(parseHostSpec('bob@[::1]:22')).toEqual({ user: 'bob', host: '::1', port: 22 });
  });

  it('refuses what is not plainly a host', () => {
    for (const bad of ['a b', 'host;rm -rf', '-oProxyCommand=x', '-oFoo', 'x@host:99999', '@host', 'u@', '$(id)@h']) {
      expect(() => parseHostSpec(bad), bad).toThrow();
    }
  });
});

describe('resolveTarget', () => {
  it('resolves an alias with HostName, Port, IdentityFile and a ProxyJump alias', () => {
    expect(resolveTarget('dev', opts)).toEqual({
      alias: 'dev',
      host: 'dev.internal',
      port: 2222,
      username: 'fallback', // from the wildcard section
      identityFiles: ['/home/me/.ssh/dev_key', '/home/me/.ssh/id_default'],
      jumps: [{ host: '10.0.0.1', port: 2200, username: 'jumper', identityFiles: ['/home/me/.ssh/id_default'] }],
    });
  });

  it('applies wildcard sections to typed hosts, a typed user and port winning', () => {
    const t = resolveTarget('bob@build.corp:2022', opts);
    expect(t).toMatchObject({ host: 'build.corp', port: 2022, username: 'bob' });
    expect(t.alias).toBeUndefined();
    expect(t.jumps.map((j) => `${j.username}@${j.host}:${j.port}`)).toEqual(['alice@gw.corp:22', 'jumper@10.0.0.1:2200']);
  });

  it('uses the default user and port 22 without a config', () => {
    expect(resolveTarget('plain.example', { configText: '', defaultUser: 'me', home: '/h' })).toEqual({ host: 'plain.example', port: 22, username: 'me', identityFiles: [], jumps: [] });
  });

  it('lists concrete aliases only', () => {
    expect(configAliases(CONFIG)).toEqual(['bastion', 'dev']);
  });
});
