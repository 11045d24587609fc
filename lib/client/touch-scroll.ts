/**
 * Swipe-to-scroll for xterm.js terminals on touch screens.
 *
 * @xterm/xterm 6.0.0 replaced its natively scrolling viewport with VS Code's scrollable element,
 * which answers the wheel and its scrollbar only: a finger dragged over the terminal moves nothing
 * (xtermjs/xterm.js#5489; fixed upstream after 6.0.0 by #5563 and #5685, in no stable release
 * yet). This puts it back with the public API, for every terminal (`TouchScrollAddon`, loaded
 * right after `term.open`):
 *
 * - One finger dragged vertically scrolls the scrollback with `term.scrollLines`, following the
 *   finger row by row (the rendered row height converts pixels to lines); let go while moving and
 *   it flings on, slowing down, until it stops or reaches either end. A touch that moves less
 *   than a few pixels is a tap and is left alone, as is a sideways drag, a second finger or a
 *   pinch: taps still focus the terminal and bring up the on-screen keyboard.
 * - When the program has no scrollback to show — the alternate screen (vim, less, top) — or asked
 *   for mouse reports, the swipe does what a mouse wheel would there: each row of travel is one
 *   wheel notch that xterm itself turns into a wheel report (mouse tracking) or an Up/Down arrow
 *   key (alternate screen without mouse tracking). No fling then: keys are not sent after the
 *   finger has left.
 *
 * The element gets `touch-action: pan-x pinch-zoom`, so the browser leaves vertical drags to this
 * code (no page scroll or pull-to-refresh starting under the terminal) but still pinch-zooms.
 *
 * Remove this once the pinned @xterm/xterm includes the upstream fix.
 */
import type { ITerminalAddon, Terminal } from '@xterm/xterm';

export const TOUCH_SCROLL = {
  /** Finger travel (CSS px) before a touch counts as a swipe rather than a tap. */
  slopPx: 8,
  /** Only the finger's movement in this many ms before it lifts sets the fling's speed. */
  velocityWindowMs: 100,
  /** Slower releases (px/ms) just stop; faster ones fling, at most maxFlingVelocity. */
  minFlingVelocity: 0.3,
  maxFlingVelocity: 8,
  /** A fling slows exponentially with this time constant (ms): it travels velocity × this in all. */
  flingTimeConstantMs: 325,
  /** Below this speed (px/ms) a fling has stopped. */
  stopVelocity: 0.02,
} as const;

export type ScrollRoute = 'scrollback' | 'wheel';

/**
 * What a swipe drives: the scrollback, or — when the program has none to show (alternate screen)
 * or takes the wheel itself (mouse tracking that reports it; X10 reports presses only) — wheel
 * notches, as a mouse wheel would.
 */
export function scrollRoute(bufferType: 'normal' | 'alternate', mouseTracking: 'none' | 'x10' | 'vt200' | 'drag' | 'any'): ScrollRoute {
  if (bufferType === 'alternate') return 'wheel';
  return mouseTracking === 'none' || mouseTracking === 'x10' ? 'scrollback' : 'wheel';
}

export type SwipePhase = 'idle' | 'pending' | 'vertical' | 'ignored';

/**
 * One finger's gesture: a tap until it moves `slopPx`, then a vertical swipe (followed) or
 * anything else (ignored until the next touch). Coordinates in CSS px, times in ms.
 */
export class Swipe {
  private state: SwipePhase = 'idle';
  private startX = 0;
  private startY = 0;
  private lastY = 0;
  private samples: Array<{ t: number; y: number }> = [];

  get phase(): SwipePhase {
    return this.state;
  }

  start(x: number, y: number, t: number): void {
    this.state = 'pending';
    this.startX = x;
    this.startY = y;
    this.lastY = y;
    this.samples = [{ t, y }];
  }

  /** The finger moved: the vertical travel (px, down positive) to scroll by now; 0 unless swiping. */
  move(x: number, y: number, t: number): number {
    if (this.state === 'pending') {
      const dx = x - this.startX;
      const dy = y - this.startY;
      if (Math.max(Math.abs(dx), Math.abs(dy)) < TOUCH_SCROLL.slopPx) return 0;
      // Decided once: a mostly sideways drag never turns into a scroll.
      this.state = Math.abs(dy) >= Math.abs(dx) ? 'vertical' : 'ignored';
    }
    if (this.state !== 'vertical') return 0;
    // The first step includes the slop, so the content stays under the finger.
    const delta = y - this.lastY;
    this.lastY = y;
    this.samples.push({ t, y });
    // Keep what the release speed could need (and one older sample to measure from).
    while (this.samples.length > 2 && this.samples[1]!.t < t - TOUCH_SCROLL.velocityWindowMs) this.samples.shift();
    return delta;
  }

