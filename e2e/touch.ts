/** Touch input through the browser's input pipeline (CDP Input.dispatchTouchEvent), for phone specs. */
import type { Page } from '@playwright/test';

/**
 * One finger from (fromX, fromY) to (toX, toY) in `steps` moves `stepMs` apart, resting `restMs`
 * before it lifts. The events carry those times as their timestamps: CDP round trips on a slow
 * machine take far longer than a finger's 16 ms, and a fling's speed is measured from the events'
 * own times.
 */
export async function swipeTo(
  page: Page,
  from: { x: number; y: number },
  to: { x: number; y: number },
  opts: { steps: number; stepMs: number; restMs: number },
): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const t0 = Date.now() / 1000;
  try {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [from], timestamp: t0 });
    for (let i = 1; i <= opts.steps; i++) {
      const x = from.x + ((to.x - from.x) * i) / opts.steps;
      const y = from.y + ((to.y - from.y) * i) / opts.steps;
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y }], timestamp: t0 + (i * opts.stepMs) / 1000 });
    }
    const end = t0 + (opts.steps * opts.stepMs + opts.restMs) / 1000;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [], timestamp: end });
  } finally {
    await cdp.detach();
  }
}

/** A vertical swipe at `x` (see swipeTo). */
export async function swipe(page: Page, x: number, fromY: number, toY: number, opts: { steps: number; stepMs: number; restMs: number }): Promise<void> {
  await swipeTo(page, { x, y: fromY }, { x, y: toY }, opts);
}
