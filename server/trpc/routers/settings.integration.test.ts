/**
 * Per-user settings through the real gateway (tRPC over HTTP, a real SQLite file): defaults,
 * partial updates that persist (across a gateway restart too), one user's settings invisible to
 * another, bounded values and unknown keys refused with a sentence that names them. Also the
 * status bar's git branch, read through the workspace's runtime.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../../lib/shared/settings';
import { startTestGateway, type TestGateway } from '../../testing/test-gateway';
import { trpcCall } from '../../testing/trpc-call';

let gw: TestGateway;
let bobToken: string;
const call = <T = unknown>(p: string, input: unknown, mutation = false, token = gw.token) => trpcCall<T>(gw.url, p, { token, input, mutation });

beforeAll(async () => {
  gw = await startTestGateway({ ptyHost: false });
  const bob = await gw.tether.users.create('bob', 'bob-password-123', 'user');
  bobToken = (await gw.tether.tokens.create(bob.id, 'bob')).token;
});
afterAll(async () => {
  await gw?.dispose();
});

describe('settings', () => {
  it('starts at the defaults, keeps what changed and leaves the rest alone', async () => {
    expect((await call<Settings>('settings.get', undefined)).data).toEqual(DEFAULT_SETTINGS);
    const updated = await call<Settings>('settings.update', { theme: 'light', terminalFontSize: 18 }, true);
    expect(updated.error).toBeUndefined();
    expect(updated.data).toEqual({ ...DEFAULT_SETTINGS, theme: 'light', terminalFontSize: 18 });
    const again = await call<Settings>('settings.update', { terminalCursorStyle: 'bar' }, true);
    expect(again.data).toEqual({ ...DEFAULT_SETTINGS, theme: 'light', terminalFontSize: 18, terminalCursorStyle: 'bar' });
    expect((await call<Settings>('settings.get', undefined)).data).toEqual(again.data);
  });

  it("are each user's own", async () => {
    expect((await call<Settings>('settings.get', undefined, false, bobToken)).data).toEqual(DEFAULT_SETTINGS);
    await call('settings.update', { theme: 'dark' }, true, bobToken);
    expect((await call<Settings>('settings.get', undefined)).data?.theme).toBe('light');
    expect((await call<Settings>('settings.get', undefined, false, bobToken)).data?.theme).toBe('dark');
  });

  it('refuses out-of-bounds values and unknown keys with a clear error, changing nothing', async () => {
    const before = (await call<Settings>('settings.get', undefined)).data;
    const tooBig = await call('settings.update', { terminalScrollback: 5_000_000 }, true);
    expect(tooBig.error?.code).toBe('BAD_REQUEST');
    expect(tooBig.error?.message).toMatch(/^terminalScrollback: /);
    const tooSmall = await call('settings.update', { terminalFontSize: 2 }, true);
    expect(tooSmall.error?.message).toMatch(/^terminalFontSize: /);
    const unknown = await call('settings.update', { theme: 'dark', fontsize: 12 }, true);
    expect(unknown.error?.code).toBe('BAD_REQUEST');
    expect(unknown.error?.message).toBe('Unknown setting: fontsize');
    const badTheme = await call('settings.update', { theme: 'sepia' }, true);
    expect(badTheme.error?.message).toMatch(/^theme: /);
    // A font list may not end the CSS declaration it is put into.
    const injected = await call('settings.update', { terminalFontFamily: 'mono; } body { display: none' }, true);
    expect(injected.error?.message).toMatch(/^terminalFontFamily: /);
    const notAnObject = await call('settings.update', ['theme'], true);
    expect(notAnObject.error?.code).toBe('BAD_REQUEST');
    expect((await call<Settings>('settings.get', undefined)).data).toEqual(before);
  });

  it('need a signed-in user', async () => {
    expect((await trpcCall(gw.url, 'settings.get', {})).error?.code).toBe('UNAUTHORIZED');
    expect((await trpcCall(gw.url, 'settings.update', { input: { theme: 'dark' }, mutation: true })).error?.code).toBe('UNAUTHORIZED');
  });

  it('survive a gateway restart', async () => {
    const before = (await call<Settings>('settings.get', undefined)).data;
    await gw.dispose({ restartable: true });
    gw = await startTestGateway({ ptyHost: false, reuse: gw });
    expect((await call<Settings>('settings.get', undefined)).data).toEqual(before);
  });
});

describe('git branch of a workspace', () => {
  it('is null outside a repository, then the branch, then the short commit when detached', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'tether-branch-'));
    const ws = await call<{ id: string }>('workspaces.create', { name: 'branchy', root }, true);
    expect(ws.error).toBeUndefined();
    const branch = async () => (await call<{ branch: { name: string; detached: boolean } | null }>('workspaces.gitBranch', { id: ws.data!.id })).data?.branch;
    expect(await branch()).toBeNull();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: root, encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'feature/x');
    // No commit yet: still on the branch.
    expect(await branch()).toEqual({ name: 'feature/x', detached: false });
    git('commit', '-q', '--allow-empty', '-m', 'one');
    const sha = git('rev-parse', '--short', 'HEAD');
    git('checkout', '-q', '--detach');
    expect(await branch()).toEqual({ name: sha, detached: true });
  });

  it("is not answered for another user's workspace", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'tether-branch-'));
    const ws = await call<{ id: string }>('workspaces.create', { name: 'mine', root }, true);
    expect((await call('workspaces.gitBranch', { id: ws.data!.id }, false, bobToken)).error?.code).toBe('NOT_FOUND');
  });
});
