/**
 * The workbench on a phone, by touch (390×844, hasTouch, isMobile):
 * - the workspace page has the composer and key bar of the phone terminal: the draft goes before
 *   the key (Tab completes what was typed), sticky Ctrl and Alt, history with the arrows, and
 *   PgUp/PgDn/Home/End arriving as xterm's bytes (checked with `cat -v`, also in application
 *   cursor mode);
 * - the key row is chosen per device, kept across a reload, and reset;
 * - on /agents, the "waiting for you" toast is not shown for the terminal on the screen, but is
 *   for another one;
 * - a share guest on a phone reads the owner's wide terminal at ≥ 11 px, pans sideways to its
 *   right edge (a vertical swipe still scrolls the scrollback), and "Fit to width" fits it.
 * Terminal contents are read from the xterm buffer (window.__tether), never from pixels.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { agentRow, expect, login, openNewWorkspace, startAgent, terminalText, test, useGateway } from './fixtures';
import { swipe, swipeTo } from './touch';

const gateway = useGateway();

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

const DEFAULT_ROW = ['esc', 'tab', 'ctrl', 'alt', 'up', 'down', 'left', 'right', 'home', 'end', 'pgup', 'pgdn', 'ctrl-c', 'paste'];

/** The keys on the bar, in order. */
async function barKeys(page: Page): Promise<string[]> {
  return page
    .getByTestId('keybar')
    .locator('button')
    .evaluateAll((els) => els.map((e) => (e.getAttribute('data-testid') ?? '').replace(/^key-/, '')));
}

/** The composer, opened if this browser did not count as a touch screen. */
async function composer(page: Page): Promise<Locator> {
  const input = page.getByTestId('composer-input');
  if (!(await input.isVisible())) await page.getByTestId('composer-toggle').tap();
  await expect(input).toBeVisible();
  return input;
}

/** Type `line` in the composer and tap Send. */
async function run(page: Page, line: string): Promise<void> {
  const input = await composer(page);
  await input.fill(line);
  await page.getByTestId('composer-send').tap();
  await expect(input).toHaveValue('');
}

const lines = async (page: Page, session: string) => (await terminalText(page, session)).split('\n');

