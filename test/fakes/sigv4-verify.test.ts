import { describe, expect, it } from 'vitest';
import { canonicalUri, parseAuthorization, verifySigV4, type VerifiableRequest } from './sigv4-verify.ts';

/**
 * The verifier against vectors from the AWS SigV4 test suite
 * (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html): credentials AKIDEXAMPLE,
 * region us-east-1, service `service`, 20150830T123600Z. Each request is given as it would be on
 * the wire; the verifier must accept the published signature and reject a one-character change.
 */

const suite = { region: 'us-east-1', service: 'service', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } };
const scope = 'Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';
const securityToken =
  'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';

interface Vector {
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly headers: readonly string[];
  readonly body?: string;
  readonly signedHeaders: string;
  readonly signature: string;
  readonly sessionToken?: string;
}

const base = ['Host', 'example.amazonaws.com', 'X-Amz-Date', '20150830T123600Z'];

const vectors: Vector[] = [
  { name: 'get-vanilla', method: 'GET', url: '/', headers: base, signedHeaders: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
  { name: 'get-vanilla-query-order-key-case', method: 'GET', url: '/?Param2=value2&Param1=value1', headers: base, signedHeaders: 'host;x-amz-date', signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
  { name: 'get-vanilla-empty-query-key', method: 'GET', url: '/?Param1=value1', headers: base, signedHeaders: 'host;x-amz-date', signature: 'a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb' },
  { name: 'get-vanilla-utf8-query', method: 'GET', url: '/?%E1%88%B4=bar', headers: base, signedHeaders: 'host;x-amz-date', signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04' },
  { name: 'get-unreserved', method: 'GET', url: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', headers: base, signedHeaders: 'host;x-amz-date', signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f' },
  // The suite sends the UTF-8 bytes raw on the request line; the fake hands the verifier the decoded string.
  { name: 'get-utf8', method: 'GET', url: '/ሴ', headers: base, signedHeaders: 'host;x-amz-date', signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85' },
  { name: 'get-slash-dot-slash', method: 'GET', url: '/./', headers: base, signedHeaders: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
  { name: 'get-relative-relative', method: 'GET', url: '/example1/example2/../..', headers: base, signedHeaders: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
  {
    name: 'get-header-key-duplicate',
    method: 'GET',
    url: '/',
    headers: [...base, 'My-Header1', 'value2', 'My-Header1', 'value2', 'My-Header1', 'value1'],
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
  },
  {
    name: 'get-header-value-trim',
    method: 'GET',
    url: '/',
    headers: [...base, 'My-Header1', ' value1', 'My-Header2', ' "a   b   c"'],
    signedHeaders: 'host;my-header1;my-header2;x-amz-date',
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  { name: 'post-vanilla', method: 'POST', url: '/', headers: base, signedHeaders: 'host;x-amz-date', signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
  { name: 'post-header-value-case', method: 'POST', url: '/', headers: [...base, 'My-Header1', 'VALUE1'], signedHeaders: 'host;my-header1;x-amz-date', signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d' },
  {
    name: 'post-x-www-form-urlencoded',
    method: 'POST',
    url: '/',
    headers: ['Content-Type', 'application/x-www-form-urlencoded', ...base],
    body: 'Param1=value1',
    signedHeaders: 'content-type;host;x-amz-date',
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
  {
    name: 'post-sts-header-before',
    method: 'POST',
    url: '/',
    headers: [...base, 'X-Amz-Security-Token', securityToken],
    signedHeaders: 'host;x-amz-date;x-amz-security-token',
    signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
    sessionToken: securityToken,
  },
];

function requestOf(vector: Vector, signature = vector.signature): VerifiableRequest {
  const authorization = `AWS4-HMAC-SHA256 ${scope}, SignedHeaders=${vector.signedHeaders}, Signature=${signature}`;
  return { method: vector.method, url: vector.url, rawHeaders: [...vector.headers, 'Authorization', authorization], body: Buffer.from(vector.body ?? '') };
}

const optionsOf = (vector: Vector) => ({ ...suite, credentials: { ...suite.credentials, ...(vector.sessionToken === undefined ? {} : { sessionToken: vector.sessionToken }) } });

describe('verifySigV4 against the AWS SigV4 test suite', () => {
  it.each(vectors)('accepts $name', (vector) => {
    expect(verifySigV4(requestOf(vector), optionsOf(vector))).toEqual({ valid: true, accessKeyId: 'AKIDEXAMPLE' });
  });

  it.each(vectors)('rejects $name with a different signature', (vector) => {
    const flipped = `${vector.signature.slice(0, -1)}${vector.signature.endsWith('0') ? '1' : '0'}`;
    expect(verifySigV4(requestOf(vector, flipped), optionsOf(vector))).toMatchObject({ valid: false, errorType: 'InvalidSignatureException' });
  });

  it('puts the canonical request in the mismatch message, as AWS does', () => {
    const vector = vectors[0] as Vector;
    const verdict = verifySigV4({ ...requestOf(vector), method: 'HEAD' }, suite);
    expect(verdict).toMatchObject({ valid: false, errorType: 'InvalidSignatureException' });
    expect(verdict.valid ? '' : verdict.message).toContain(
      "should have been\n'HEAD\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
    );
  });
});

describe('verifySigV4 refusals', () => {
  const vanilla = vectors[0] as Vector;
  const cases: [string, VerifiableRequest, Partial<typeof suite> & { now?: Date }, string, string][] = [
    ['no Authorization', { ...requestOf(vanilla), rawHeaders: base }, {}, 'MissingAuthenticationTokenException', 'Missing Authentication Token'],
    ['no Signature parameter', { ...requestOf(vanilla), rawHeaders: [...base, 'Authorization', `AWS4-HMAC-SHA256 ${scope}, SignedHeaders=host;x-amz-date`] }, {}, 'IncompleteSignatureException', "requires 'Signature'"],
    ['no X-Amz-Date', { ...requestOf(vanilla), rawHeaders: (requestOf(vanilla).rawHeaders as string[]).filter((_value, index) => index !== 2 && index !== 3) }, {}, 'IncompleteSignatureException', 'X-Amz-Date'],
    ['an unknown access key', requestOf(vanilla), { credentials: { ...suite.credentials, accessKeyId: 'AKIDOTHER' } }, 'UnrecognizedClientException', 'security token'],
    ['a session token the server does not expect', requestOf(vectors.at(-1) as Vector), {}, 'UnrecognizedClientException', 'security token'],
    ['another region', requestOf(vanilla), { region: 'eu-west-1' }, 'InvalidSignatureException', 'valid region'],
    ['another service', requestOf(vanilla), { service: 'bedrock' }, 'InvalidSignatureException', "correct service: 'bedrock'"],
    ['a stale date', requestOf(vanilla), { now: new Date('2015-08-30T12:42:00Z') }, 'InvalidSignatureException', 'Signature expired'],
    ['a future date', requestOf(vanilla), { now: new Date('2015-08-30T12:30:00Z') }, 'InvalidSignatureException', 'not yet current'],
  ];
  it.each(cases)('refuses %s', (_name, request, options, errorType, message) => {
    const verdict = verifySigV4(request, { ...suite, ...options });
    expect(verdict).toMatchObject({ valid: false, errorType });
    expect(verdict.valid ? '' : verdict.message).toContain(message);
  });

  it('accepts a date within the allowed skew', () => {
    expect(verifySigV4(requestOf(vanilla), { ...suite, now: new Date('2015-08-30T12:40:59Z') }).valid).toBe(true);
  });
});

describe('canonicalUri and parseAuthorization', () => {
  it.each([
    ['/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke', '/model/us.anthropic.claude-haiku-4-5-20251001-v1%253A0/invoke'],
    ['/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx/converse', '/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A1%253Ainference-profile%252Fx/converse'],
    ['//example//', '/example/'],
    ['', '/'],
  ])('encodes the on-wire path %s once more', (path, expected) => {
    expect(canonicalUri(path)).toBe(expected);
  });

  it('reads the credential scope, signed headers and signature', () => {
    expect(parseAuthorization(`AWS4-HMAC-SHA256 ${scope}, SignedHeaders=host;x-amz-date, Signature=abc`)).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      date: '20150830',
      region: 'us-east-1',
      service: 'service',
      terminator: 'aws4_request',
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'abc',
    });
    expect(parseAuthorization('Basic dXNlcjpwYXNz')).toMatch(/requires the AWS4-HMAC-SHA256 algorithm/);
  });
});