  /** The finger lifted at `t`: its speed (px/ms, down positive) if it was swiping, else 0. */
  end(t: number): number {
    const swiping = this.state === 'vertical';
    this.state = 'idle';
    if (!swiping) return 0;
    return releaseVelocity(this.samples, t);
  }

  /** A second finger, or the browser took the touch: ignore the rest of this gesture. */
  cancel(): void {
    if (this.state !== 'idle') this.state = 'ignored';
  }
}

/**
 * The speed (px/ms) over the samples of the last `velocityWindowMs` before `t`, clamped to
 * ±maxFlingVelocity; 0 when the finger rested that long before lifting.
 */
export function releaseVelocity(samples: ReadonlyArray<{ t: number; y: number }>, t: number): number {
  const recent = samples.filter((s) => s.t >= t - TOUCH_SCROLL.velocityWindowMs);
  if (recent.length < 2) return 0;
  const first = recent[0]!;
  const last = recent[recent.length - 1]!;
  const dt = last.t - first.t;
  if (dt <= 0) return 0;
  const v = (last.y - first.y) / dt;
  return Math.max(-TOUCH_SCROLL.maxFlingVelocity, Math.min(TOUCH_SCROLL.maxFlingVelocity, v));
}

/**
 * Finger travel in px → whole lines to scroll, keeping the remainder for the next move. The sign
 * follows `term.scrollLines`: a finger moving down (positive px) gives negative lines (up, toward
 * older output), as the content follows the finger.
 */
export class RowAccumulator {
  private px = 0;

  add(px: number, rowHeight: number): number {
    if (!(rowHeight > 0) || !Number.isFinite(px)) return 0;
    this.px += px;
    const rows = Math.trunc(this.px / rowHeight);
    this.px -= rows * rowHeight;
    return rows === 0 ? 0 : -rows;
  }

  reset(): void {
    this.px = 0;
  }
}

/** Momentum after the finger lifts: an exponentially decaying speed. */
export class Fling {
  private v: number;

  constructor(velocity: number) {
    this.v = velocity;
  }

  get velocity(): number {
    return this.v;
  }

  get done(): boolean {
    return Math.abs(this.v) < TOUCH_SCROLL.stopVelocity;
  }

  /** The travel (px, down positive) over the next `dt` ms; 0 once stopped. */
  step(dt: number): number {
    if (this.done || !(dt > 0)) return 0;
    const tau = TOUCH_SCROLL.flingTimeConstantMs;
    const decay = Math.exp(-dt / tau);
    const px = this.v * tau * (1 - decay);
    this.v *= decay;
    return px;
  }
}

/** A fling for a release at `velocity` px/ms, or null when too slow to fling. */
export function startFling(velocity: number): Fling | null {
  if (!(Math.abs(velocity) >= TOUCH_SCROLL.minFlingVelocity)) return null;
  return new Fling(Math.max(-TOUCH_SCROLL.maxFlingVelocity, Math.min(TOUCH_SCROLL.maxFlingVelocity, velocity)));
}

/** Longest frame step a fling takes at once (a background tab's late frame must not jump). */
const MAX_FRAME_MS = 64;

/**
 * Make one-finger vertical swipes over `element` (the terminal's `.xterm` element, or a box around
 * it) scroll `term`. Returns the function that undoes it.
 */
