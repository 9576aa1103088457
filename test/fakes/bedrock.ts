import type { IncomingMessage, ServerResponse } from 'node:http';
import { sseOf } from './anthropic.ts';
import { ScriptedServer } from './scripted-server.ts';
import {
  countTokensOf,
  defaultBedrockResponder,
  type BedrockOperation,
  type BedrockStep,
  type EventStreamItem,
  type RecordedBedrockRequest,
  type StreamEnd,
} from './bedrock-steps.ts';
import { chunkFrame, eventFrame, exceptionFrame } from './event-stream.ts';
import { verifySigV4, type SigV4Credentials } from './sigv4-verify.ts';

export * from './bedrock-steps.ts';

/**
 * A scriptable fake of the AWS Bedrock runtime on 127.0.0.1 (shared/spec/protocols.md §3, §4),
 * in the style of ./anthropic.ts. Every request is authenticated as AWS does it, a Bedrock API key
 * as Bearer or a SigV4 signature recomputed independently from the bytes received
 * (./sigv4-verify.ts), then routed by path. Requests AWS itself would refuse (bad auth, unknown
 * operation, malformed JSON, a service tier in `rejectServiceTiers`) are answered by the fake and
 * do not consume a queued step; the others get the next queued step or the responder's.
 */

export interface FakeBedrockOptions {
  /** Default us-east-1. */
  readonly region?: string;
  /** The SigV4 signing name; default `bedrock`. */
  readonly service?: string;
  /** Default AKIDEXAMPLE with the AWS test-suite secret. */
  readonly credentials?: SigV4Credentials;
  /** The Bedrock API key accepted as Bearer; without it every Bearer key is refused. */
  readonly apiKey?: string;
  readonly rejectServiceTiers?: readonly string[];
  /** Allowed distance between x-amz-date and the fake's clock; default 5 minutes. */
  readonly maxClockSkewMs?: number;
}

export const exampleCredentials: SigV4Credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

