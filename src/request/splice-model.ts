import { topLevelValueSpan } from './body-scan.ts';

/**
 * A body forwarded in the client's own format (ADR 0009) with its top-level `model` value
 * replaced, and nothing else: the bytes before and after the value are the client's. Undefined
 * when the body has no top-level `model` (the caller then refuses, as it cannot route the
 * request to another model faithfully). Pure.
 */
export function withModelSpliced(body: Buffer, model: string): Buffer | undefined {
  const span = topLevelValueSpan(body, 'model');
  if (span === undefined) return undefined;
  return Buffer.concat([body.subarray(0, span.start), Buffer.from(JSON.stringify(model)), body.subarray(span.end)]);
}
