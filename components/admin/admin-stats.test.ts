import { describe, expect, it } from 'vitest';
import { bytesText, endpointText, msText, perSecText, percentText, ratesBetween, retryText, uptimeText, type Reading } from './admin-stats';

const reading = (over: Partial<Reading> & { cpu?: number } = {}): Reading => ({
  at: 10_000,
  uptimeSeconds: 10,
  process: { cpuSeconds: over.cpu ?? 1 },
  bytesSent: 1000,
  bytesReceived: 100,
  trpcCalls: 50,
  trpcErrors: 2,
  ...over,
});

describe('ratesBetween', () => {
  it('divides the differences by the time between readings', () => {
    const r = ratesBetween(reading(), reading({ at: 12_000, uptimeSeconds: 12, cpu: 1.5, bytesSent: 5000, bytesReceived: 110, trpcCalls: 54, trpcErrors: 3 }));
    expect(r).toEqual({ bytesOutPerSec: 2000, bytesInPerSec: 5, cpuPercent: 25, trpcCallsPerSec: 2, trpcErrorsPerSec: 0.5, seconds: 2 });
  });

  it('has no rates without an earlier reading or time between them', () => {
    expect(ratesBetween(null, reading())).toBeNull();
    expect(ratesBetween(reading(), reading())).toBeNull();
  });

  it('has no rates across a gateway restart (counters went back)', () => {
    expect(ratesBetween(reading(), reading({ at: 12_000, uptimeSeconds: 1, bytesSent: 10 }))).toBeNull();
    expect(ratesBetween(reading(), reading({ at: 12_000, uptimeSeconds: 12, cpu: 0.1 }))).toBeNull();
  });
});

describe('texts', () => {
  it('bytes', () => {
    expect(bytesText(0)).toBe('0 B');
    expect(bytesText(512)).toBe('512 B');
    expect(bytesText(1536)).toBe('1.50 KiB');
    expect(bytesText(23 * 1024 * 1024)).toBe('23.0 MiB');
    expect(bytesText(300 * 1024 * 1024)).toBe('300 MiB');
  });
  it('per second, ms, percent', () => {
    expect(perSecText(0)).toBe('0');
    expect(perSecText(0.5)).toBe('0.5');
    expect(perSecText(12.4)).toBe('12');
    expect(perSecText(1234)).toBe('1.2k');
    expect(msText(null)).toBe('—');
    expect(msText(0.4217)).toBe('0.42 ms');
    expect(msText(3.14)).toBe('3.1 ms');
    expect(msText(120.4)).toBe('120 ms');
    expect(percentText(2.345)).toBe('2.3 %');
    expect(percentText(140.2)).toBe('140 %');
  });
  it('uptime and retry', () => {
    expect(uptimeText(42)).toBe('42 s');
    expect(uptimeText(303)).toBe('5 min 3 s');
    expect(uptimeText(3 * 3600 + 12 * 60)).toBe('3 h 12 min');
    expect(uptimeText(2 * 86400 + 4 * 3600)).toBe('2 d 4 h');
    expect(retryText(null, 0)).toBeNull();
    expect(retryText(0, 1000)).toBeNull();
    expect(retryText(13_000, 1000)).toBe('in 12 s');
    expect(retryText(900, 1000)).toBe('now');
  });
  it('endpoint', () => {
    expect(endpointText({ host: 'h', port: 22, username: 'u' })).toBe('u@h');
    expect(endpointText({ host: 'h', port: 2222, username: 'u' })).toBe('u@h:2222');
  });
});