const CORAL_SERVICE = 'http://internal.amazon.com/coral/com.amazon.coral.service/';
const CORAL_BEDROCK = 'http://internal.amazon.com/coral/com.amazon.bedrock/';
const SERVICE_LEVEL_ERRORS = new Set(['UnknownOperationException', 'InvalidSignatureException', 'UnrecognizedClientException', 'MissingAuthenticationTokenException', 'IncompleteSignatureException']);
const MALFORMED_BODY = 'Malformed input request, please reformat your input and try again.';
const TIER_NOT_SUPPORTED = 'The provided service tier is not supported for this model.';
const TIERED_OPERATIONS = new Set<BedrockOperation>(['invoke', 'invoke-with-response-stream', 'converse', 'converse-stream', 'messages']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function routeOf(method: string, path: string): { operation: BedrockOperation; encodedModelId?: string } {
  if (method !== 'POST') return { operation: 'unknown' };
  if (path === '/anthropic/v1/messages') return { operation: 'messages' };
  const match = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream|converse|converse-stream|count-tokens)$/.exec(path);
  if (match === null) return { operation: 'unknown' };
  return { operation: match[2] as BedrockOperation, encodedModelId: match[1] as string };
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** `defaults` overridden by `overrides`, header names compared case-insensitively. */
function mergeHeaders(defaults: Record<string, string>, overrides: Record<string, string> = {}): Record<string, string> {
  const overridden = new Set(Object.keys(overrides).map((name) => name.toLowerCase()));
  const merged = Object.fromEntries(Object.entries(defaults).filter(([name]) => !overridden.has(name.toLowerCase())));
  return { ...merged, ...overrides };
}

function frameOf(item: Exclude<EventStreamItem, { delayMs: number }>, index: number): Buffer {
  const padding = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.slice(0, 1 + ((index * 7) % 40));
  if ('frame' in item) return item.frame;
  if ('anthropic' in item) return chunkFrame(item.anthropic, padding);
  if ('converse' in item) return eventFrame(item.converse, { ...item.payload, p: padding });
  return exceptionFrame(item.exception, item.payload);
}

interface Authentication {
  readonly auth: RecordedBedrockRequest['auth'];
  readonly valid: boolean;
  readonly error?: { readonly name: string; readonly message: string };
}

export class FakeBedrock extends ScriptedServer<BedrockStep, RecordedBedrockRequest> {
  readonly region: string;
  readonly service: string;
  readonly credentials: SigV4Credentials;
  readonly apiKey: string | undefined;
  /** Tiers refused with 400 ValidationException before any step is played; settable. */
  rejectServiceTiers: readonly string[];
  /** When false, authentication is still checked and recorded but failures are not refused. */
  enforceAuth = true;
  private readonly initialRejectServiceTiers: readonly string[];
  private readonly maxClockSkewMs: number | undefined;
  private requestCount = 0;

  private constructor(options: FakeBedrockOptions) {
    super('fake Bedrock', defaultBedrockResponder);
    this.region = options.region ?? 'us-east-1';
    this.service = options.service ?? 'bedrock';
    this.credentials = options.credentials ?? exampleCredentials;
    this.apiKey = options.apiKey;
    this.initialRejectServiceTiers = options.rejectServiceTiers ?? [];
    this.rejectServiceTiers = this.initialRejectServiceTiers;
    this.maxClockSkewMs = options.maxClockSkewMs;
  }

  static async start(options: FakeBedrockOptions = {}): Promise<FakeBedrock> {
    const fake = new FakeBedrock(options);
    await fake.listen();
    return fake;
  }

  override reset(): void {
    super.reset();
    this.rejectServiceTiers = this.initialRejectServiceTiers;
    this.enforceAuth = true;
  }

  private authenticate(request: IncomingMessage, url: string, body: Buffer, operation: BedrockOperation): Authentication {
    const authorization = request.headers.authorization;
    const apiKeyHeader = operation === 'messages' ? request.headers['x-api-key'] : undefined;
    const bearer = authorization?.startsWith('Bearer ') === true ? authorization.slice('Bearer '.length) : typeof apiKeyHeader === 'string' ? apiKeyHeader : undefined;
    if (bearer !== undefined) {
      if (this.apiKey !== undefined && bearer === this.apiKey) return { auth: 'bearer', valid: true };
      return { auth: 'bearer', valid: false, error: { name: 'AccessDeniedException', message: 'Authentication failed: Please make sure your API Key is valid.' } };
    }
    const verdict = verifySigV4(
      { method: request.method ?? 'GET', url, rawHeaders: request.rawHeaders, body },
      { region: this.region, service: this.service, credentials: this.credentials, now: new Date(), ...(this.maxClockSkewMs === undefined ? {} : { maxClockSkewMs: this.maxClockSkewMs }) },
    );
    if (verdict.valid) return { auth: 'sigv4', valid: true };
    const auth = verdict.errorType === 'MissingAuthenticationTokenException' ? 'none' : 'sigv4';
    return { auth, valid: false, error: { name: verdict.errorType, message: verdict.message } };
  }

  protected handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let settle: () => void = () => undefined;
      const settled = new Promise<void>((resolve) => {
        settle = resolve;
      });
      // Node reads the request line as latin1; restore any raw UTF-8 bytes.
      const url = Buffer.from(request.url ?? '/', 'latin1').toString('utf8');
      const path = url.split('?')[0] as string;
      const body = Buffer.concat(chunks);
      const json = parseJson(body);
      const route = routeOf(request.method ?? 'GET', path);
      const modelFromBody = (json as { model?: unknown } | undefined)?.model;
      const authentication = this.authenticate(request, url, body, route.operation);
      const tierHeader = request.headers['x-amzn-bedrock-service-tier'];
      const converseTier = (json as { serviceTier?: { type?: unknown } } | undefined)?.serviceTier?.type;
      const serviceTier = route.operation.startsWith('converse') ? (typeof converseTier === 'string' ? converseTier : undefined) : typeof tierHeader === 'string' ? tierHeader : undefined;
      this.requestCount += 1;
      const recorded: RecordedBedrockRequest = {
        method: request.method ?? 'GET',
        url,
        path,
        operation: route.operation,
        modelId: route.encodedModelId !== undefined ? decodeComponent(route.encodedModelId) : route.operation === 'messages' && typeof modelFromBody === 'string' ? modelFromBody : undefined,
        headers: request.headers,
        rawHeaders: request.rawHeaders,
        body,
        json,
        auth: authentication.auth,
        signatureValid: authentication.valid,
        authError: authentication.error?.message,
        serviceTier,
        requestId: `00000000-0000-4000-8000-${this.requestCount.toString(16).padStart(12, '0')}`,
        aborted: false,
        settled,
      };
      response.on('close', () => {
        if (!response.writableFinished) recorded.aborted = true;
        settle();
      });
      this.requests.push(recorded);
      const step = this.refusal(recorded, authentication) ?? this.nextStep(recorded);
      void this.play(step, recorded, response).catch(() => response.destroy());
    });
  }

  /** What AWS answers before the model is involved, if anything. */
  private refusal(request: RecordedBedrockRequest, authentication: Authentication): BedrockStep | undefined {
    const error = authentication.error;
    if (error !== undefined && this.enforceAuth) {
      if (request.auth !== 'bearer') return { kind: 'exception', name: error.name, message: error.message, status: 403 };
      // An API key refusal spells `Message` with a capital M (seen from the real service).
      return { kind: 'json', status: 403, headers: { 'x-amzn-ErrorType': `${error.name}:${CORAL_SERVICE}` }, body: { Message: error.message } };
    }
    if (request.operation === 'unknown') return { kind: 'exception', name: 'UnknownOperationException', message: 'Unknown operation', status: 404 };
    if (typeof request.json !== 'object' || request.json === null || Array.isArray(request.json)) return { kind: 'exception', name: 'ValidationException', message: MALFORMED_BODY, status: 400 };
    if (request.operation === 'count-tokens' && countTokensOf(request.json) === undefined) {
      return { kind: 'exception', name: 'ValidationException', message: 'The input must contain exactly one of invokeModel or converse.', status: 400 };
    }
    if (request.serviceTier !== undefined && this.rejectServiceTiers.includes(request.serviceTier)) {
      return { kind: 'exception', name: 'ValidationException', message: TIER_NOT_SUPPORTED, status: 400 };
    }
    return undefined;
  }

  private nextStep(request: RecordedBedrockRequest): BedrockStep {
    try {
      return this.queue.shift() ?? this.responder(request);
    } catch (error) {
      return { kind: 'exception', name: 'InternalServerException', message: `fake responder failed: ${String(error)}`, status: 500 };
    }
  }

  /** Headers every answer carries: the request id and, on a success of a tiered operation, the tier served. */
  private baseHeaders(request: RecordedBedrockRequest, status: number): Record<string, string> {
    const headers: Record<string, string> = { 'x-amzn-RequestId': request.requestId };
    if (status < 400 && TIERED_OPERATIONS.has(request.operation)) headers['X-Amzn-Bedrock-Service-Tier'] = request.serviceTier ?? 'default';
    return headers;
  }

  private async play(step: BedrockStep, request: RecordedBedrockRequest, response: ServerResponse): Promise<void> {
    switch (step.kind) {
      case 'reset':
        response.socket?.resetAndDestroy();
        return;
      case 'hang':
        return;
      case 'custom':
        step.handle(request, response);
        return;
      case 'json': {
        if (step.delayMs !== undefined) await sleep(step.delayMs);
        const status = step.status ?? 200;
        const body = typeof step.body === 'string' ? step.body : JSON.stringify(step.body);
        response.writeHead(status, mergeHeaders({ ...this.baseHeaders(request, status), 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }, step.headers));
        response.end(body);
        return;
      }
      case 'exception': {
        if (step.delayMs !== undefined) await sleep(step.delayMs);
        const namespace = SERVICE_LEVEL_ERRORS.has(step.name) ? CORAL_SERVICE : CORAL_BEDROCK;
        const headers = mergeHeaders({ 'x-amzn-ErrorType': `${step.name}:${namespace}` }, step.headers);
        await this.play({ kind: 'json', status: step.status ?? 400, headers, body: { message: step.message, ...step.fields } }, request, response);
        return;
      }
      case 'event-stream':
      case 'sse':
        await this.playStream(step, request, response);
        return;
    }
  }

  private async playStream(step: Extract<BedrockStep, { kind: 'event-stream' | 'sse' }>, request: RecordedBedrockRequest, response: ServerResponse): Promise<void> {
    if (step.headersDelayMs !== undefined) await sleep(step.headersDelayMs);
    const status = step.status ?? 200;
    const contentHeaders: Record<string, string> =
      step.kind === 'sse'
        ? { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' }
        : { 'Content-Type': 'application/vnd.amazon.eventstream', 'X-Amzn-Bedrock-Content-Type': 'application/json' };
    response.writeHead(status, mergeHeaders({ ...this.baseHeaders(request, status), ...contentHeaders }, step.headers));
    response.flushHeaders();
    const wholeUnits = step.chunking === undefined || step.chunking === 'frame' || step.chunking === 'event';
    let pending: Buffer[] = [];
    const flush = async () => {
      if (pending.length > 0) await writeChunked(response, Buffer.concat(pending), step.chunking === 'byte' ? 1 : (step.chunking as number));
      pending = [];
    };
    for (const unit of streamUnits(step)) {
      if (response.destroyed) return;
      if (typeof unit === 'number') {
        await flush();
        await sleep(unit);
      } else if (wholeUnits) await writeChunked(response, unit, unit.length);
      else pending.push(unit);
    }
    await flush();
    await finish(response, step.then ?? 'end');
  }
}

/** The bytes of each frame or SSE event, and delays as numbers. */
function streamUnits(step: Extract<BedrockStep, { kind: 'event-stream' | 'sse' }>): (Buffer | number)[] {
  if (step.kind === 'sse') {
    return step.items.map((item) => ('delayMs' in item ? item.delayMs : Buffer.from('raw' in item ? item.raw : sseOf(item.event as { type: string }), 'utf8')));
  }
  return step.items.map((item, index) => ('delayMs' in item ? item.delayMs : frameOf(item, index)));
}

async function writeChunked(response: ServerResponse, bytes: Buffer, size: number): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += size) {
    if (response.destroyed) return;
    const ok = response.write(bytes.subarray(offset, offset + size));
    if (size < bytes.length) await new Promise((resolve) => setImmediate(resolve));
    if (!ok) await new Promise((resolve) => response.once('drain', resolve));
  }
}

async function finish(response: ServerResponse, then: StreamEnd): Promise<void> {
  if (then === 'close') response.socket?.end(); // FIN after what was written, without the chunked terminator
  else if (then === 'reset') {
    // An RST discards data the peer has not read yet: give loopback delivery a moment first.
    await sleep(50);
    response.socket?.resetAndDestroy();
  } else if (then === 'end') response.end();
}
