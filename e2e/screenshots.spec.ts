/**
 * The README's screenshots (docs/screenshots/*.png), made from a real gateway and a real browser:
 * the desktop workbench (file tree, an open file, two terminals), the command palette, and on a
 * phone the workspace, the agents view and a guest's view of a share. The content is fixed (files
 * written by the test, a plain `$ ` prompt, simple commands) and every shot waits until what it
 * shows is there; elements are found by role and test id, never by position, so the spec survives
 * layout changes. Re-run it after UI changes and commit the images:
 * `npx next build && npx playwright test e2e/screenshots.spec.ts`.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expect, openNewWorkspace, tabSessions, terminalText, test, useGateway, waitForPrompt, workspaceRoot } from './fixtures';

const gateway = useGateway();

const OUT = path.resolve(import.meta.dirname, '../docs/screenshots');
/** Keep the repository light: a shot over this fails the test (see README "Screenshots"). */
const MAX_BYTES = 300 * 1024;
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 1 };

const FILES: Record<string, string> = {
  'README.md': '# demo\n\nA small service, for the screenshots.\n',
  'package.json': '{\n  "name": "demo",\n  "version": "1.0.0",\n  "type": "module"\n}\n',
  'src/server.ts': [
    "import { createServer } from 'node:http';",
    '',
    'const PORT = Number(process.env.PORT ?? 8080);',
    '',
    '/** Answers every request with a greeting and the time. */',
    'export const server = createServer((req, res) => {',
    "  res.setHeader('content-type', 'application/json');",
    '  res.end(JSON.stringify({ hello: req.url, at: Date.now() }));',
    '});',
    '',
    'server.listen(PORT, () => {',
    '  console.log(`listening on ${PORT}`);',
    '});',
    '',
  ].join('\n'),
  'src/greet.ts': "export const greet = (name: string): string => `hello, ${name}`;\n",
  'test/greet.test.ts': "import { greet } from '../src/greet';\n\nif (greet('you') !== 'hello, you') throw new Error('greet');\n",
};

async function shoot(page: Page, name: string): Promise<void> {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  const { size } = await stat(file);
  expect(size, `${name}.png is ${size} bytes`).toBeLessThanOrEqual(MAX_BYTES);
}

/** Type `command` into the active terminal and wait for `marker` in its buffer. */
async function run(page: Page, session: string, command: string, marker: string): Promise<void> {
  await page.getByTestId('terminal-tab').and(page.locator('[aria-selected="true"]')).click();
  await page.keyboard.type(`${command}\n`);
  await expect.poll(() => terminalText(page, session), { timeout: 20_000 }).toContain(marker);
}

/** A fixed prompt and a clean screen, so the shots do not show this machine's paths. */
async function plainPrompt(page: Page, session: string): Promise<void> {
  await page.getByTestId('terminal-tab').and(page.locator('[aria-selected="true"]')).click();
  await page.keyboard.type("export PS1='$ '; clear\n");
  await expect.poll(async () => (await terminalText(page, session)).trim(), { timeout: 20_000 }).toBe('$');
}

/** Both terminals' text (a page attaches the ones it shows). */
const allText = (page: Page, sessions: string[]) => Promise.all(sessions.map((s) => terminalText(page, s))).then((t) => t.join('\n'));

async function phoneContext(browser: Browser, from: BrowserContext | null): Promise<BrowserContext> {
  return browser.newContext({ ...PHONE, colorScheme: 'dark', ...(from ? { storageState: await from.storageState() } : {}) });
}

