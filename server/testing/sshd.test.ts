/**
 * The throwaway sshd fixture, driven by the ssh2 client the SSH runtime uses: host key and
 * fingerprint, exec and PTY sessions, key auth (plain, encrypted, refused), login counting, and
 * stop/start/rotate semantics (existing connections and their session processes die with stop()).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type ConnectConfig } from 'ssh2';
import { startSshd, type TestSshd } from './sshd';

let sshd: TestSshd;

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.close();
});

const fingerprintOf = (key: Buffer) => 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');

/** Connect with the fixture's client key, accepting only the fixture's current host key. */
function connect(overrides: Partial<ConnectConfig> = {}): Promise<Client> {
  const expected = sshd.hostKeyFingerprint();
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.clientKey,
      hostVerifier: (key: Buffer) => fingerprintOf(key) === expected,
      readyTimeout: 5_000,
      ...overrides,
    });
  });
}

function exec(client: Client, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let out = '';
      stream.on('data', (d: Buffer) => (out += d));
      stream.stderr.on('data', (d: Buffer) => (out += d));
      stream.on('close', () => resolve(out));
    });
  });
}

/** Running and not a zombie (this machine's init reaps orphans lazily). */
const isAlive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('sshd fixture', () => {
  it('serves exec sessions as the login user, behind the advertised host key', async () => {
    expect(sshd.hostKeyLine()).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
    expect(fingerprintOf(Buffer.from(sshd.hostKeyLine().split(' ')[1]!, 'base64'))).toBe(sshd.hostKeyFingerprint());
    const client = await connect();
    expect(await exec(client, 'echo hi; id -un')).toBe(`hi\n${sshd.user}\n`);
    client.end();
  });

  it('allocates a PTY for an interactive shell', async () => {
    const client = await connect();
    const output = await new Promise<string>((resolve, reject) => {
      client.shell({ term: 'xterm', cols: 80, rows: 24 }, (err, stream) => {
        if (err) return reject(err);
        let out = '';
        stream.on('data', (d: Buffer) => {
          out += d;
          // The echoed command line is "echo pty-ok"; the output line is "pty-ok" on its own.
          if (/(^|\n)pty-ok\r?\n/.test(out)) resolve(out);
        });
        stream.on('close', () => reject(new Error(`shell closed; output: ${out}`)));
        stream.write('tty; echo pty-ok\n');
      });
    });
    expect(output).toMatch(/\/dev\/pts\/\d+/);
    client.end();
  });

  it('accepts the encrypted key with its passphrase and refuses a stranger key', async () => {
    const client = await connect({ privateKey: sshd.encryptedKey, passphrase: sshd.passphrase });
    expect(await exec(client, 'echo enc')).toBe('enc\n');
    client.end();
    await expect(connect({ privateKey: sshd.strangerKey })).rejects.toMatchObject({ level: 'client-authentication' });
  });

  it('counts accepted logins', async () => {
    const before = sshd.acceptedLogins();
    const client = await connect();
    expect(sshd.acceptedLogins()).toBe(before + 1);
    expect(sshd.log()).toContain(`Accepted publickey for ${sshd.user}`);
    client.end();
  });

  it('makes remote dirs the login user can write', async () => {
    const dir = await sshd.makeRemoteDir('ws');
    expect(dir.startsWith(sshd.dir + '/')).toBe(true);
    const client = await connect();
    expect(await exec(client, `touch ${dir}/f && stat -c %U ${dir}/f`)).toBe(`${sshd.user}\n`);
    client.end();
  });

  it('stop() drops live connections and their sessions; start() serves the same port again', async () => {
    const port = sshd.port;
    const client = await connect();
    // A long-running session process; its pid is printed first.
    const sessionPid = await new Promise<number>((resolve, reject) => {
      client.exec('echo $$; exec sleep 300', (err, stream) => {
        if (err) return reject(err);
        stream.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      });
    });
    expect(isAlive(sessionPid)).toBe(true);
    client.on('error', () => {}); // the drop may surface as ECONNRESET; 'close' is what matters
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));

    await sshd.stop();
    await closed;
    expect(isAlive(sessionPid)).toBe(false);
    await expect(connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await sshd.stop(); // idempotent

    await sshd.start();
    expect(sshd.port).toBe(port);
    const again = await connect();
    expect(await exec(again, 'echo back')).toBe('back\n');
    again.end();
  });

  it('rotateHostKey() serves a new host key that the old pin rejects', async () => {
    const oldFingerprint = sshd.hostKeyFingerprint();
    await sshd.rotateHostKey();
    expect(sshd.hostKeyFingerprint()).not.toBe(oldFingerprint);
    await expect(connect({ hostVerifier: (key: Buffer) => fingerprintOf(key) === oldFingerprint })).rejects.toThrow();
    const client = await connect();
    expect(await exec(client, 'echo rotated')).toBe('rotated\n');
    client.end();
  });
});
