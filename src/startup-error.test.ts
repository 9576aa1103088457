import { describe, expect, it } from 'vitest';
import { dataDirectoryFailure, dynamoStoreFailure } from './startup-error.ts';

const named = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe('dynamoStoreFailure', () => {
  it.each([
    ['no credentials', named('CredentialsProviderError', 'Could not load credentials from any providers'), /^cannot use the DynamoDB store in eu-west-1: no AWS credentials were found/],
    ['a missing table', named('ResourceNotFoundException', 'Requested resource not found', { $metadata: {} }), /a table of the gateway is missing \(Requested resource not found\): create them with npx claude-gateway setup-tables\.$/],
    ['refused credentials', named('UnrecognizedClientException', 'The security token included in the request is invalid.', { $metadata: {} }), /the AWS credentials were refused \(UnrecognizedClientException: /],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), /^cannot reach the DynamoDB store in eu-west-1: connect ECONNREFUSED 127\.0\.0\.1:1 \(check DYNAMODB_ENDPOINT/],
    ['an unknown host', Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND' }), /^cannot reach the DynamoDB store/],
    ['another service error', named('ProvisionedThroughputExceededException', 'slow down', { $metadata: {} }), /refused the request: ProvisionedThroughputExceededException: slow down\.$/],
  ])('%s is one line', (_label, error, pattern) => {
    const failure = dynamoStoreFailure('in eu-west-1', error);
    expect(failure?.message).toMatch(pattern);
    expect(failure?.message).not.toContain('\n');
    expect(failure?.cause).toBe(error);
  });

  it('leaves a fault alone (it keeps its stack)', () => {
    expect(dynamoStoreFailure('in eu-west-1', new TypeError('x is not a function'))).toBeUndefined();
  });
});

describe('dataDirectoryFailure', () => {
  it('a file in the way is named', () => {
    expect(dataDirectoryFailure('/etc/passwd', Object.assign(new Error('EEXIST'), { code: 'EEXIST' })).message).toMatch(/is a file/);
  });

  // node:sqlite's errors for a directory or file this user cannot write (seen as a non-root user).
  it.each([
    ['a read-only directory holding the file', { errcode: 1544, message: 'attempt to write a readonly database' }],
    ['a read-only file', { errcode: 8, message: 'attempt to write a readonly database' }],
    ['a directory where the file cannot be created', { errcode: 14, message: 'unable to open database file' }],
  ])('%s says it cannot write there and what to change', (_label, { errcode, message }) => {
    const error = Object.assign(new Error(message), { code: 'ERR_SQLITE_ERROR', errcode, errstr: message });
    expect(dataDirectoryFailure('/srv/gateway', error).message).toBe(
      `cannot write to the data directory /srv/gateway (GATEWAY_DATA_DIR): ${message} (give the gateway's user write access to it and its files, or set GATEWAY_DATA_DIR to a writable directory).`,
    );
  });

  it('another SQLite error is told as it is', () => {
    const error = Object.assign(new Error('database disk image is malformed'), { code: 'ERR_SQLITE_ERROR', errcode: 11 });
    expect(dataDirectoryFailure('/srv/gateway', error).message).toBe('cannot open the SQLite file in the data directory /srv/gateway (GATEWAY_DATA_DIR): database disk image is malformed.');
  });
});
