import type { GatewayError } from '../errors.ts';
import type { UsageOutcome } from '../store/accounting.ts';
import type { TokenUsage } from '../usage/usage.ts';

/**
 * What writing an answer to the client ended with, shared by the byte relay (passthrough) and
 * the stream writer (typed events): the outcome, what accounting learns before the end, and the
 * failure before the commit point that routing may still fall back from.
 */

export type RelayEnd =
  /** The upstream response was relayed whole. */
  | 'complete'
  /** The client went away; the upstream request was aborted. */
  | 'client_abort'
  /** The upstream failed after the commit point; the client got one error event (SSE) or a cut connection. */
  | 'upstream_error'
  /** The gateway ended the stream itself (shutdown deadline). */
  | 'terminated';

export interface RelayOutcome {
  readonly status: number;
  readonly end: RelayEnd;
  readonly sse: boolean;
  /** Monotonic ms when the first byte was written to the client, if any. */
  readonly firstByteAt: number | undefined;
  readonly error?: GatewayError;
  /** Tokens of the answer as the client received it (accounting), when it carried usage. */
  readonly usage?: TokenUsage;
}

/**
 * How the delivery of an answer ended, as usage records and metrics name it: a relay's end, or,
 * when nothing was written, a failure answered whole (`completed`) or a client gone first.
 */
export function deliveryOutcome(outcome: Pick<RelayOutcome, 'end'> | undefined, clientGone: boolean): UsageOutcome {
  switch (outcome?.end) {
    case 'complete':
      return 'completed';
    case 'client_abort':
      return 'client_aborted';
    case 'upstream_error':
      return 'upstream_error';
    case 'terminated':
      return 'interrupted';
    case undefined:
      return clientGone ? 'client_aborted' : 'completed';
  }
}

/** What accounting learns when an answer is about to end. */
export interface AnswerEnd {
  readonly status: number;
  readonly usage?: TokenUsage;
  /** Monotonic ms of the first byte to the client. */
  readonly firstByteAt?: number;
  /** The Bedrock service tier used, when Bedrock answered. */
  readonly serviceTier?: string;
  /** The type of an `error` event the stream ended with (the answer was relayed, but failed). */
  readonly errorType?: string;
}

/** Thrown when an answer fails before anything was written: the caller may still fall back. */
export class PreCommitFailure extends Error {
  readonly error: GatewayError;

  constructor(error: GatewayError) {
    super(error.message);
    this.error = error;
  }
}

/** The outcome with the usage a meter saw, if any. */
export function withUsage(outcome: RelayOutcome, meter: { readonly usage: TokenUsage | undefined }): RelayOutcome {
  const usage = meter.usage;
  return usage === undefined ? outcome : { ...outcome, usage };
}
