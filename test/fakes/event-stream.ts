import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/**
 * AWS event-stream frames as Bedrock sends them, encoded with the AWS SDK's own codec (real
 * CRCs), for the fake Bedrock and for the stream-translator tests.
 */

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const string = (value: string) => ({ type: 'string' as const, value });

export function encodeFrame(headers: MessageHeaders, payload: Uint8Array | string | object): Buffer {
  const body = payload instanceof Uint8Array ? payload : fromUtf8(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return Buffer.from(codec.encode({ headers, body }));
}

/** An event frame (`:message-type=event`), e.g. a ConverseStream `contentBlockDelta`. */
export function eventFrame(eventType: string, payload: object): Buffer {
  return encodeFrame({ ':message-type': string('event'), ':event-type': string(eventType), ':content-type': string('application/json') }, payload);
}

/** An InvokeModelWithResponseStream `chunk`: one Anthropic event as base64 `bytes`, plus `p` padding. */
export function chunkFrame(event: object, padding = 'abcdefghijklmnopqrstuvwxyz0123'.slice(0, 7)): Buffer {
  return eventFrame('chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64'), p: padding });
}

/** An exception frame, e.g. `throttlingException` with `{message}`. */
export function exceptionFrame(exceptionType: string, payload: object): Buffer {
  return encodeFrame({ ':message-type': string('exception'), ':exception-type': string(exceptionType), ':content-type': string('application/json') }, payload);
}

/** An error frame: the code and message travel in headers. */
export function errorFrame(code: string, message: string): Buffer {
  return encodeFrame({ ':message-type': string('error'), ':error-code': string(code), ':error-message': string(message) }, new Uint8Array());
}

export { codec as eventStreamCodec };
