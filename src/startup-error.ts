/**
 * Failures that stop the gateway from starting, told in one line that names the cause and what
 * to change (the CLI prints the message alone, no stack, and exits 1).
 */

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** node:sqlite's result code without its extended bits (`errcode & 0xff`), or -1. */
function primarySqliteCode(error: unknown): number {
  const errcode = (error as { errcode?: unknown }).errcode;
  return typeof errcode === 'number' ? errcode & 0xff : -1;
}

/** The innermost message of an error chain (`cause`), on one line. */
function reasonOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause !== undefined) current = current.cause;
  const message = current instanceof Error ? current.message : String(current);
  return message.replaceAll(/\s+/g, ' ').trim();
}

/** The server could not listen on `host`:`port`. */
export function listenFailure(host: string, port: number, error: unknown): StartupError {
  switch (codeOf(error)) {
    case 'EADDRINUSE':
      return new StartupError(`cannot listen on ${host}:${port}: the port is in use by another process (choose another with PORT or --port).`, { cause: error });
    case 'EACCES':
      return new StartupError(`cannot listen on ${host}:${port}: permission denied (ports below 1024 need privileges; choose another with PORT or --port).`, { cause: error });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new StartupError(`cannot listen on ${host}: the host name does not resolve (HOST or --host must be an address or name of this machine, e.g. 127.0.0.1, or 0.0.0.0 for every interface).`, { cause: error });
    case 'EADDRNOTAVAIL':
      return new StartupError(`cannot listen on ${host}: the address is not one of this machine's (HOST or --host: 127.0.0.1, 0.0.0.0, or one of its addresses).`, { cause: error });
    default:
      return new StartupError(`cannot listen on ${host}:${port}: ${reasonOf(error)}.`, { cause: error });
  }
}

/** The SQLite file in `directory` could not be opened. */
export function dataDirectoryFailure(directory: string, error: unknown): StartupError {
  const where = `the data directory ${directory} (GATEWAY_DATA_DIR)`;
  switch (codeOf(error)) {
    case 'EEXIST':
    case 'ENOTDIR':
      return new StartupError(`cannot use ${where}: it, or a directory above it, is a file (set GATEWAY_DATA_DIR to a directory).`, { cause: error });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new StartupError(`cannot write to ${where}: ${codeOf(error)} (give the gateway's user write access, or set GATEWAY_DATA_DIR to a writable directory).`, { cause: error });
    case 'ERR_SQLITE_ERROR':
      // SQLITE_READONLY (8, with extended codes such as READONLY_DIRECTORY 1544) and
      // SQLITE_CANTOPEN (14): the directory or the file is not writable by this user.
      if ([8, 14].includes(primarySqliteCode(error))) {
        return new StartupError(`cannot write to ${where}: ${reasonOf(error)} (give the gateway's user write access to it and its files, or set GATEWAY_DATA_DIR to a writable directory).`, { cause: error });
      }
      return new StartupError(`cannot open the SQLite file in ${where}: ${reasonOf(error)}.`, { cause: error });
    default:
      return new StartupError(`cannot open the SQLite file in ${where}: ${reasonOf(error)}.`, { cause: error });
  }
}

/** A store the gateway needs at start (Redis) could not be reached. `what` names it without secrets. */
export function storeFailure(what: string, error: unknown): StartupError {
  return new StartupError(`cannot connect to ${what}: ${reasonOf(error)} (check that it runs and is reachable, or unset it).`, { cause: error });
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);
const REFUSED_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'AccessDeniedException', 'ExpiredTokenException', 'MissingAuthenticationTokenException']);

/**
 * The DynamoDB store (`where`: "at <endpoint>" or "in <region>") could not be used by a command
 * (`keys …`, `setup-tables`): one line naming the cause and what to check, or undefined when
 * `error` is not a store failure (a fault, shown with its stack).
 */
export function dynamoStoreFailure(where: string, error: unknown): StartupError | undefined {
  const name = (error as { name?: unknown }).name;
  const code = codeOf(error);
  const isAwsError = typeof (error as { $metadata?: unknown }).$metadata === 'object';
  if (name === 'CredentialsProviderError') {
    return new StartupError(`cannot use the DynamoDB store ${where}: no AWS credentials were found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where a role provides them).`, { cause: error });
  }
  if (name === 'ResourceNotFoundException') {
    return new StartupError(`cannot use the DynamoDB store ${where}: a table of the gateway is missing (${reasonOf(error)}): create them with npx claude-gateway setup-tables.`, { cause: error });
  }
  if (typeof name === 'string' && REFUSED_CREDENTIALS.has(name)) {
    return new StartupError(`cannot use the DynamoDB store ${where}: the AWS credentials were refused (${name}: ${reasonOf(error)}).`, { cause: error });
  }
  if ((code !== undefined && NETWORK_CODES.has(code)) || name === 'TimeoutError') {
    return new StartupError(`cannot reach the DynamoDB store ${where}: ${reasonOf(error)} (check DYNAMODB_ENDPOINT or DYNAMODB_REGION, and that it runs and is reachable).`, { cause: error });
  }
  if (isAwsError) return new StartupError(`the DynamoDB store ${where} refused the request: ${String(name)}: ${reasonOf(error)}.`, { cause: error });
  return undefined;
}
