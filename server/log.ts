/**
 * Structured JSON-lines logs (pino): `{"level":"info","time":"…","msg":"…", …fields}`.
 * Secrets are scrubbed here, at the one place logs are written, so a careless call site cannot
 * leak them: fields whose names look secret are replaced, and token-shaped text anywhere in a
 * value or message (API tokens, share tokens, bearer headers, session and share cookies) is cut.
 */
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const SECRET_KEY = /pass(word|phrase)?|secret|token|cookie|authorization|credential|private.?key/i;
const SECRET_TEXT: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/\b(tth|tsh)_[A-Za-z0-9_-]{16,}/g, '$1_[redacted]'],
  [/\b((?:__Secure-|__Host-)?next-auth\.[a-z-]+|tether_share)=[^;\s,]+/gi, '$1=[redacted]'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
];
const MAX_DEPTH = 6;

export function scrubText(text: string): string {
  let out = text;
  for (const [re, by] of SECRET_TEXT) out = out.replace(re, by);
  return out;
}

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[deep]';
  if (value instanceof Error) return { name: value.name, message: scrubText(value.message) };
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: LogFields = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : scrub(v, depth + 1);
  return out;
}

export function createLogger(opts: { level?: LogLevel; write?: (line: string) => void; base?: LogFields } = {}): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const root = pino(
    {
      level: opts.level ?? 'info',
      base: null,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => scrub(obj) as Record<string, unknown>,
      },
    },
    { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) },
  );
  const logger = wrap(root);
  return opts.base ? logger.child(opts.base) : logger;
}

function wrap(p: pino.Logger): Logger {
  const at = (level: LogLevel) => (msg: string, fields?: LogFields) => (fields ? p[level](fields, scrubText(msg)) : p[level](scrubText(msg)));
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(p.child(scrub(fields) as LogFields)),
  };
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