export function attachTouchScroll(term: Terminal, element: HTMLElement): () => void {
  const win = element.ownerDocument.defaultView ?? window;
  const swipe = new Swipe();
  const rows = new RowAccumulator();
  let fling: Fling | null = null;
  let frame = 0;
  let frameAt = 0;
  /** Where the finger is, for the wheel notches' coordinates (mouse reports name a cell). */
  let point = { x: 0, y: 0 };

  const rowHeight = (): number => {
    const screen = element.querySelector<HTMLElement>('.xterm-screen') ?? term.element?.querySelector<HTMLElement>('.xterm-screen');
    const h = screen?.getBoundingClientRect().height ?? 0;
    if (h > 0 && term.rows > 0) return h / term.rows;
    return (term.options.fontSize ?? 13) * (term.options.lineHeight ?? 1);
  };
  const route = (): ScrollRoute => scrollRoute(term.buffer.active.type, term.modes.mouseTrackingMode);

  const scrollBy = (lines: number): void => {
    if (lines === 0) return;
    if (route() === 'scrollback') {
      term.scrollLines(lines);
      return;
    }
    // One line-mode wheel notch per row, to xterm's own wheel handling on its element.
    const target = term.element ?? element;
    const WheelEventCtor = (win as typeof globalThis).WheelEvent;
    for (let i = 0; i < Math.abs(lines); i++) {
      target.dispatchEvent(
        new WheelEventCtor('wheel', {
          deltaY: Math.sign(lines),
          deltaMode: WheelEventCtor.DOM_DELTA_LINE,
          clientX: point.x,
          clientY: point.y,
          bubbles: true,
          cancelable: true,
        }),
      );
    }
  };

  const stopFling = (): void => {
    fling = null;
    if (frame) win.cancelAnimationFrame(frame);
    frame = 0;
  };

  const tick = (now: number): void => {
    frame = 0;
    if (!fling || route() !== 'scrollback') return stopFling();
    const dt = Math.min(MAX_FRAME_MS, Math.max(0, now - frameAt));
    frameAt = now;
    const lines = rows.add(fling.step(dt), rowHeight());
    if (lines !== 0) {
      const buf = term.buffer.active;
      // At the top (or back at the bottom) there is nothing left to fling through.
      if ((lines < 0 && buf.viewportY <= 0) || (lines > 0 && buf.viewportY >= buf.baseY)) return stopFling();
      scrollBy(lines);
    }
    if (fling.done) return stopFling();
    frame = win.requestAnimationFrame(tick);
  };

  const onStart = (e: TouchEvent): void => {
    stopFling(); // a touch catches a fling
    const touch = e.touches[0];
    if (e.touches.length !== 1 || !touch) {
      swipe.cancel();
      return;
    }
    swipe.start(touch.clientX, touch.clientY, e.timeStamp);
    rows.reset();
    point = { x: touch.clientX, y: touch.clientY };
  };

  const onMove = (e: TouchEvent): void => {
    const touch = e.touches[0];
    if (e.touches.length !== 1 || !touch) {
      swipe.cancel();
      return;
    }
    const dy = swipe.move(touch.clientX, touch.clientY, e.timeStamp);
    if (swipe.phase !== 'vertical') return;
    // The swipe is ours: no page scroll, no pull-to-refresh, no click at the end.
    if (e.cancelable) e.preventDefault();
    point = { x: touch.clientX, y: touch.clientY };
    scrollBy(rows.add(dy, rowHeight()));
  };

  const onEnd = (e: TouchEvent): void => {
    if (e.touches.length > 0) {
      swipe.cancel(); // one of several fingers lifted
      return;
    }
    const velocity = swipe.end(e.timeStamp);
    if (route() !== 'scrollback') return;
    fling = startFling(velocity);
    if (!fling) return;
    frameAt = win.performance.now();
    frame = win.requestAnimationFrame(tick);
  };

  const onCancel = (): void => swipe.cancel();

  const previousTouchAction = element.style.touchAction;
  element.style.touchAction = 'pan-x pinch-zoom';
  element.addEventListener('touchstart', onStart, { passive: true });
  element.addEventListener('touchmove', onMove, { passive: false });
  element.addEventListener('touchend', onEnd, { passive: true });
  element.addEventListener('touchcancel', onCancel, { passive: true });

  return () => {
    stopFling();
    element.removeEventListener('touchstart', onStart);
    element.removeEventListener('touchmove', onMove);
    element.removeEventListener('touchend', onEnd);
    element.removeEventListener('touchcancel', onCancel);
    element.style.touchAction = previousTouchAction;
  };
}

/**
 * `attachTouchScroll` as an xterm addon on the terminal's own element: load it after
 * `term.open(…)`; `term.dispose()` takes it away with the terminal.
 */
export class TouchScrollAddon implements ITerminalAddon {
  private detach: (() => void) | null = null;

  activate(term: Terminal): void {
    if (term.element) this.detach = attachTouchScroll(term, term.element);
  }

  dispose(): void {
    this.detach?.();
    this.detach = null;
  }
}
