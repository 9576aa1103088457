/**
 * How long an OpenAI-compatible provider asks us to wait, from its response headers, pure (the
 * clock is passed in): `retry-after-ms`, `retry-after` (seconds or an HTTP date), then for a
 * rejected request the latest reset among the exhausted buckets: OpenAI's and Groq's
 * `x-ratelimit-reset-requests` / `-tokens` (Go durations: `1s`, `6m0s`, `2m59.56s`, `20ms`),
 * Cerebras' `x-ratelimit-reset-requests-day` / `-tokens-minute` (seconds), OpenRouter's
 * `x-ratelimit-reset` (epoch milliseconds). A bucket whose `x-ratelimit-remaining-*` is not 0
 * is not why the request was refused and is skipped. Undefined when nothing usable came.
 */

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function first(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const trimmed = text?.trim();
  return trimmed === '' ? undefined : trimmed;
}

const unitMs: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000001 };

/** A Go duration (`6m0s`, `1.5s`, `20ms`) or a plain number of seconds, in ms; undefined if neither. */
export function parseDurationMs(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(match[1]) * (unitMs[match[2] as string] ?? 0);
  return Math.ceil(total);
}

export function openAIRetryAfterMs(headers: Headers, nowMs: number, rateLimited = true): number | undefined {
  const milliseconds = first(headers['retry-after-ms']);
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds)) return Math.ceil(Number(milliseconds));
  const retryAfter = first(headers['retry-after']);
  if (retryAfter !== undefined) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, Math.ceil(date - nowMs));
  }
  return rateLimited ? resetMs(headers, nowMs) : undefined;
}

function resetMs(headers: Headers, nowMs: number): number | undefined {
  let latest: number | undefined;
  for (const [name, raw] of Object.entries(headers)) {
    const value = first(raw);
    if (value === undefined || !name.startsWith('x-ratelimit-reset')) continue;
    let wait: number | undefined;
    if (name === 'x-ratelimit-reset') {
      const at = Number(value);
      wait = /^\d+$/.test(value) ? Math.max(0, Math.ceil((at < 1e11 ? at * 1000 : at) - nowMs)) : undefined;
    } else {
      const remaining = first(headers[name.replace('x-ratelimit-reset', 'x-ratelimit-remaining')]);
      if (remaining !== undefined && Number(remaining) !== 0) continue;
      wait = parseDurationMs(value);
    }
    if (wait !== undefined) latest = latest === undefined ? wait : Math.max(latest, wait);
  }
  return latest;
}
