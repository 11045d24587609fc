/**
 * Hostile terminal output and hostile file names, in Chromium against a real shell.
 *
 * What a program prints must not reach the page's clipboard, must not make the terminal type
 * attacker-chosen text back into the shell (title reports), must not run script or navigate
 * through OSC 8 hyperlinks, and file names must show as inert text with bidi overrides escaped.
 *
 * Replies the terminal writes into the PTY are checked out of band: a script puts the tty in
 * non-canonical, no-echo mode (reads return after 1 s without input), prints the requests, and
 * copies whatever arrives on stdin into a file that the test reads from disk. Each capture also
 * asks for a reply xterm.js legitimately gives (device attributes or cursor position), so an
 * empty capture cannot pass for a broken one.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, openNewWorkspace, workspaceRoot, terminalText, test, useGateway } from './fixtures';

const gateway = useGateway();

/** Run a command in the active terminal (clicking its tab gives it the keyboard). */
async function inTerminal(page: Page, command: string): Promise<void> {
  await page.getByTestId('terminal-tab').first().click();
  await page.keyboard.type(`${command}\n`);
}

/**
 * Write `capture.sh` into the workspace: `bash capture.sh <out>` prints `requests` (a line of
 * shell) with the tty in raw-ish mode, saves whatever the terminal sends back into `<out>`,
 * restores the tty and prints "capture <out> done" (computed, so the command line never matches).
 */
function writeCaptureScript(root: string, name: string, requests: string): void {
  writeFileSync(
    path.join(root, name),
    [
      '#!/bin/bash',
      'out="$1"',
      'saved=$(stty -g)',
      'stty -echo -icanon min 0 time 10',
      requests,
      'sleep 0.5',
      'head -c 65536 > "$out"',
      'stty "$saved"',
      'echo "capture $out $((40 + 2))"',
      '',
    ].join('\n'),
  );
}

/** Run a capture script and return the bytes the terminal wrote into the PTY (as latin1 text). */
async function capture(page: Page, session: string, root: string, script: string, out: string): Promise<string> {
  await inTerminal(page, `bash ${script} ${out}`);
  await expect.poll(() => terminalText(page, session), { timeout: 20_000 }).toContain(`capture ${out} 42`);
  return readFileSync(path.join(root, out)).toString('latin1');
}

/** Fail the test on any dialog (alert, confirm, prompt) but the ones `allow` expects. */
function watchDialogs(page: Page, allow: (message: string, type: string) => 'accept' | 'dismiss' | null = () => null) {
  const seen: Array<{ type: string; message: string }> = [];
  page.on('dialog', (d) => {
    seen.push({ type: d.type(), message: d.message() });
    const verdict = allow(d.message(), d.type());
    void (verdict === 'accept' ? d.accept() : d.dismiss()).catch(() => {});
  });
  return seen;
}

