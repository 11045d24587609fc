import { describe, expect, it } from 'vitest';
import { safeCallbackPath } from './auth-client';

describe('safeCallbackPath', () => {
  const origin = 'http://127.0.0.1:4000';
  it('keeps same-origin paths', () => {
    expect(safeCallbackPath('/w/abc?x=1', origin)).toBe('/w/abc?x=1');
    expect(safeCallbackPath('http://127.0.0.1:4000/w/abc', origin)).toBe('/w/abc');
  });
  it('refuses other origins and junk', () => {
    expect(safeCallbackPath('https://evil.example/', origin)).toBe('/');
    expect(safeCallbackPath('//evil.example/x', origin)).toBe('/');
    expect(safeCallbackPath(null, origin)).toBe('/');
    expect(safeCallbackPath('', origin)).toBe('/');
  });
});
