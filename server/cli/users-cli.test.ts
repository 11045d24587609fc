/** The operator's account commands on a real database file, with the gateway not running. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database';
import { UserService } from '../auth/users';
import { runUsersCli } from './users-cli';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tether-cli-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function cli(args: string[], stdin: string | null = null) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runUsersCli(args, { env: { DATA_DIR: dataDir }, readStdin: async () => stdin, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function withUsers<T>(fn: (users: UserService) => Promise<T> | T): Promise<T> {
  const dbh = await openDatabase(path.join(dataDir, 'tether.db'));
  return Promise.resolve(fn(new UserService(dbh))).finally(() => dbh.close());
}

describe('npm run tether -- user', () => {
  it('adds an admin with a password from stdin, a member with a generated one, and lists them', async () => {
    expect((await cli(['user', 'add', 'root-2', '--admin', '--email', 'R2@example.org'], 'piped-password-1\n')).code).toBe(0);
    const member = await cli(['user', 'add', 'mo']);
    expect(member.code).toBe(0);
    const generated = /Password \(shown once\): (\S+)/.exec(member.out)?.[1];
    expect(generated).toMatch(/^[A-Za-z0-9_-]{20}$/);
    await withUsers(async (users) => {
      expect((await users.verify('root-2', 'piped-password-1'))?.role).toBe('admin');
      expect((await users.verify('mo', generated!))?.role).toBe('user');
    });
    const list = await cli(['user', 'list']);
    expect(list.out).toMatch(/^mo\tmember\tactive/m);
    expect(list.out).toMatch(/^root-2\tadmin\tactive\tr2@example.org/m);
  });

  it('disables, enables, resets a password and changes a role; the last admin stays', async () => {
    await cli(['user', 'add', 'boss', '--admin'], 'boss-password-1');
    await cli(['user', 'add', 'kim'], 'kim-password-1');
    expect((await cli(['user', 'disable', 'kim'])).out).toBe('kim is now disabled.');
    await withUsers(async (users) => expect(await users.verify('kim', 'kim-password-1')).toBeNull());
    expect((await cli(['user', 'disable', 'kim'])).out).toBe('kim was already disabled.');
    expect((await cli(['user', 'enable', 'kim'])).code).toBe(0);
    expect((await cli(['user', 'reset-password', 'kim'], 'kim-password-2')).code).toBe(0);
    await withUsers(async (users) => expect(await users.verify('kim', 'kim-password-2')).not.toBeNull());

    const last = await cli(['user', 'disable', 'boss']);
    expect(last.code).toBe(1);
    expect(last.err).toMatch(/last admin/);
    expect((await cli(['user', 'set-role', 'kim', 'admin'])).out).toBe('kim is now an admin.');
    expect((await cli(['user', 'set-role', 'boss', 'member'])).code).toBe(0);
  });

  it('says clearly what is wrong: unknown user, bad name, short password, unknown command', async () => {
    expect(await cli(['user', 'disable', 'nobody'])).toMatchObject({ code: 1, err: 'tether: no user named nobody' });
    expect((await cli(['user', 'add', '../x'], 'long-enough-1')).err).toMatch(/user names use letters/);
    expect((await cli(['user', 'add', 'shorty'], 'short')).err).toMatch(/at least 8 characters/);
    expect((await cli(['user', 'frobnicate'])).err).toMatch(/unknown command "user frobnicate"/);
    expect((await cli(['user', 'add', 'x', '--bogus'])).code).toBe(2);
    expect((await cli(['user', 'set-role', 'nobody', 'root'])).code).toBe(1);
  });

  it('runs as `npm run tether` does (tsx server/cli/main.ts), reading the password from a pipe', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const run = (args: string[], input?: string) =>
      spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['server/cli/main.ts', ...args], { cwd: root, env: { ...process.env, DATA_DIR: dataDir }, input, encoding: 'utf8' });
    const add = run(['user', 'add', 'piped'], 'piped-password-9\n');
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(add.stdout).toBe('Created member "piped".\n');
    const list = run(['user', 'list']);
    expect(list.stdout).toMatch(/^piped\tmember\tactive/m);
    expect(run(['nonsense']).status).toBe(2);
  }, 180_000);
});
