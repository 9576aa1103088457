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
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
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

export function createUrlFetcher(config: GatewayConfig['url_fetch'], dispatcher?: Dispatcher): UrlFetcher {
  const allowed = new Set(config.allow_private_hosts);
  const agent = dispatcher ?? new Agent({ connect: { lookup: guardedLookup(allowed), timeout: config.timeout_ms }, headersTimeout: config.timeout_ms, bodyTimeout: config.timeout_ms });
  const fetchOne = (url: string, kind: 'image' | 'document', signal: AbortSignal) => fetchSource(url, kind, { agent, allowed, maxBytes: config.max_bytes, timeoutMs: config.timeout_ms, signal });
  return {
    inline: (body, signal) => inlineSources(body, (url, kind) => fetchOne(url, kind, signal)),
    close: () => agent.close(),
  };
}

/** An Anthropic source: base64 for images and PDFs, text for plain-text documents. */
export interface InlineSource {
  readonly type: 'base64' | 'text';
  readonly media_type: string;
  readonly data: string;
}

type Fetch = (url: string, kind: 'image' | 'document') => Promise<InlineSource>;

/** Walks messages (and tool results) and replaces URL sources, pure but for `fetch`. */
export async function inlineSources(body: Record<string, unknown>, fetch: Fetch): Promise<Record<string, unknown>> {
  if (!Array.isArray(body.messages)) return body;
  const visit = async (block: unknown): Promise<unknown> => {
    if (typeof block !== 'object' || block === null) return block;
    const record = block as Record<string, unknown>;
    const source = record.source as { type?: unknown; url?: unknown } | undefined;
    if ((record.type === 'image' || record.type === 'document') && source?.type === 'url' && typeof source.url === 'string') {
      return { ...record, source: await fetch(source.url, record.type) };
    }
    if (record.type === 'tool_result' && Array.isArray(record.content)) return { ...record, content: await Promise.all(record.content.map(visit)) };
    return block;
  };
  const messages = await Promise.all(
    body.messages.map(async (message: unknown) => {
      const content = (message as { content?: unknown } | null)?.content;
      if (!Array.isArray(content)) return message;
      return { ...(message as object), content: await Promise.all(content.map(visit)) };
    }),
  );
  return { ...body, messages };
}

interface FetchOptions {
  readonly agent: Dispatcher;
  readonly allowed: ReadonlySet<string>;
  readonly maxBytes: number;
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
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fail('only http and https URLs are fetched');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && isPrivateAddress(host) && !options.allowed.has(host)) throw fail('it points to a private address');
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
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > options.maxBytes) {
      response.body.destroy();
      throw fail(`it is larger than ${options.maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  if (mediaType === 'text/plain') return { type: 'text', media_type: mediaType, data: bytes.toString('utf8') };
  return { type: 'base64', media_type: mediaType, data: bytes.toString('base64') };
}
