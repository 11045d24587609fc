import { describe, expect, it } from 'vitest';
import { expiryText, shareEndReason } from './guest-share';

describe('shareEndReason', () => {
  it('maps the server messages back to why the share ended', () => {
    expect(shareEndReason('This link was revoked by its owner.')).toBe('revoked');
    expect(shareEndReason('This link has expired.')).toBe('expired');
    expect(shareEndReason('The owner removed you from this share.')).toBe('kicked');
    expect(shareEndReason('This link is not valid. Ask the person who shared it for a new one.')).toBe('not_found');
    expect(shareEndReason('')).toBe('not_found');
  });
});

describe('expiryText', () => {
  const now = 1_000_000;
  it('says how long is left in the largest useful units', () => {
    expect(expiryText(null, now)).toBe('never expires');
    expect(expiryText(now - 1, now)).toBe('expired');
    expect(expiryText(now + 30_000, now)).toBe('expires in less than a minute');
    expect(expiryText(now + 60_000, now)).toBe('expires in 1 minute');
    expect(expiryText(now + 14 * 60_000 + 5_000, now)).toBe('expires in 15 minutes');
    expect(expiryText(now + 3600_000, now)).toBe('expires in 1 hour');
    expect(expiryText(now + 2 * 3600_000 + 10 * 60_000, now)).toBe('expires in 2 hours 10 minutes');
    expect(expiryText(now + 24 * 3600_000 - 1_000, now)).toBe('expires in 24 hours');
    expect(expiryText(now + 7 * 24 * 3600_000, now)).toBe('expires in 7 days');
    expect(expiryText(now + 26 * 3600_000, now)).toBe('expires in 1 day 2 hours');
  });
});
