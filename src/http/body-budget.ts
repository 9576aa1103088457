import type { Readable } from 'node:stream';
import { GatewayError } from '../errors.ts';

/**
 * Request bodies are read into memory (the passthrough forwards them as they came), so the
 * bytes of all bodies being read or held at once are bounded by one budget
 * (`server.max_inflight_body_bytes`). Bytes are taken as they arrive, so a client that declares
 * a large Content-Length and then sends slowly holds only what it sent (declared lengths cannot
 * be used to starve everyone else); a body whose declared length does not fit what is left is
 * refused before a byte of it is read, and any body is refused when its next chunk would cross
 * the budget. A request's bytes return to the budget when its response ends.
 */

export class BodyBudget {
  readonly capacity: number;
  #used = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get used(): number {
    return this.#used;
  }

  /** Whether `bytes` more would fit now (nothing is taken). */
  fits(bytes: number): boolean {
    return this.#used + bytes <= this.capacity;
  }

  /** Takes `bytes` if they fit; false (and nothing taken) when they do not. */
  tryTake(bytes: number): boolean {
    if (this.#used + bytes > this.capacity) return false;
    this.#used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

/** What one request holds of the budget; given back once, when its response ends. */
export class BodyLease {
  readonly #budget: BodyBudget;
  #bytes = 0;
  #released = false;

  constructor(budget: BodyBudget) {
    this.#budget = budget;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Throws the 529 that refuses this request when `bytes` more would not fit now. */
  check(bytes: number): void {
    if (!this.#released && !this.#budget.fits(bytes)) throw overloaded(this.#budget);
  }

  /** Takes `bytes` more for this request, or throws the 529 that refuses it. */
  take(bytes: number): void {
    if (this.#released) return;
    if (!this.#budget.tryTake(bytes)) throw overloaded(this.#budget);
    this.#bytes += bytes;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#budget.give(this.#bytes);
    this.#bytes = 0;
  }
}

function overloaded(budget: BodyBudget): GatewayError {
  const size = budget.capacity >= 1024 * 1024 ? `${Math.round(budget.capacity / 1024 / 1024)} MB` : `${budget.capacity} bytes`;
  return new GatewayError('GW_OVERLOADED', `The gateway is holding as many request bodies as it may (${size} in flight); retry shortly.`, { retryAfterMs: 1_000 });
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('GW_BODY_TOO_LARGE', `The request body is larger than the limit of ${limit} bytes.`);
}

/** The declared Content-Length, undefined when absent (chunked); an error when malformed. */
export function declaredLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  if (!/^\d{1,15}$/.test(header)) throw new GatewayError('GW_BODY_NOT_JSON_OBJECT', 'The Content-Length header is invalid.');
  return Number(header);
}

/**
 * Reads a request body within `limit` bytes and the lease's budget. A declared length is
 * checked against both before anything is read; the budget is taken chunk by chunk.
 */
export function readBody(payload: Readable, options: { readonly limit: number; readonly length: number | undefined; readonly lease: BodyLease }): Promise<Buffer> {
  const { limit, length, lease } = options;
  if (length !== undefined) {
    if (length > limit) return Promise.reject(tooLarge(limit));
    try {
      lease.check(length);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (error: Error | undefined, body?: Buffer) => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
      payload.off('aborted', onAborted);
      if (error !== undefined) {
        // Nothing more of this body is wanted: the answer closes the connection.
        payload.pause();
        reject(error);
      } else resolve(body as Buffer);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      try {
        if (received > limit) throw tooLarge(limit);
        if (length !== undefined && received > length) throw new GatewayError('GW_BODY_NOT_JSON_OBJECT', 'The request body is longer than its Content-Length.');
        lease.take(chunk.length);
      } catch (error) {
        finish(error as Error);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (length !== undefined && received !== length) finish(new GatewayError('GW_BODY_NOT_JSON_OBJECT', 'The request body is shorter than its Content-Length.'));
      else finish(undefined, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => finish(error);
    const onAborted = () => finish(Object.assign(new Error('The client aborted the request body.'), { code: 'ECONNRESET' }));
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.on('aborted', onAborted);
  });
}