test('screenshots for the README', async ({ browser }) => {
  test.setTimeout(300_000);
  await mkdir(OUT, { recursive: true });
  const gw = gateway();
  const desktop = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, colorScheme: 'dark' });
  const page = await desktop.newPage();
  try {
    // --- desktop workbench: files, an open file, two terminals with output ---
    const first = await openNewWorkspace(page, gw, 'demo');
    const workspaceId = new URL(page.url()).pathname.split('/').pop()!;
    const root = await workspaceRoot(page);
    for (const [rel, text] of Object.entries(FILES)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), text);
    }
    await plainPrompt(page, first);
    await run(page, first, 'ls -1 src test && wc -l src/server.ts', 'server.ts\n');

    await page.getByTestId('terminal-new').click();
    const [, second] = await tabSessions(page, 2);
    await waitForPrompt(page, second!);
    await plainPrompt(page, second!);
    await run(page, second!, "for t in greet server; do echo \"✓ $t\"; done; echo 'all 2 checks passed'", 'all 2 checks passed');

    const tree = page.getByTestId('file-tree');
    await expect(tree.locator('[data-testid="tree-item"][data-path="src"]')).toBeVisible();
    await tree.locator('[data-testid="tree-item"][data-path="src"]').click();
    await tree.locator('[data-testid="tree-item"][data-path="src/server.ts"]').click();
    await expect(page.locator('[data-testid="editor-tab"][data-path="src/server.ts"]')).toHaveAttribute('aria-selected', 'true');
    await expect.poll(() => page.evaluate(() => window.__tether?.editor?.text() ?? null)).toBe(FILES['src/server.ts']);
    await expect(page.locator('.editor-host[data-visible="true"] .cm-content')).toContainText('createServer');
    // Highlighting loads lazily: wait for a highlighted token before the shot.
    await expect(page.locator('.editor-host[data-visible="true"] .cm-content span').first()).toBeVisible();
    await page.mouse.move(0, 0);
    await shoot(page, 'desktop-workbench');

    // --- the command palette, filtered ---
    await page.keyboard.press('F1');
    const palette = page.getByTestId('command-palette');
    await expect(palette).toBeVisible();
    await page.keyboard.type('view');
    await expect(palette.getByRole('option').first()).toBeVisible();
    await shoot(page, 'command-palette');
    await page.keyboard.press('Escape');
    await expect(palette).toHaveCount(0);

    // A workspace share (view only) for the guest shot, made before the phone shots.
    await page.getByTestId('share-workspace').click();
    const dialog = page.getByTestId('share-dialog');
    await dialog.getByTestId('share-label').fill('review');
    await dialog.getByTestId('share-create').click();
    await expect(dialog.getByTestId('share-link')).toHaveValue(/\/s\/tsh_/);
    const shareUrl = await dialog.getByTestId('share-link').inputValue();
    await dialog.getByTestId('share-close').click();

    // --- phone: the workspace ---
    const phone = await phoneContext(browser, desktop);
    try {
      const p = await phone.newPage();
      await p.goto(`${gw.url}/w/${workspaceId}`);
      await expect(p.getByTestId('pane-terminal')).toHaveAttribute('aria-pressed', 'true');
      await expect.poll(() => allText(p, [first, second!]), { timeout: 20_000 }).toMatch(/server\.ts|all 2 checks passed/);
      await shoot(p, 'phone-workspace');

      // --- phone: the agents view, one agent waiting for an answer ---
      await p.goto(`${gw.url}/agents`);
      const form = p.getByTestId('agent-start');
      await form.getByTestId('agent-start-workspace').selectOption(workspaceId);
      await form.getByTestId('agent-start-command').fill(`bash -c 'echo "Refactor plan ready."; printf "Apply these changes? (y/n) "; read x; sleep 600'`);
      await form.getByTestId('agent-start-name').fill('refactor');
      await form.getByTestId('agent-start-submit').tap();
      await expect(form.getByTestId('agent-start-command')).toHaveValue('');
      const agent = p.getByTestId('agent-row').filter({ has: p.getByTestId('agent-name').getByText('refactor', { exact: true }) });
      await expect(agent).toHaveAttribute('data-status', 'waiting', { timeout: 20_000 });
      await expect(agent.getByTestId('agent-lines')).toContainText('Apply these changes?');
      const toast = p.getByTestId('agent-toast').first();
      if (await toast.isVisible()) await toast.getByRole('button', { name: 'Dismiss' }).tap();
      await expect(p.getByTestId('agent-toast')).toHaveCount(0);
      await p.evaluate(() => window.scrollTo(0, 0));
      await shoot(p, 'phone-agents');
    } finally {
      await phone.close();
    }

    // --- phone: a guest of the share (no account: a fresh context) ---
    const guestContext = await phoneContext(browser, null);
    try {
      const g = await guestContext.newPage();
      await g.goto(shareUrl);
      await expect(g.getByTestId('guest-view')).toBeVisible();
      await expect.poll(() => allText(g, [first, second!]), { timeout: 20_000 }).toMatch(/server\.ts|all 2 checks passed/);
      await shoot(g, 'phone-guest');
    } finally {
      await guestContext.close();
    }
  } finally {
    await desktop.close();
  }
});
