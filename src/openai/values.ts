import { GatewayError } from '../errors.ts';

/** Small readers for the OpenAI-format bodies clients send (JSON entering as `unknown`). */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A 400 naming the field path: a Chat Completions feature the gateway cannot serve, or an invalid value. */
export function refuse(path: string, text: string): GatewayError {
  return new GatewayError('GW_UNSUPPORTED_FEATURE', `${path}: ${text}`);
}