test('the workspace page on a phone: composer, Tab completion, sticky Ctrl and Alt, history and the navigation keys', async ({ page }) => {
  test.setTimeout(150_000);
  const session = await openNewWorkspace(page, gateway(), 'e2e-phone-keys');
  await expect(page.getByTestId('pane-terminal')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('keybar')).toBeVisible();
  expect(await barKeys(page)).toEqual(DEFAULT_ROW);

  // Every button's accessible name contains its visible text, and the keys pass axe.
  const names = await page
    .getByTestId('terminal-keys')
    .locator('button')
    .evaluateAll((els) => els.map((e) => ({ text: (e.textContent ?? '').trim(), name: e.getAttribute('aria-label') ?? (e.textContent ?? '').trim() })));
  for (const { text, name } of names) expect(name).toContain(text);
  const axe = await new AxeBuilder({ page }).include('[data-testid="terminal-keys"]').analyze();
  expect(axe.violations).toEqual([]);

  // Tab sends the draft first: the shell completes `ech` to `echo `.
  const input = await composer(page);
  await input.tap();
  await input.fill('ech');
  await page.getByTestId('key-tab').tap();
  await expect(input).toHaveValue('');
  await expect.poll(async () => (await lines(page, session)).some((l) => /echo $/.test(l) || /echo\s*$/.test(l))).toBe(true);
  // Enter in the composer (a keyboard's, or the IME's send key) sends the line.
  await input.fill('done-$((40+2))');
  await input.press('Enter');
  await expect(input).toHaveValue('');
  await expect.poll(async () => (await lines(page, session)).includes('done-42')).toBe(true);

  // Sticky Ctrl, then a letter typed in the composer: ^C interrupts `sleep 100`.
  await run(page, 'sleep 100');
  await page.getByTestId('key-ctrl').tap();
  await expect(page.getByTestId('key-ctrl')).toHaveAttribute('aria-pressed', 'true');
  await input.tap();
  await input.pressSequentially('c');
  await expect(page.getByTestId('key-ctrl')).toHaveAttribute('aria-pressed', 'false');
  await expect(input).toHaveValue('');
  await run(page, 'echo woke-$((6*7))');
  await expect.poll(async () => (await lines(page, session)).filter((l) => l === 'woke-42').length, { timeout: 20_000 }).toBe(1);

  // Up recalls the last command; Send with an empty composer is Enter.
  await page.getByTestId('key-up').tap();
  await page.getByTestId('composer-send').tap();
  await expect.poll(async () => (await lines(page, session)).filter((l) => l === 'woke-42').length).toBe(2);

  // What the keys send, as `cat -v` shows it: PgUp PgDn Home End, then Alt + x from the composer.
  await run(page, 'cat -v');
  for (const key of ['pgup', 'pgdn', 'home', 'end']) await page.getByTestId(`key-${key}`).tap();
  await page.getByTestId('key-alt').tap();
  await expect(page.getByTestId('key-alt')).toHaveAttribute('aria-pressed', 'true');
  await input.tap();
  await input.pressSequentially('x');
  await expect(page.getByTestId('key-alt')).toHaveAttribute('aria-pressed', 'false');
  await page.getByTestId('composer-send').tap();
  await expect.poll(async () => (await lines(page, session)).includes('^[[5~^[[6~^[[H^[[F^[x')).toBe(true);
  await page.getByTestId('key-ctrl-c').tap();

  // In application cursor mode (DECCKM), Home, End and the arrows are SS3 sequences.
  await run(page, `printf '\\e[?1h'; cat -v`);
  for (const key of ['home', 'end', 'up']) await page.getByTestId(`key-${key}`).tap();
  await page.getByTestId('composer-send').tap();
  await expect.poll(async () => (await lines(page, session)).includes('^[OH^[OF^[OA')).toBe(true);
  await page.getByTestId('key-ctrl-c').tap();
  await run(page, `printf '\\e[?1l'; echo mode-$((1+1))`);
  await expect.poll(async () => (await lines(page, session)).includes('mode-2')).toBe(true);
});

test('the key row: chosen on this device, kept across a reload, reset to the defaults', async ({ page }) => {
  test.setTimeout(90_000);
  await openNewWorkspace(page, gateway(), 'e2e-phone-row');
  await expect(page.getByTestId('keybar')).toBeVisible();
  expect(await barKeys(page)).toEqual(DEFAULT_ROW);

  await page.getByTestId('keybar-customize').tap();
  const editor = page.getByTestId('keybar-editor');
  await expect(editor).toBeVisible();
  const axe = await new AxeBuilder({ page }).include('[data-testid="keybar-editor"]').analyze();
  expect(axe.violations).toEqual([]);

  const editorRow = (key: string) => editor.locator(`[data-testid="keybar-editor-row"][data-key="${key}"]`);
  // Hide ^C, show ^D (it goes to the end), move PgUp to the front.
  await editorRow('ctrl-c').getByRole('checkbox').tap();
  await editorRow('ctrl-d').getByRole('checkbox').tap();
  for (let i = 0; i < 10; i++) await editorRow('pgup').getByRole('button', { name: 'Move PgUp up' }).tap();
  await expect(editorRow('pgup').getByRole('button', { name: 'Move PgUp up' })).toBeDisabled();
  // With the keyboard too: the focus is in the dialog; Space toggles a checkbox, Escape closes.
  await editorRow('tilde').getByRole('checkbox').focus();
  await page.keyboard.press('Space');
  await expect(editorRow('tilde')).toHaveAttribute('data-shown', 'true');
  const custom = ['pgup', 'esc', 'tab', 'ctrl', 'alt', 'up', 'down', 'left', 'right', 'home', 'end', 'pgdn', 'paste', 'ctrl-d', 'tilde'];
  expect(await barKeys(page)).toEqual(custom);
  await page.keyboard.press('Escape');
  await expect(editor).toHaveCount(0);

  await page.reload();
  await expect(page.getByTestId('keybar')).toBeVisible();
  await expect.poll(() => barKeys(page)).toEqual(custom);

  await page.getByTestId('keybar-customize').tap();
  await page.getByTestId('keybar-editor-reset').tap();
  await page.getByTestId('keybar-editor-done').tap();
  await expect(page.getByTestId('keybar-editor')).toHaveCount(0);
  expect(await barKeys(page)).toEqual(DEFAULT_ROW);
  await page.reload();
  await expect(page.getByTestId('keybar')).toBeVisible();
  await expect.poll(() => barKeys(page)).toEqual(DEFAULT_ROW);
});

