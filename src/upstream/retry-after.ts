/**
 * How long an upstream asks us to wait, from its response headers, pure: `retry-after-ms`,
 * `retry-after` (seconds or an HTTP date), then the latest of the rate-limit reset headers
 * (`anthropic-ratelimit-*-reset`, RFC 3339; `anthropic-ratelimit-unified-*reset`, epoch seconds).
 * Undefined when the headers say nothing usable. Never negative.
 */

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Milliseconds to wait from `headers`, measured from `nowMs` (epoch ms), rounded up to a whole
 * millisecond. The rate-limit reset headers count only for a 429 (`rateLimited`): other answers
 * carry them too, describing buckets that are not exhausted.
 */
export function retryAfterMs(headers: Headers, nowMs: number, rateLimited = true): number | undefined {
  const milliseconds = Number(first(headers['retry-after-ms']));
  if (first(headers['retry-after-ms']) !== undefined && Number.isFinite(milliseconds) && milliseconds >= 0) return Math.ceil(milliseconds);
  const retryAfter = first(headers['retry-after'])?.trim();
  if (retryAfter !== undefined && retryAfter !== '') {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, Math.ceil(date - nowMs));
  }
  return rateLimited ? resetHeadersMs(headers, nowMs) : undefined;
}

/** The latest reset among the rate-limit headers of a rejected request. */
function resetHeadersMs(headers: Headers, nowMs: number): number | undefined {
  let latest: number | undefined;
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith('anthropic-ratelimit-') || !name.endsWith('reset')) continue;
    const value = first(raw)?.trim();
    if (value === undefined || value === '') continue;
    const at = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
    if (!Number.isFinite(at)) continue;
    const wait = Math.max(0, Math.ceil(at - nowMs));
    // A bucket that still has room is not why the request was refused.
    if (first(headers[name.replace(/reset$/, 'remaining')]) !== undefined && first(headers[name.replace(/reset$/, 'remaining')]) !== '0') continue;
    if (name.includes('-unified-') && headers[name.replace(/reset$/, 'status')] !== undefined && first(headers[name.replace(/reset$/, 'status')]) !== 'rejected') continue;
    latest = latest === undefined ? wait : Math.max(latest, wait);
  }
  return latest;
}
