import { link, mkdir, mkdtemp, open, rm, symlink, writeFile, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathJail, PathRefusedError, checkRelativePath } from './path-jail';

let base: string;
let root: string;
let jail: PathJail;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'tether-jail-'));
  root = path.join(base, 'root');
  await mkdir(path.join(root, 'src'), { recursive: true });
  await writeFile(path.join(root, 'src', 'a.txt'), 'inside');
  await mkdir(path.join(base, 'root-evil'));
  await writeFile(path.join(base, 'root-evil', 'secret'), 'sibling');
  await writeFile(path.join(base, 'outside.txt'), 'outside');
  await symlink(path.join(base, 'outside.txt'), path.join(root, 'link-out'));
  await symlink(path.join(base, 'root-evil'), path.join(root, 'dir-out'));
  await symlink('src/a.txt', path.join(root, 'link-in'));
  await symlink('../root-evil/secret', path.join(root, 'rel-out'));
  await link(path.join(base, 'outside.txt'), path.join(root, 'hard-out'));
  jail = new PathJail(root);
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const refused = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(PathRefusedError);

describe('checkRelativePath', () => {
  it.each([
    ['..', /\.\./],
    ['src/../../x', /\.\./],
    ['/etc/passwd', /relative/],
    ['~/x', /~/],
    ['~root', /~/],
    ['a\0b', /NUL/],
    ['src\\..\\..\\x', /backslash/],
    ['..\\x', /backslash/],
  ])('refuses %j', (p, why) => {
    expect(() => checkRelativePath(p)).toThrow(why);
  });
  it('normalizes harmless forms', () => {
    expect(checkRelativePath('')).toEqual([]);
    expect(checkRelativePath('./src//a.txt/')).toEqual(['src', 'a.txt']);
    expect(checkRelativePath('...')).toEqual(['...']); // a legal file name, not a parent
  });
});

describe('PathJail', () => {
  it('resolves paths inside, including symlinks that stay inside', async () => {
    expect(await jail.resolveExisting('src/a.txt')).toBe(path.join(await jail.rootReal(), 'src', 'a.txt'));
    expect(await jail.resolveExisting('link-in')).toBe(path.join(await jail.rootReal(), 'src', 'a.txt'));
    expect(await jail.resolveExisting('')).toBe(await jail.rootReal());
  });

  it('refuses symlinks to files and folders outside, and to a sibling sharing the prefix', async () => {
    await refused(jail.resolveExisting('link-out'));
    await refused(jail.resolveExisting('dir-out/secret'));
    await refused(jail.resolveExisting('rel-out'));
    await refused(jail.openForRead('link-out'));
    await refused(jail.resolveTarget('dir-out/new-file'));
  });

  it('refuses a file with several hard links (one may be outside)', async () => {
    await refused(jail.openForRead('hard-out'));
  });

  it('catches a folder swapped for a symlink between the check and the open', async () => {
    class RacyJail extends PathJail {
      override async resolveExisting(rel: string): Promise<string> {
        const abs = await super.resolveExisting(rel);
        // The attacker wins the race: src becomes a link to the sibling folder.
        await rename(path.join(root, 'src'), path.join(root, 'src-moved'));
        await symlink(path.join(base, 'root-evil'), path.join(root, 'src'));
        await writeFile(path.join(base, 'root-evil', 'a.txt'), 'stolen');
        return abs;
      }
    }
    try {
      await refused(new RacyJail(root).openForRead('src/a.txt'));
    } finally {
      await rm(path.join(root, 'src'));
      await rename(path.join(root, 'src-moved'), path.join(root, 'src'));
    }
  });

  it('does not follow a symlink swapped in at the last component', async () => {
    class RacyJail extends PathJail {
      override async resolveExisting(rel: string): Promise<string> {
        const abs = await super.resolveExisting(rel);
        await rename(path.join(root, 'src', 'a.txt'), path.join(root, 'src', 'a.bak'));
        await symlink(path.join(base, 'outside.txt'), path.join(root, 'src', 'a.txt'));
        return abs;
      }
    }
    try {
      await expect(new RacyJail(root).openForRead('src/a.txt')).rejects.toMatchObject({ code: 'ELOOP' });
    } finally {
      await rm(path.join(root, 'src', 'a.txt'));
      await rename(path.join(root, 'src', 'a.bak'), path.join(root, 'src', 'a.txt'));
    }
  });

  it('verifies an opened descriptor by its real path', async () => {
    const h = await open(path.join(base, 'outside.txt'), 'r');
    try {
      await refused(jail.verifyDescriptor(h, 'x'));
    } finally {
      await h.close();
    }
  });

  it('never lets the root itself be replaced', async () => {
    await refused(jail.resolveTarget(''));
    await refused(jail.resolveTarget('.'));
  });
});
