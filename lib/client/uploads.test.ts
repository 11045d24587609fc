import { describe, expect, it } from 'vitest';
import { formatBytes, MAX_UPLOAD_BYTES, oversizeReason, percentOf, uploadErrorMessage } from './uploads';

describe('uploads', () => {
  it('formats sizes as people read them', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(30 * 1024 * 1024)).toBe('30.0 MB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB');
  });

  it('reports whole percents that never pass 100, and an empty file as done', () => {
    expect(percentOf(0, 100)).toBe(0);
    expect(percentOf(999, 1000)).toBe(99);
    expect(percentOf(1000, 1000)).toBe(100);
    expect(percentOf(1200, 1000)).toBe(100);
    expect(percentOf(0, 0)).toBe(100);
  });

  it('refuses files over the limit before sending a byte, with the sizes in the sentence', () => {
    expect(oversizeReason('a.bin', MAX_UPLOAD_BYTES)).toBeNull();
    expect(oversizeReason('big.iso', MAX_UPLOAD_BYTES + 1)).toBe('big.iso is 100.0 MB; uploads are limited to 100.0 MB per file');
  });

  it("shows the gateway's sentence, or the status when the body is not its JSON", () => {
    expect(uploadErrorMessage(413, '{"error":"uploads are limited to 100 MiB"}', 'Payload Too Large')).toBe('uploads are limited to 100 MiB');
    expect(uploadErrorMessage(502, '<html>bad gateway</html>', 'Bad Gateway')).toBe('Bad Gateway');
    expect(uploadErrorMessage(500, '', '')).toBe('HTTP 500');
  });
});
