import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppDependencies } from '../app.ts';
import { GatewayError } from '../errors.ts';
import type { ConnectionGuard } from './connections.ts';
import { writeErrorResponse } from './error-response.ts';
import { badRequestTarget, rawErrorResponse } from './raw-error.ts';
import { healthPaths } from './routes/service.ts';

/**
 * The HTTP server: timeouts for receiving requests (headers, whole request; answers are not
 * bounded here, streams may run for many minutes), idle keep-alive, and the connection cap with
 * its overflow connections that only reach the health routes.
 */
export function createGuardedServer(handler: (request: IncomingMessage, response: ServerResponse) => void, connections: ConnectionGuard, deps: AppDependencies): Server {
  const { server: config } = deps.config;
  const created = createServer(
    {
      headersTimeout: config.headers_timeout_ms,
      requestTimeout: config.request_timeout_ms,
      keepAliveTimeout: config.keep_alive_timeout_ms,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(Math.min(config.headers_timeout_ms, config.request_timeout_ms) / 4))),
    },
    (request, response) => {
      connections.requestStarted(request, response);
      if (connections.isOverflow(request.socket)) {
        response.setHeader('connection', 'close');
        if (!isHealthPath(request.url)) {
          const error = new GatewayError('GW_OVERLOADED', 'The gateway has as many connections open as it may; retry shortly.', { retryAfterMs: 1_000 });
          writeErrorResponse(response, error, deps.ids.requestId());
          return;
        }
      }
      handler(request, response);
    },
  );
  // Node answers `Expect: 100-continue` itself unless someone listens: the app answers it once
  // the request is admitted (request-intake.ts), so a refused client never uploads.
  created.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => created.emit('request', request, response));
  // CONNECT (authority-form) never reaches a route: Node hands the socket over as it is.
  created.on('connect', (_request: unknown, socket: Duplex) => answerOnSocket(socket, badRequestTarget('the authority-form (CONNECT host:port)'), deps));
  connections.attach(created);
  return created;
}

const healthPathSet: ReadonlySet<string> = new Set(healthPaths);

function isHealthPath(url: string | undefined): boolean {
  const path = url?.split('?')[0] ?? '';
  return healthPathSet.has(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);
}

/** Writes a whole error response on a socket no request object owns, then closes it. */
export function answerOnSocket(socket: Duplex, error: GatewayError, deps: AppDependencies): void {
  // A reset connection, or one whose answer already started: nothing can be written.
  const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.destroyed || !socket.writable || current?.headersSent === true) {
    socket.destroy();
    return;
  }
  const requestId = deps.ids.requestId();
  deps.logger.info({ request_id: requestId, status: error.status, error_code: error.code }, 'request');
  socket.end(rawErrorResponse(error, requestId));
  // A peer that never reads must not hold the socket.
  setTimeout(() => socket.destroy(), 5_000).unref();
}
