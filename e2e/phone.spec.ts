/**
 * Swipe-to-scroll on a phone. @xterm/xterm 6.0.0 moves nothing when a finger drags over the
 * terminal (upstream regression xtermjs/xterm.js#5489); lib/client/touch-scroll.ts does it. Real
 * touches go through the browser's input pipeline (CDP Input.dispatchTouchEvent), and what the
 * terminal shows is read from the rows xterm's DOM renderer draws (headless Chromium has no GPU,
 * so the WebGL renderer is never loaded — see lib/client/webgl-support.ts).
 *
 * Both phone views: the workspace page at a phone size (one pane at a time, the terminal panel)
 * and the full-screen phone terminal (/agents?s=…). A finger moving down shows older lines; a tap
 * still focuses the terminal; a flick goes on after the finger lifts; in `less` (the alternate
 * screen, no scrollback) the swipe scrolls the program as a mouse wheel would (arrow keys).
 */
import type { Locator, Page } from '@playwright/test';
import { expect, openNewWorkspace, test, useGateway } from './fixtures';
import { swipe } from './touch';

const gateway = useGateway();

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

/** The numbers shown on the terminal's rows that hold only a number (`seq` output), top to bottom. */
async function shownNumbers(xterm: Locator): Promise<number[]> {
  return xterm.evaluate((el) => {
    const rows = el.querySelectorAll('.xterm-rows > div');
    if (rows.length === 0) throw new Error('no DOM renderer rows (.xterm-rows) in this terminal');
    return [...rows].map((r) => (r.textContent ?? '').trim()).filter((t) => /^\d+$/.test(t)).map(Number);
  });
}

const top = async (xterm: Locator) => Math.min(...(await shownNumbers(xterm)));
const bottom = async (xterm: Locator) => Math.max(...(await shownNumbers(xterm)));

/** The terminal's screen box and its row height (CSS px). */
async function screenBox(xterm: Locator): Promise<{ x: number; y: number; width: number; height: number; row: number }> {
  const screen = xterm.locator('.xterm-screen');
  const box = await screen.boundingBox();
  expect(box).not.toBeNull();
  const rows = await xterm.locator('.xterm-rows > div').count();
  return { ...box!, row: box!.height / rows };
}

/** A slow drag over `travel` px, down (positive) or up; returns the rows it should move by. */
async function drag(page: Page, xterm: Locator, travel: number): Promise<number> {
  const box = await screenBox(xterm);
  const x = box.x + box.width / 2;
  const fromY = travel > 0 ? box.y + box.row * 2 : box.y + box.height - box.row * 2;
  await swipe(page, x, fromY, fromY + travel, { steps: Math.ceil(Math.abs(travel) / 12), stepMs: 20, restMs: 250 });
  return Math.abs(travel) / box.row;
}

/** Wait until the numbers shown stop changing (a fling has settled). */
async function settled(xterm: Locator): Promise<number> {
  let last = NaN;
  await expect
    .poll(
      async () => {
        const now = await top(xterm);
        const same = now === last;
        last = now;
        return same;
      },
      { intervals: [300] },
    )
    .toBe(true);
  return last;
}

/**
 * Print 1…500, check the bottom shows 500, then: a slow downward drag shows older lines by about
 * the finger's travel; an upward drag goes back; a flick goes further than the finger did; a tap
 * still puts the keyboard focus in the terminal.
 */
async function checkSwipes(page: Page, xterm: Locator): Promise<void> {
  await expect.poll(() => bottom(xterm), { timeout: 20_000 }).toBe(500);
  const box = await screenBox(xterm);
  const before = await top(xterm);
  expect(before).toBeGreaterThan(400); // the screen shows the end of the output

  // A slow drag down by ~18 rows: older lines, about as many as the finger went.
  const travel = Math.min(box.height * 0.6, box.row * 18);
  const rows = await drag(page, xterm, travel);
  await expect.poll(() => top(xterm)).toBeLessThan(before - rows * 0.7);
  const afterDown = await settled(xterm);
  expect(before - afterDown).toBeLessThanOrEqual(Math.ceil(rows) + 1); // rested before lifting: no fling

  // Back up by half of that: newer lines again.
  await drag(page, xterm, -travel / 2);
  await expect.poll(() => top(xterm)).toBeGreaterThan(afterDown + rows * 0.3);
  const afterUp = await settled(xterm);

  // A flick: the content keeps going after the finger has left.
  const flickTravel = box.row * 6;
  const x = box.x + box.width / 2;
  const fromY = box.y + box.row * 2;
  await swipe(page, x, fromY, fromY + flickTravel, { steps: 6, stepMs: 16, restMs: 0 });
  const afterFlick = await settled(xterm);
  expect(afterUp - afterFlick).toBeGreaterThan(6 * 1.5);

  // A tap is still a tap: the terminal takes the keyboard focus.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.touchscreen.tap(x, box.y + box.height / 2);
  await expect.poll(() => xterm.evaluate((el) => el.contains(document.activeElement) && document.activeElement?.tagName === 'TEXTAREA')).toBe(true);
}

test('the workspace page on a phone: a swipe scrolls the terminal, and drives less like a wheel', async ({ page }) => {
  test.setTimeout(120_000);
  await openNewWorkspace(page, gateway(), 'e2e-phone-swipe');
  await expect(page.getByTestId('pane-terminal')).toHaveAttribute('aria-pressed', 'true');
  const xterm = page.locator('.term-view[data-active="true"] .xterm');
  await expect(xterm).toBeVisible();

  await page.getByTestId('terminal-tab').first().click();
  await page.keyboard.type('seq 1 500\n');
  await checkSwipes(page, xterm);

  // less: the alternate screen has no scrollback; the swipe sends what a wheel would (Up arrows).
  await page.keyboard.type('seq 1 500 | less\n');
  await expect.poll(() => top(xterm), { timeout: 20_000 }).toBe(1);
  await page.keyboard.type('G');
  await expect.poll(() => bottom(xterm)).toBe(500);
  const lessTop = await top(xterm);
  const rows = await drag(page, xterm, (await screenBox(xterm)).row * 10);
  await expect.poll(() => top(xterm)).toBeLessThan(lessTop - rows * 0.7);
  await page.keyboard.type('q');
});

test('the phone terminal: a swipe scrolls the scrollback', async ({ page }) => {
  test.setTimeout(120_000);
  const gw = gateway();
  const session = await openNewWorkspace(page, gw, 'e2e-phone-terminal');
  await page.goto(`${gw.url}/agents?s=${session}`);
  const phone = page.getByTestId('phone-terminal');
  await expect(phone).toBeVisible();
  await expect.poll(() => page.evaluate((id) => Boolean(window.__tether?.terminals[id]), session)).toBe(true);
  const xterm = phone.locator('.xterm');

  // Typed through the composer (touch screens get it open).
  const composer = page.getByTestId('composer-input');
  if (!(await composer.isVisible())) await page.getByTestId('composer-toggle').tap();
  await composer.fill('seq 1 500');
  await page.getByTestId('composer-send').tap();
  await checkSwipes(page, xterm);
});
