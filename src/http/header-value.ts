/**
 * Response headers the gateway writes must never make `writeHead` throw: by then the upstream
 * was called (and maybe paid), and a throw turns the answer into a broken 500. Values that
 * come from the client or an upstream (the model, a stop reason) are made safe here:
 * - `headerText` for a value the gateway adds: visible ASCII kept, everything else (controls,
 *   CR, LF, NUL, non-ASCII, `%` itself) percent-encoded as UTF-8, and bounded in length;
 * - `safeHeaders` for a whole set about to be written: every value Node would refuse is encoded
 *   the same way, any name it would refuse is dropped. Valid headers pass through unchanged.
 */

/** Longest value the gateway echoes into one of its own headers, in characters. */
export const MAX_ECHOED_HEADER_CHARS = 256;

// Node's rules (lib/_http_common.js): a token for names; TAB, visible ASCII and obs-text for values.
const INVALID_NAME = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const NOT_VISIBLE_ASCII = /[^\x21-\x24\x26-\x7e]/gu;

/** A character's UTF-8 bytes as %XX (a lone surrogate becomes U+FFFD's, never an exception). */
function percentEncoded(character: string): string {
  let out = '';
  for (const byte of Buffer.from(character, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** `text` as a header value: visible ASCII as it is, the rest percent-encoded, at most `maxChars` long. */
export function headerText(text: string, maxChars = MAX_ECHOED_HEADER_CHARS): string {
  const encoded = text.replace(NOT_VISIBLE_ASCII, percentEncoded);
  if (encoded.length <= maxChars) return encoded;
  // Never cut through a %XX escape.
  let end = maxChars;
  const lastPercent = encoded.lastIndexOf('%', end - 1);
  if (lastPercent !== -1 && lastPercent > end - 3) end = lastPercent;
  return encoded.slice(0, end);
}

function safeValue(value: string): string {
  return INVALID_VALUE.test(value) ? headerText(value, Number.MAX_SAFE_INTEGER) : value;
}

/** The headers with every value Node would refuse encoded, and every name it would refuse dropped. */
export function safeHeaders<Value extends string | readonly string[]>(headers: Readonly<Record<string, Value>>): Record<string, Value> {
  let out: Record<string, Value> | undefined;
  for (const name of Object.keys(headers)) {
    const value = headers[name] as Value;
    const nameValid = name !== '' && !INVALID_NAME.test(name);
    const safe = !nameValid ? undefined : typeof value === 'string' ? safeValue(value) : (value as readonly string[]).map(safeValue);
    const changed = !nameValid || (typeof value === 'string' ? safe !== value : (safe as string[]).some((item, index) => item !== (value as readonly string[])[index]));
    if (!changed) continue;
    out ??= { ...headers };
    if (safe === undefined) delete out[name];
    else out[name] = safe as Value;
  }
  return out ?? (headers as Record<string, Value>);
}
