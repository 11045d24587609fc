import { describe, expect, it } from 'vitest';
import { Fling, releaseVelocity, RowAccumulator, scrollRoute, startFling, Swipe, TOUCH_SCROLL } from './touch-scroll';

describe('scrollRoute', () => {
  it('scrolls the scrollback of the normal screen without mouse tracking', () => {
    expect(scrollRoute('normal', 'none')).toBe('scrollback');
    // X10 reports button presses only: the wheel is still the terminal's.
    expect(scrollRoute('normal', 'x10')).toBe('scrollback');
  });

  it('turns into wheel notches when the program takes the wheel or has no scrollback', () => {
    expect(scrollRoute('normal', 'vt200')).toBe('wheel');
    expect(scrollRoute('normal', 'drag')).toBe('wheel');
    expect(scrollRoute('normal', 'any')).toBe('wheel');
    expect(scrollRoute('alternate', 'none')).toBe('wheel');
    expect(scrollRoute('alternate', 'any')).toBe('wheel');
  });
});

describe('Swipe', () => {
  it('is a tap until the finger moves past the slop', () => {
    const s = new Swipe();
    s.start(100, 100, 0);
    expect(s.phase).toBe('pending');
    expect(s.move(103, 104, 10)).toBe(0);
    expect(s.phase).toBe('pending');
    // Lifted without moving further: a tap, no fling.
    expect(s.end(20)).toBe(0);
    expect(s.phase).toBe('idle');
  });

  it('follows a vertical drag, the slop included, so the content stays under the finger', () => {
    const s = new Swipe();
    s.start(100, 100, 0);
    expect(s.move(101, 104, 10)).toBe(0);
    expect(s.move(102, 112, 20)).toBe(12);
    expect(s.phase).toBe('vertical');
    expect(s.move(102, 130, 30)).toBe(18);
    expect(s.move(102, 120, 40)).toBe(-10);
  });

  it('ignores a sideways drag for the rest of the touch', () => {
    const s = new Swipe();
    s.start(100, 100, 0);
    expect(s.move(115, 104, 10)).toBe(0);
    expect(s.phase).toBe('ignored');
    expect(s.move(115, 200, 20)).toBe(0);
    expect(s.end(30)).toBe(0);
    // The next touch starts afresh.
    s.start(0, 0, 40);
    expect(s.move(0, 20, 50)).toBe(20);
  });

  it('stops following once cancelled (a second finger)', () => {
    const s = new Swipe();
    s.start(0, 0, 0);
    expect(s.move(0, 20, 10)).toBe(20);
    s.cancel();
    expect(s.move(0, 40, 20)).toBe(0);
    expect(s.end(30)).toBe(0);
  });

  it('gives the release speed of a flick, and none when the finger rested first', () => {
    const flick = new Swipe();
    flick.start(0, 0, 0);
    for (let t = 16; t <= 160; t += 16) flick.move(0, t * 2, t); // 2 px/ms downwards
    expect(flick.end(165)).toBeCloseTo(2, 5);

    const rested = new Swipe();
    rested.start(0, 0, 0);
    for (let t = 16; t <= 160; t += 16) rested.move(0, t * 2, t);
    expect(rested.end(160 + TOUCH_SCROLL.velocityWindowMs + 50)).toBe(0);
  });
});

describe('releaseVelocity', () => {
  it('measures over the last window only and clamps', () => {
    const samples = [
      { t: 0, y: 0 },
      { t: 100, y: 0 }, // a pause, then a fast upward move
      { t: 150, y: -50 },
      { t: 200, y: -100 },
    ];
    expect(releaseVelocity(samples, 200)).toBeCloseTo(-1, 5);
    expect(releaseVelocity([{ t: 0, y: 0 }, { t: 10, y: 1000 }], 10)).toBe(TOUCH_SCROLL.maxFlingVelocity);
    expect(releaseVelocity([{ t: 0, y: 0 }], 0)).toBe(0);
    expect(releaseVelocity([{ t: 5, y: 0 }, { t: 5, y: 10 }], 5)).toBe(0);
  });
});

describe('RowAccumulator', () => {
  it('turns finger travel into whole lines, opposite in sign, keeping the remainder', () => {
    const r = new RowAccumulator();
    expect(r.add(10, 15)).toBe(0);
    expect(r.add(10, 15)).toBe(-1); // 20 px: one row up (older output), 5 px left over
    expect(r.add(40, 15)).toBe(-3); // 45 px
    expect(r.add(-30, 15)).toBe(2); // finger going up: down toward newer output
    expect(r.add(-14, 15)).toBe(0);
    expect(r.add(-1, 15)).toBe(1);
  });

  it('never yields -0, and nothing for an unknown row height', () => {
    const r = new RowAccumulator();
    expect(Object.is(r.add(-3, 15), 0)).toBe(true);
    expect(r.add(100, 0)).toBe(0);
    expect(r.add(100, Number.NaN)).toBe(0);
    r.reset();
    expect(r.add(14, 15)).toBe(0);
  });
});

describe('Fling', () => {
  it('only starts for a fast enough release', () => {
    expect(startFling(0)).toBeNull();
    expect(startFling(TOUCH_SCROLL.minFlingVelocity / 2)).toBeNull();
    expect(startFling(-1)?.velocity).toBe(-1);
    expect(startFling(100)?.velocity).toBe(TOUCH_SCROLL.maxFlingVelocity);
  });

  it('slows down and travels about velocity × time constant in all, then stops', () => {
    const f = new Fling(1);
    let total = 0;
    let frames = 0;
    let last = Infinity;
    while (!f.done && frames < 10_000) {
      const px = f.step(16);
      expect(px).toBeLessThan(last); // decelerating
      last = px;
      total += px;
      frames++;
    }
    expect(f.done).toBe(true);
    expect(total).toBeGreaterThan(0.9 * TOUCH_SCROLL.flingTimeConstantMs);
    expect(total).toBeLessThanOrEqual(TOUCH_SCROLL.flingTimeConstantMs);
    expect(f.step(16)).toBe(0);
  });

  it('goes the same way as the release', () => {
    const f = new Fling(-2);
    expect(f.step(16)).toBeLessThan(0);
    expect(f.step(0)).toBe(0);
  });
});
