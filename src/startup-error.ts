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
    default:
      return new StartupError(`cannot open the SQLite file in ${where}: ${reasonOf(error)}.`, { cause: error });
  }
}

/** A store the gateway needs at start (Redis) could not be reached. `what` names it without secrets. */
export function storeFailure(what: string, error: unknown): StartupError {
  return new StartupError(`cannot connect to ${what}: ${reasonOf(error)} (check that it runs and is reachable, or unset it).`, { cause: error });
}