const DA1 = /\x1b\[\?[\d;]*c/g;
const CPR = /\x1b\[\d+;\d+R/g;

test('OSC 52 cannot write (or read) the clipboard, and nothing is written back into the PTY', async ({ page, context }) => {
  const gw = gateway();
  const dialogs = watchDialogs(page);
  const session = await openNewWorkspace(page, gw, 'e2e-sec-osc52');
  const root = await workspaceRoot(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
  await page.evaluate(() => navigator.clipboard.writeText('clipboard-before'));
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('clipboard-before');

  // Set ("pwned"), then query the clipboard and the primary selection: an answer would hand the
  // clipboard's contents to whatever runs in the terminal.
  const osc52 = `printf '\\e]52;c;%s\\a' "$(printf 'pwned' | base64)"; printf '\\e]52;c;?\\a'; printf '\\e]52;p;?\\e\\\\'`;
  writeCaptureScript(root, 'osc52.sh', osc52);
  const reply = await capture(page, session, root, 'osc52.sh', 'reply-osc52.bin');
  expect(reply).toBe('');

  // The same with a device-attributes request after it: the capture does see replies.
  writeCaptureScript(root, 'osc52-da.sh', `${osc52}; printf '\\e[c'`);
  const withDa = await capture(page, session, root, 'osc52-da.sh', 'reply-osc52-da.bin');
  expect(withDa).toMatch(DA1);
  expect(withDa.replace(DA1, '')).toBe('');

  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('clipboard-before');
  expect(dialogs).toEqual([]);
});

test('report requests never type the (attacker-set) title or anything else into the shell', async ({ page }) => {
  const gw = gateway();
  const dialogs = watchDialogs(page);
  const session = await openNewWorkspace(page, gw, 'e2e-sec-reports');
  const root = await workspaceRoot(page);

  // A title that is a command (and markup), then every report xterm knows of: window title (21t,
  // 20t icon label), sizes (14t, 16t, 18t, 19t), state and position (11t, 13t), colours (OSC 4, 10,
  // 11, 12), DECRQSS, XTGETTCAP, XTVERSION, DECRQM; then a cursor position report (DSR 6n) as the
  // legitimate answer that proves replies are captured.
  const title = 'touch owned-by-title <img src=x onerror=alert(1)>';
  const requests = [
    `printf '\\e]0;${title}\\a'`,
    `printf '\\e]2;${title}\\e\\\\'`,
    `printf '\\e[21t\\e[20t\\e[14t\\e[14;2t\\e[16t\\e[18t\\e[19t\\e[11t\\e[13t\\e[13;2t'`,
    `printf '\\e[22;0t\\e[23;0t\\e[21t'`,
    `printf '\\e]4;1;?\\a\\e]10;?\\a\\e]11;?\\a\\e]12;?\\a'`,
    `printf '\\eP$qm\\e\\\\\\eP$q"p\\e\\\\\\eP+q544e\\e\\\\\\e[>q\\e[?2004$p'`,
    `printf '\\e[6n'`,
  ].join('; ');
  writeCaptureScript(root, 'reports.sh', requests);
  const reply = await capture(page, session, root, 'reports.sh', 'reply-reports.bin');

  // The title was set (the tab shows it, as text)…
  await expect(page.getByTestId('terminal-tab').first()).toContainText('touch owned-by-title');
  await expect(page.getByTestId('terminal-tab').first().locator('img')).toHaveCount(0);
  // …replies did come back (the cursor position)…
  expect(reply).toMatch(CPR);
  // …but none carries the title, or any part of it.
  for (const bad of ['owned', 'touch', 'img', 'onerror', 'alert']) expect(reply, `reply ${JSON.stringify(reply)}`).not.toContain(bad);
  // No title report (OSC l / OSC L) at all.
  expect(reply).not.toMatch(/\x1b\][lL]/);

  // In band, the way the attack would work: a title report at an interactive prompt would put
  // `touch owned-in-band` on the command line, and the next Enter would run it.
  await inTerminal(page, "printf '\\e]0;touch owned-in-band\\a\\e[21t\\e[20t\\e]2;touch owned-in-band\\a\\e[21t'");
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await inTerminal(page, 'echo "in band $((6 * 7))"');
  await expect.poll(() => terminalText(page, session)).toMatch(/^in band 42$/m);
  expect(existsSync(path.join(root, 'owned-in-band'))).toBe(false);
  expect(existsSync(path.join(root, 'owned-by-title'))).toBe(false);
  expect(dialogs).toEqual([]);
});

/** The centre of the first on-screen occurrence of `text` in a terminal's rendered rows. */
async function textCentre(page: Page, text: string): Promise<{ x: number; y: number } | null> {
  return page.evaluate((t) => {
    for (const row of Array.from(document.querySelectorAll('.xterm-rows > div'))) {
      // A row may be split into several spans (styles): map the row's text back to its nodes.
      const nodes: Array<{ node: Text; start: number }> = [];
      let all = '';
      const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null) {
        nodes.push({ node: n, start: all.length });
        all += n.data;
      }
      const i = all.indexOf(t);
      if (i < 0) continue;
      const at = (offset: number) => {
        const hit = nodes.filter((x) => x.start <= offset).pop()!;
        return { node: hit.node, offset: offset - hit.start };
      };
      const a = at(i);
      const b = at(i + t.length - 1);
      const range = document.createRange();
      range.setStart(a.node, a.offset);
      range.setEnd(b.node, b.offset + 1);
      const box = range.getBoundingClientRect();
      if (box.width > 0 && box.height > 0) return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    }
    return null;
  }, text);
}

test('OSC 8 hyperlinks never run script or navigate; http(s) ones only open after a confirm', async ({ page, context }) => {
  const gw = gateway();
  const popups: Page[] = [];
  context.on('page', (p) => popups.push(p));
  let httpConfirms = 0;
  const dialogs = watchDialogs(page, (message, type) => {
    if (type === 'confirm' && message.includes('http://example.invalid/osc8')) {
      httpConfirms++;
      return httpConfirms === 1 ? 'dismiss' : 'accept';
    }
    return null;
  });
  const session = await openNewWorkspace(page, gw, 'e2e-sec-osc8');
  const root = await workspaceRoot(page);
  const workspaceUrl = page.url();

  writeFileSync(
    path.join(root, 'links.sh'),
    [
      `printf '\\e]8;;javascript:alert(document.cookie)\\e\\\\js-click-me\\e]8;;\\e\\\\\\n'`,
      `printf '\\e]8;;JaVaScRiPt:alert(2)\\ajs2-click-me\\e]8;;\\a\\n'`,
      `printf '\\e]8;;data:text/html,<script>alert(3)</script>\\e\\\\data-click-me\\e]8;;\\e\\\\\\n'`,
      `printf '\\e]8;;http://example.invalid/osc8\\e\\\\http-click-me\\e]8;;\\e\\\\\\n'`,
      'echo "links $((40 + 2))"',
      '',
    ].join('\n'),
  );
  await inTerminal(page, 'bash links.sh');
  await expect.poll(() => terminalText(page, session)).toMatch(/^links 42$/m);
  const pointer = page.locator('.xterm-screen.xterm-cursor-pointer');

  for (const label of ['js-click-me', 'js2-click-me', 'data-click-me']) {
    // The buffer has the text before the renderer paints it (next animation frame): wait for the row.
    await expect.poll(() => textCentre(page, label), { message: label }).not.toBeNull();
    const at = await textCentre(page, label);
    await page.mouse.move(at!.x, at!.y);
    await page.waitForTimeout(150);
    // Not even offered as a link (no pointer cursor).
    await expect(pointer, label).toHaveCount(0);
    await page.mouse.click(at!.x, at!.y);
    // (Not Alt: xterm turns an Alt-click into arrow keys that move the shell's cursor.)
    for (const modifier of ['Control', 'Meta', 'Shift']) {
      await page.keyboard.down(modifier);
      await page.mouse.click(at!.x, at!.y);
      await page.keyboard.up(modifier);
    }
  }
  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
  expect(popups).toEqual([]);
  expect(page.url()).toBe(workspaceUrl);

  // The http link is a link (pointer on hover), but clicking it first asks (xterm.js's default
  // handler): dismissed, nothing opens.
  const http = await textCentre(page, 'http-click-me');
  expect(http).not.toBeNull();
  await page.mouse.move(http!.x, http!.y);
  await expect(pointer).toHaveCount(1);
  await page.mouse.click(http!.x, http!.y);
  await expect.poll(() => httpConfirms).toBe(1);
  await page.waitForTimeout(500);
  expect(popups).toEqual([]);
  expect(page.url()).toBe(workspaceUrl);

  // Accepted, it opens in a new tab with no handle on this one (opener cleared); this page stays.
  const popup = context.waitForEvent('page');
  await page.mouse.click(http!.x, http!.y);
  const opened = await popup;
  await expect.poll(() => httpConfirms).toBe(2);
  // The new tab navigates (to an error page: the host does not resolve) while we look: retry then.
  await expect.poll(() => opened.evaluate(() => window.opener === null).catch(() => 'navigating')).toBe(true);
  await opened.close();
  expect(page.url()).toBe(workspaceUrl);
  expect(dialogs.every((d) => d.type === 'confirm' && d.message.includes('http://example.invalid/osc8'))).toBe(true);
  expect(dialogs).toHaveLength(2);
});

test('file names with markup and bidi overrides show as inert, escaped text', async ({ page }) => {
  const gw = gateway();
  const dialogs = watchDialogs(page);
  await openNewWorkspace(page, gw, 'e2e-sec-names');
  await expect(page.getByTestId('file-tree')).toBeVisible();

  const markup = '<img src=x onerror=alert(1)>.txt';
  const rlo = 'evil\u202egnp.exe';
  const isolate = 'a\u2066b\u2069\u200fc.txt';
  // Made by the shell; the bidi characters as octal UTF-8 so the command line stays plain ASCII.
  await inTerminal(
    page,
    "touch '<img src=x onerror=alert(1)>.txt' \"$(printf 'evil\\342\\200\\256gnp.exe')\" \"$(printf 'a\\342\\201\\246b\\342\\201\\251\\342\\200\\217c.txt')\"",
  );

  const items = page.getByTestId('file-tree').getByTestId('tree-item');
  const named = async (name: string) => {
    // data-path holds the raw name (attributes are never markup); match it exactly in the page.
    const idx = await items.evaluateAll((els, n) => els.findIndex((e) => e.getAttribute('data-path') === n), name);
    return idx < 0 ? null : items.nth(idx);
  };
  await expect.poll(async () => (await named(markup)) !== null).toBe(true);
  await expect.poll(async () => (await named(rlo)) !== null).toBe(true);
  await expect.poll(async () => (await named(isolate)) !== null).toBe(true);

  // Markup is shown as its characters, never parsed.
  const markupItem = (await named(markup))!;
  expect(await markupItem.locator('.tree-name').textContent()).toBe(markup);
  await expect(page.getByTestId('file-tree').locator('img')).toHaveCount(0);

  // Bidi controls are shown as visible escapes, and the name is isolated from its surroundings.
  for (const [name, shown] of [
    [rlo, 'evil\\u{202e}gnp.exe'],
    [isolate, 'a\\u{2066}b\\u{2069}\\u{200f}c.txt'],
  ] as const) {
    const item = (await named(name))!;
    const text = (await item.locator('.tree-name').textContent())!;
    expect(text).toBe(shown);
    expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
    expect(await item.getAttribute('title')).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
    expect(await item.locator('.tree-name').evaluate((e) => getComputedStyle(e).unicodeBidi)).toMatch(/plaintext|isolate/);
  }

  // Opening the files (editor tab, title) stays inert too.
  await markupItem.click();
  await expect(page.locator('[data-testid="editor-tab"]')).toHaveCount(1);
  await (await named(rlo))!.click();
  await expect(page.locator('[data-testid="editor-tab"]')).toHaveCount(2);
  await page.waitForTimeout(300);
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  const tabText = (await page.locator('[data-testid="editor-tab"]').allTextContents()).join('\n');
  expect(tabText).toContain(markup);
  expect(tabText).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  expect(dialogs).toEqual([]);
});
