import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A server-side AWS Signature Version 4 verifier for the fake Bedrock, written from the SigV4
 * specification rather than on top of `@smithy/signature-v4` (which the gateway signs with), so a
 * quirk shared by signer and verifier cannot hide. It recomputes the signature from the request
 * exactly as it arrived: method, the on-wire path (encoded once more, as AWS does for every
 * service but S3), the query, the signed headers' raw values, the SHA-256 of the body bytes and
 * `x-amz-date`. The AWS SigV4 test-suite vectors check it in sigv4-verify.test.ts.
 *
 * Errors follow what AWS answers: no Authorization -> MissingAuthenticationTokenException, a
 * malformed one -> IncompleteSignatureException, an unknown key or session token ->
 * UnrecognizedClientException, anything else -> InvalidSignatureException.
 */

export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** When set, requests must carry it as `x-amz-security-token`. */
  readonly sessionToken?: string;
}

export interface VerifiableRequest {
  readonly method: string;
  /** Path and query exactly as on the request line. */
  readonly url: string;
  /** Header name/value pairs as received (Node's `rawHeaders`). */
  readonly rawHeaders: readonly string[];
  readonly body: Uint8Array;
}

export interface VerifyOptions {
  readonly region: string;
  readonly service: string;
  readonly credentials: SigV4Credentials;
  /** When given, `x-amz-date` must lie within `maxClockSkewMs` (default 5 minutes) of it. */
  readonly now?: Date;
  readonly maxClockSkewMs?: number;
}

export type SigV4ErrorType = 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'UnrecognizedClientException' | 'InvalidSignatureException';

export type SigV4Verdict =
  | { readonly valid: true; readonly accessKeyId: string }
  | { readonly valid: false; readonly errorType: SigV4ErrorType; readonly message: string };

export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Uint8Array | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Splits `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`; a string names what is wrong. */
export function parseAuthorization(header: string): ParsedAuthorization | string {
  if (!header.startsWith(`${ALGORITHM} `)) return `Authorization header requires the ${ALGORITHM} algorithm.`;
  const parameters = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const separator = part.indexOf('=');
    if (separator > 0) parameters.set(part.slice(0, separator).trim(), part.slice(separator + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !parameters.has(name));
  if (missing.length > 0) return missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ');
  const scope = (parameters.get('Credential') as string).split('/');
  if (scope.length !== 5) return `Credential should be of the form AccessKeyId/Date/Region/Service/aws4_request: '${parameters.get('Credential')}'.`;
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  const signedHeaders = (parameters.get('SignedHeaders') as string).split(';');
  return { accessKeyId, date, region, service, terminator, signedHeaders, signature: parameters.get('Signature') as string };
}

/** The canonical URI of a non-S3 service: the on-wire path normalised, each segment encoded (again). */
export function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.map(uriEncode).join('/')}${trailing}`;
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The canonical query: parameters decoded, re-encoded strictly, sorted by key then value. */
export function canonicalQuery(query: string): string {
  const pairs = query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const separator = part.indexOf('=');
      const key = separator < 0 ? part : part.slice(0, separator);
      const value = separator < 0 ? '' : part.slice(separator + 1);
      return [uriEncode(decodeComponent(key)), uriEncode(decodeComponent(value))] as const;
    });
  pairs.sort(([keyA, valueA], [keyB, valueB]) => (keyA < keyB ? -1 : keyA > keyB ? 1 : valueA < valueB ? -1 : valueA > valueB ? 1 : 0));
  return pairs.map(([key, value]) => `${key}=${value}`).join('&');
}

/** All values of each header (lowercased name), in arrival order, trimmed with inner runs of spaces collapsed. */
export function headerValues(rawHeaders: readonly string[]): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as string).toLowerCase();
    const value = (rawHeaders[index + 1] as string).trim().replace(/\s+/g, ' ');
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return values;
}

export function canonicalRequest(request: VerifiableRequest, signedHeaders: readonly string[]): string {
  const queryStart = request.url.indexOf('?');
  const path = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  const query = queryStart < 0 ? '' : request.url.slice(queryStart + 1);
  const values = headerValues(request.rawHeaders);
  const headers = signedHeaders.map((name) => `${name}:${(values.get(name) ?? []).join(',')}\n`).join('');
  return [request.method, canonicalUri(path), canonicalQuery(query), headers, signedHeaders.join(';'), sha256Hex(request.body)].join('\n');
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
}

/** `20150830T123600Z` -> Date, or undefined when malformed. */
function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
}

const invalid = (errorType: SigV4ErrorType, message: string): SigV4Verdict => ({ valid: false, errorType, message });

function checkScope(parsed: ParsedAuthorization, amzDate: string, options: VerifyOptions): SigV4Verdict | undefined {
  if (parsed.accessKeyId !== options.credentials.accessKeyId) return invalid('UnrecognizedClientException', INVALID_TOKEN);
  if (parsed.terminator !== 'aws4_request') return invalid('InvalidSignatureException', "Credential should be scoped with a valid terminator: 'aws4_request'.");
  if (parsed.region !== options.region) return invalid('InvalidSignatureException', `Credential should be scoped to a valid region, not '${parsed.region}'.`);
  if (parsed.service !== options.service) return invalid('InvalidSignatureException', `Credential should be scoped to correct service: '${options.service}'.`);
  if (!amzDate.startsWith(parsed.date)) {
    return invalid('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${parsed.date}' != '${amzDate.slice(0, 8)}', from 'x-amz-date'.`);
  }
  if (!parsed.signedHeaders.includes('host')) return invalid('InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  return undefined;
}

