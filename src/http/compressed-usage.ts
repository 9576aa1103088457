import type { Transform } from 'node:stream';
import { SseEventFramer } from '../anthropic/sse-framer.ts';
import { canDecode, codingsToUndo, decoderStream, type DecoderStream as Decoder } from '../request/decode-body.ts';
import { SseUsageMeter, usageFromMessage, type TokenUsage } from '../usage/usage.ts';

/**
 * Usage of an answer the upstream compressed although the gateway asked for `identity` (issue 10
 * A1, defence in depth): the client gets the bytes unchanged, and a copy is decoded on the side
 * (zlib streams, in the thread pool) for its usage. Bounded: a JSON answer is kept up to
 * `maxJsonBytes` decoded; a stream is framed and metered event by event, at most
 * `maxDecodedBytes` decoded in all (past either bound the usage is what was seen, or unknown).
 * Only the compressed path pays for this: an uncompressed answer never creates a meter.
 */

export interface CompressedUsageLimits {
  readonly maxJsonBytes: number;
  readonly maxDecodedBytes: number;
  readonly maxEventBytes: number;
}

/** The decoders for a Content-Encoding, outermost first; undefined when one is unknown. */
function decoderChain(contentEncoding: string): Decoder[] | undefined {
  const codings = codingsToUndo(contentEncoding);
  if (codings.length === 0 || !codings.every(canDecode)) return undefined;
  return codings.map((coding) => decoderStream(coding) as Decoder);
}

export class CompressedUsageMeter {
  readonly #first: Transform;
  readonly #last: Transform;
  readonly #chain: readonly Decoder[];
  readonly #kind: 'json' | 'sse';
  readonly #limits: CompressedUsageLimits;
  readonly #json: Buffer[] = [];
  readonly #framer: SseEventFramer;
  readonly #meter = new SseUsageMeter();
  readonly #ended: Promise<void>;
  #decoded = 0;
  #failed = false;

  /** A meter for this encoding, or undefined when the gateway cannot decode it. */
  static create(contentEncoding: string, kind: 'json' | 'sse', limits: CompressedUsageLimits): CompressedUsageMeter | undefined {
    const chain = decoderChain(contentEncoding);
    return chain === undefined ? undefined : new CompressedUsageMeter(chain, kind, limits);
  }

  private constructor(chain: Decoder[], kind: 'json' | 'sse', limits: CompressedUsageLimits) {
    this.#chain = chain;
    this.#first = chain[0] as Transform;
    this.#last = chain.at(-1) as Transform;
    this.#kind = kind;
    this.#limits = limits;
    this.#framer = new SseEventFramer(limits.maxEventBytes);
    for (let index = 0; index + 1 < chain.length; index++) (chain[index] as Transform).pipe(chain[index + 1] as Transform);
    this.#ended = new Promise<void>((resolve) => {
      this.#last.on('end', resolve);
      this.#last.on('close', resolve);
      for (const stream of chain) stream.on('error', () => this.#fail(resolve));
    });
    this.#last.on('data', (chunk: Buffer) => this.#onDecoded(chunk));
  }

  /** A compressed chunk as it passes to the client. */
  add(chunk: Buffer): void {
    if (!this.#failed) this.#first.write(chunk);
  }

  /** The usage once the whole answer was decoded (the body ended). */
  async finish(): Promise<TokenUsage | undefined> {
    // Flushed first: a stream cut short fails at its end, and what it decoded must be read before.
    for (const stream of this.#chain) {
      if (this.#failed) break;
      await Promise.race([new Promise<void>((resolve) => stream.flush(() => resolve())), this.#ended]);
    }
    if (!this.#failed) this.#first.end();
    await this.#ended;
    if (this.#kind === 'sse') return this.#meter.usage;
    if (this.#failed) return undefined;
    try {
      return usageFromMessage(JSON.parse(Buffer.concat(this.#json).toString('utf8')));
    } catch {
      return undefined;
    }
  }

  /** Stops decoding (the client left or the upstream failed); a stream keeps what it had seen. */
  abort(): TokenUsage | undefined {
    this.#fail();
    return this.#kind === 'sse' ? this.#meter.usage : undefined;
  }

  #onDecoded(chunk: Buffer): void {
    if (this.#failed) return;
    this.#decoded += chunk.length;
    const limit = this.#kind === 'json' ? this.#limits.maxJsonBytes : this.#limits.maxDecodedBytes;
    if (this.#decoded > limit) {
      this.#fail();
      return;
    }
    if (this.#kind === 'json') {
      this.#json.push(chunk);
      return;
    }
    try {
      const events = this.#framer.push(chunk);
      if (events !== undefined) this.#meter.push(events);
    } catch {
      this.#fail();
    }
  }

  #fail(resolve?: () => void): void {
    if (!this.#failed) {
      this.#failed = true;
      this.#json.length = 0;
      for (const stream of this.#chain) stream.destroy();
    }
    resolve?.();
  }
}
