import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import type { GatewayConfig } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';

/**
 * Inlines the URL sources of image and document blocks (`{"type":"url","url":…}`) as base64,
 * for upstreams that need the bytes (Bedrock). Off unless `url_fetch.enabled`. SSRF guard: only
 * http(s), the address actually connected to is checked (at connect time, so DNS rebinding cannot
 * slip past) against loopback, private, link-local, CGNAT, multicast and reserved ranges unless
 * the host is explicitly allowed; no redirects; a size cap and a timeout; images must be image/*
 * and documents application/pdf or text/plain.
 */

export interface UrlFetcher {
  /** A copy of `body` with every URL source replaced by base64 data (the input is not changed). */
  inline(body: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 96], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2002::', 16], ['2001:db8::', 32]] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** Whether connecting to `address` is an SSRF risk. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return isPrivateAddress(mapped);
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex !== null) {
    const high = Number.parseInt(hex[1] as string, 16);
    const low = Number.parseInt(hex[2] as string, 16);
    return isPrivateAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function guardedLookup(allowedHosts: ReadonlySet<string>): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error !== null) return callback(error, '', 0);
      const usable = allowedHosts.has(hostname) ? addresses : addresses.filter((entry) => !isPrivateAddress(entry.address));
      const first = usable[0];
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} resolves only to private addresses`), { code: 'GW_SSRF_BLOCKED' }), '', 0);
      if ((options as { all?: boolean }).all === true) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, usable);
      return callback(null, first.address, first.family);
    });
  };
}

/** At most this many URLs per request, fetched this many at a time. */
export const MAX_URLS = 20;
const CONCURRENCY = 4;

export function createUrlFetcher(config: GatewayConfig['url_fetch'], dispatcher?: Dispatcher): UrlFetcher {
  const allowed = new Set(config.allow_private_hosts);
  const agent = dispatcher ?? new Agent({ connect: { lookup: guardedLookup(allowed), timeout: config.timeout_ms }, headersTimeout: config.timeout_ms, bodyTimeout: config.timeout_ms });
  return {
    inline: async (body, signal) => {
      // One byte budget for the whole request; the first failure cancels the other fetches.
      const budget = { remaining: config.max_bytes, limit: config.max_bytes };
      const controller = new AbortController();
      const linked = AbortSignal.any([signal, controller.signal]);
      try {
        return await inlineSources(body, (url, kind) => fetchSource(url, kind, { agent, allowed, budget, timeoutMs: config.timeout_ms, signal: linked }));
      } catch (error) {
        controller.abort();
        throw error;
      }
    },
    close: () => agent.close(),
  };
}

/** An Anthropic source: base64 for images and PDFs, text for plain-text documents. */
export interface InlineSource {
  readonly type: 'base64' | 'text';
  readonly media_type: string;
  readonly data: string;
}

type Kind = 'image' | 'document';
type Fetch = (url: string, kind: Kind) => Promise<InlineSource>;

function urlSource(block: unknown): { kind: Kind; url: string } | undefined {
  if (typeof block !== 'object' || block === null) return undefined;
  const record = block as { type?: unknown; source?: { type?: unknown; url?: unknown } };
  if ((record.type === 'image' || record.type === 'document') && record.source?.type === 'url' && typeof record.source.url === 'string') return { kind: record.type, url: record.source.url };
  return undefined;
}

/** Calls `visitor` on every content block of the messages, tool-result contents included. */
function mapBlocks(body: Record<string, unknown>, visitor: (block: unknown) => unknown): Record<string, unknown> {
  const visit = (block: unknown): unknown => {
    const record = block as { type?: unknown; content?: unknown } | null;
    if (record?.type === 'tool_result' && Array.isArray(record.content)) return { ...record, content: record.content.map(visit) };
    return visitor(block);
  };
  const messages = (body.messages as unknown[]).map((message) => {
    const content = (message as { content?: unknown } | null)?.content;
    return Array.isArray(content) ? { ...(message as object), content: content.map(visit) } : message;
  });
  return { ...body, messages };
}

/**
 * Replaces the URL sources of `body` (at most MAX_URLS, each distinct URL fetched once, a few at
 * a time) with the fetched data; the input is not changed.
 */
export async function inlineSources(body: Record<string, unknown>, fetch: Fetch): Promise<Record<string, unknown>> {
  if (!Array.isArray(body.messages)) return body;
  const wanted = new Map<string, { kind: Kind; url: string }>();
  mapBlocks(body, (block) => {
    const source = urlSource(block);
    if (source !== undefined) wanted.set(`${source.kind} ${source.url}`, source);
    return block;
  });
  if (wanted.size === 0) return body;
  if (wanted.size > MAX_URLS) throw new GatewayError('GW_URL_FETCH_FAILED', `The request has ${wanted.size} image or document URLs; at most ${MAX_URLS} are fetched.`);
  const fetched = new Map<string, InlineSource>();
  const queue = [...wanted.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) fetched.set(next[0], await fetch(next[1].url, next[1].kind));
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  return mapBlocks(body, (block) => {
    const source = urlSource(block);
    return source === undefined ? block : { ...(block as object), source: fetched.get(`${source.kind} ${source.url}`) };
  });
}

interface FetchOptions {
  readonly agent: Dispatcher;
  readonly allowed: ReadonlySet<string>;
  /** Bytes left for this request's URLs, shared by its fetches. */
  readonly budget: { remaining: number; readonly limit: number };
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

const documentTypes = new Set(['application/pdf', 'text/plain']);

async function fetchSource(raw: string, kind: 'image' | 'document', options: FetchOptions): Promise<InlineSource> {
  const fail = (why: string) => new GatewayError('GW_URL_FETCH_FAILED', `Could not fetch the ${kind} URL ${raw}: ${why}.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fail('not a valid URL');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && isPrivateAddress(host) && !options.allowed.has(host)) throw fail('it points to a private address');
  // https only; plain http just for hosts explicitly allowed (local development, tests).
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowed.has(host))) throw fail('only https URLs are fetched');
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  let response: Dispatcher.ResponseData;
  try {
    response = await options.agent.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET', signal, headers: { accept: kind === 'image' ? 'image/*' : 'application/pdf, text/plain' } });
  } catch (error) {
    if (options.signal.aborted) throw error;
    throw fail((error as { code?: string }).code === 'GW_SSRF_BLOCKED' ? 'it points to a private address' : (error as Error).message);
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw fail(`the server answered ${response.statusCode}`);
  }
  const mediaType = String(response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (kind === 'image' ? !mediaType.startsWith('image/') : !documentTypes.has(mediaType)) {
    await response.body.dump();
    throw fail(`its content type ${mediaType || '(none)'} is not ${kind === 'image' ? 'an image' : 'a PDF or plain text'}`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    options.budget.remaining -= chunk.length;
    if (options.budget.remaining < 0) {
      response.body.destroy();
      throw fail(`the URLs of this request add up to more than ${options.budget.limit} bytes`);
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  if (mediaType === 'text/plain') return { type: 'text', media_type: mediaType, data: bytes.toString('utf8') };
  return { type: 'base64', media_type: mediaType, data: bytes.toString('base64') };
}
