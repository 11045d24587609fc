/** Random url-safe ids (128 bits) for sessions, workspaces, users. Uses Web Crypto, present in browsers and Node ≥ 19. */
declare const crypto: { getRandomValues<T extends Uint8Array>(a: T): T };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function randomId(bytes = 16): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  // 6 bits per character; 16 bytes → 22 characters (128 bits, the last char carrying 2 bits).
  let acc = 0;
  let bits = 0;
  for (const b of buf) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(acc >> bits) & 63];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (6 - bits)) & 63];
  return out;
}