test('no "waiting for you" toast over the terminal on the screen; one for another terminal', async ({ page }) => {
  test.setTimeout(120_000);
  const gw = gateway();
  await login(page, gw, '/agents');
  const created = await page.request.post(`${gw.url}/api/trpc/workspaces.create`, { data: { name: 'e2e-phone-toasts' } });
  expect(created.ok()).toBe(true);
  const workspaceId = ((await created.json()) as { result: { data: { id: string } } }).result.data.id;
  await page.reload();
  await expect(page.getByTestId('agent-start-workspace').locator(`option[value="${workspaceId}"]`)).toHaveCount(1);

  // Answering "watched" makes it ask a question and lets "other" ask one too.
  const flag = `/tmp/tether-e2e-toast-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const watched = await startAgent(page, workspaceId, 'watched', `bash -c 'read go; touch ${flag}; printf "Proceed? (y/n) "; read x; sleep 600'`, 'tap');
  await startAgent(page, workspaceId, 'other', `bash -c 'until [ -e ${flag} ]; do sleep 0.2; done; rm -f ${flag}; printf "Other? (y/n) "; read x; sleep 600'`, 'tap');

  await agentRow(page, 'watched').getByTestId('agent-name').tap();
  await expect(page).toHaveURL(new RegExp(`/agents\\?s=${watched}$`));
  await expect.poll(() => page.evaluate((id) => Boolean(window.__tether?.terminals[id]), watched)).toBe(true);
  await run(page, 'go');
  await expect.poll(() => terminalText(page, watched)).toContain('Proceed? (y/n)');

  // The other terminal's toast shows over this one…
  await expect(page.getByTestId('agent-toast').filter({ hasText: 'other is waiting for you' })).toBeVisible({ timeout: 30_000 });
  // …and this one's, known to be waiting (the hidden list has the same update), does not.
  await expect(agentRow(page, 'watched')).toHaveAttribute('data-status', 'waiting', { timeout: 30_000 });
  await expect(page.getByTestId('agent-toast').filter({ hasText: 'watched is waiting for you' })).toHaveCount(0);
  await expect(page.getByTestId('agent-toast')).toHaveCount(1);
});

/** Where the text `needle` is drawn in the terminal's DOM rows (CSS px), or null. */
async function textBox(xterm: Locator, needle: string): Promise<{ left: number; right: number } | null> {
  return xterm.evaluate((el, needle) => {
    const walker = document.createTreeWalker(el.querySelector('.xterm-rows') ?? el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = (n.textContent ?? '').indexOf(needle);
      if (i < 0) continue;
      const range = document.createRange();
      range.setStart(n, i);
      range.setEnd(n, i + needle.length);
      const r = range.getBoundingClientRect();
      return { left: r.left, right: r.right };
    }
    return null;
  }, needle);
}

/** The smallest number among the rows that hold only a number (`seq` output). */
async function topNumber(xterm: Locator): Promise<number> {
  return xterm.evaluate((el) => {
    const rows = [...el.querySelectorAll('.xterm-rows > div')].map((r) => (r.textContent ?? '').trim());
    return Math.min(...rows.filter((t) => /^\d+$/.test(t)).map(Number));
  });
}

test('a share guest on a phone: readable, pans sideways to the right edge, and fits to width on request', async ({ page, browser }) => {
  test.setTimeout(150_000);
  const gw = gateway();
  // The owner, on a desktop: a terminal far wider than a phone.
  const desk = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  try {
    const owner = await desk.newPage();
    const session = await openNewWorkspace(owner, gw, 'e2e-phone-guest');
    await owner.getByTestId('share-terminal').click();
    const dialog = owner.getByTestId('share-dialog');
    await dialog.getByTestId('share-scope-view').check();
    await dialog.getByTestId('share-create').click();
    const link = dialog.getByTestId('share-link');
    await expect(link).toHaveValue(/\/s\/tsh_/);
    const url = await link.inputValue();
    await dialog.getByTestId('share-close').click();
    await owner.locator('.term-panel .xterm').first().click();
    await owner.keyboard.type(`seq 1 300; printf '%*s\\n' $COLUMNS EDGE-$((6*7))\n`);
    await expect.poll(() => terminalText(owner, session)).toContain('EDGE-42');

    // The guest, on this phone.
    await page.goto(url);
    await expect(page).toHaveURL(/\/shared\/[A-Za-z0-9_-]+$/);
    await expect(page.getByTestId('guest-view')).toBeVisible({ timeout: 30_000 });
    await expect.poll(() => terminalText(page, session), { timeout: 30_000 }).toContain('EDGE-42');
    const frame = page.getByTestId('term-letterbox');
    const screen = frame.locator('.term-letterbox-screen');
    const xterm = frame.locator('.xterm');
    await expect(page.getByTestId('guest-fit-width')).toHaveAttribute('aria-pressed', 'false');
    await expect.poll(async () => Number(await screen.getAttribute('data-font-size'))).toBeGreaterThanOrEqual(11);
    const rowsFont = await xterm.locator('.xterm-rows').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(rowsFont).toBeGreaterThanOrEqual(11);
    const width = page.viewportSize()!.width;
    // The owner's right edge starts off the screen…
    await expect.poll(async () => (await textBox(xterm, 'EDGE-42'))?.right ?? 0).toBeGreaterThan(width);
    expect(await frame.evaluate((el) => el.scrollLeft)).toBe(0);

    // …and a sideways swipe over the terminal pans to it.
    const box = (await frame.boundingBox())!;
    const term = (await xterm.boundingBox())!;
    const y = term.y + term.height / 2;
    for (let i = 0; i < 8; i++) {
      const edge = await textBox(xterm, 'EDGE-42');
      if (edge && edge.right <= width) break;
      await swipeTo(page, { x: box.x + box.width - 30, y }, { x: box.x + 30, y }, { steps: 12, stepMs: 20, restMs: 150 });
    }
    expect(await frame.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    const edge = (await textBox(xterm, 'EDGE-42'))!;
    expect(edge.right).toBeLessThanOrEqual(width);
    expect(edge.left).toBeGreaterThanOrEqual(0);

    // A vertical swipe still scrolls the scrollback (older lines), not the page.
    const before = await topNumber(xterm);
    const scrollLeft = await frame.evaluate((el) => el.scrollLeft);
    await swipe(page, width / 2, term.y + 20, term.y + 20 + Math.min(240, term.height - 40), { steps: 20, stepMs: 20, restMs: 250 });
    await expect.poll(() => topNumber(xterm)).toBeLessThan(before);
    expect(await frame.evaluate((el) => el.scrollLeft)).toBe(scrollLeft);

    const axe = await new AxeBuilder({ page }).include('[data-testid="guest-terminals"]').exclude('.xterm').analyze();
    expect(axe.violations).toEqual([]);

    // Fit to width: the whole terminal within the screen, no sideways scrolling.
    await page.getByTestId('guest-fit-width').tap();
    await expect(page.getByTestId('guest-fit-width')).toHaveAttribute('aria-pressed', 'true');
    await expect.poll(async () => (await screen.boundingBox())!.x + (await screen.boundingBox())!.width).toBeLessThanOrEqual(width);
    await expect.poll(() => frame.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    expect((await screen.boundingBox())!.x).toBeGreaterThanOrEqual(0);
    expect(Number(await screen.getAttribute('data-font-size'))).toBeLessThan(11);

    // And back to readable.
    await page.getByTestId('guest-fit-width').tap();
    await expect.poll(async () => Number(await screen.getAttribute('data-font-size'))).toBeGreaterThanOrEqual(11);
  } finally {
    await desk.close();
  }
});
