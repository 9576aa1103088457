import { GatewayError } from '../../../errors.ts';

/** Small readers for JSON that enters as `unknown`, shared by the Converse converters. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Malformed data from Bedrock (a 502 before the commit point, one error event after it). */
export function protocolError(message: string): GatewayError {
  return new GatewayError('GW_UPSTREAM_PROTOCOL', `Bedrock Converse sent ${message}`, { provider: 'bedrock' });
}

/** A non-negative integer field, or undefined when absent; anything else is a protocol error. */
export function optionalCount(record: Record<string, unknown>, key: string, where: string): number | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw protocolError(`${where}.${key} that is not a token count.`);
  return value;
}

export function requiredCount(record: Record<string, unknown>, key: string, where: string): number {
  const value = optionalCount(record, key, where);
  if (value === undefined) throw protocolError(`${where} without ${key}.`);
  return value;
}