function checkClock(amzDate: string, signedAt: Date, options: VerifyOptions): SigV4Verdict | undefined {
  if (options.now === undefined) return undefined;
  const skew = options.maxClockSkewMs ?? 5 * 60_000;
  const offset = signedAt.getTime() - options.now.getTime();
  if (offset < -skew) return invalid('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier than the allowed ${skew / 60_000} min. clock skew.`);
  if (offset > skew) return invalid('InvalidSignatureException', `Signature not yet current: ${amzDate} is still later than the allowed ${skew / 60_000} min. clock skew.`);
  return undefined;
}

export function verifySigV4(request: VerifiableRequest, options: VerifyOptions): SigV4Verdict {
  const values = headerValues(request.rawHeaders);
  const authorization = values.get('authorization')?.[0];
  if (authorization === undefined) return invalid('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const parsed = parseAuthorization(authorization);
  if (typeof parsed === 'string') return invalid('IncompleteSignatureException', parsed);
  const amzDate = values.get('x-amz-date')?.[0];
  const signedAt = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (amzDate === undefined || signedAt === undefined) {
    return invalid('IncompleteSignatureException', "Authorization header requires existence of a valid 'X-Amz-Date' header.");
  }
  const scopeProblem = checkScope(parsed, amzDate, options) ?? checkClock(amzDate, signedAt, options);
  if (scopeProblem !== undefined) return scopeProblem;
  if (values.get('x-amz-security-token')?.[0] !== options.credentials.sessionToken) return invalid('UnrecognizedClientException', INVALID_TOKEN);

  const canonical = canonicalRequest(request, parsed.signedHeaders);
  const scope = `${parsed.date}/${parsed.region}/${parsed.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
  const expected = hmac(signingKey(options.credentials.secretAccessKey, parsed.date, parsed.region, parsed.service), stringToSign);
  const provided = Buffer.from(parsed.signature, 'hex');
  if (provided.length === expected.length && parsed.signature.length === 64 && timingSafeEqual(provided, expected)) return { valid: true, accessKeyId: parsed.accessKeyId };
  return invalid(
    'InvalidSignatureException',
    `${MISMATCH}\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`,
  );
}
