/**
 * A local workspace on an existing folder of this machine (`workspaces.create` with `root`):
 * admins only, an existing absolute directory, never the gateway's own data folder.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { trpcCall } from '../testing/trpc-call';

let gw: TestGateway;
let outside: string;

beforeAll(async () => {
  gw = await startTestGateway();
  outside = await mkdtemp(path.join(os.tmpdir(), 'tether-existing-'));
});
afterAll(async () => {
  await gw?.dispose();
  await rm(outside, { recursive: true, force: true });
});

const create = (input: object, token = gw.token) => trpcCall<{ id: string; root: string }>(gw.url, 'workspaces.create', { token, input, mutation: true });

describe('a workspace on an existing folder', () => {
  it('lets an admin open a folder with its files, recorded by its real path', async () => {
    await mkdir(path.join(outside, 'project/src'), { recursive: true });
    await writeFile(path.join(outside, 'project/README.md'), '# hi\n');
    await symlink(path.join(outside, 'project'), path.join(outside, 'alias'));
    const r = await create({ name: 'existing', root: path.join(outside, 'alias') });
    expect(r.error).toBeUndefined();
    expect(r.data!.root).toBe(await realpath(path.join(outside, 'project')));
    const listed = await trpcCall<{ entries: { name: string }[] }>(gw.url, 'fs.list', { token: gw.token, input: { workspaceId: r.data!.id, dir: '' } });
    expect(listed.data!.entries.map((e) => e.name)).toEqual(['src', 'README.md']);
  });

  it('refuses relative, missing, non-folder and NUL paths with a sentence saying why', async () => {
    await writeFile(path.join(outside, 'plain.txt'), 'x');
    const cases: [string, RegExp][] = [
      ['relative/dir', /absolute path/],
      ['~/project', /absolute path/],
      [path.join(outside, 'missing'), /There is no folder at/],
      [path.join(outside, 'plain.txt'), /is a file, not a folder/],
      [`${outside}\0/x`, /absolute path/],
    ];
    for (const [root, message] of cases) {
      const r = await create({ name: 'bad', root });
      expect(r.error?.code, root).toBe('BAD_REQUEST');
      expect(r.error?.message, root).toMatch(message);
    }
  });

  it("refuses the gateway's data folder, anything inside it and anything holding it (so /)", async () => {
    await mkdir(path.join(outside, 'to-data'), { recursive: true });
    await symlink(gw.dataDir, path.join(outside, 'to-data/link'));
    for (const root of [gw.dataDir, path.join(gw.dataDir, 'home'), path.dirname(gw.dataDir), '/', path.join(outside, 'to-data/link')]) {
      const r = await create({ name: 'data', root });
      expect(r.error?.code, root).toBe('FORBIDDEN');
      expect(r.error?.message).toMatch(/gateway's own data folder/);
    }
    expect((await gw.tether.workspaces.list(gw.adminId)).map((w) => w.name)).not.toContain('data');
  });

  it('refuses a user who is not an admin, whatever the folder', async () => {
    const user = await gw.tether.users.create('plain-user', 'plain-password', 'user');
    const { token } = await gw.tether.tokens.create(user.id, 't');
    const r = await create({ name: 'mine', root: outside }, token);
    expect(r.error).toMatchObject({ code: 'FORBIDDEN', message: 'Only an admin can place a workspace at a custom path' });
    expect(await gw.tether.workspaces.list(user.id)).toEqual([]);
    // Without a folder the same user gets one of their own.
    expect((await create({ name: 'mine' }, token)).error).toBeUndefined();
  });
});
