import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';

/**
 * The client connections the gateway keeps open are bounded (`server.max_connections`), and
 * `/health` answers while the bound is reached:
 * - below the cap every connection is served;
 * - at the cap, a new connection takes the place of the oldest idle one (no request in
 *   progress: kept-alive, or opened and silent), which is closed;
 * - when every connection is busy, up to `reserve` more are accepted as overflow: they get the
 *   health routes and a 529 `overloaded_error` for everything else, each answer closing the
 *   connection; past that, new connections are closed at once.
 * Silent and slow connections are closed by the server's header and request timeouts anyway;
 * the cap keeps a flood of them from exhausting file descriptors meanwhile.
 */

interface ConnectionState {
  busy: number;
  readonly overflow: boolean;
}

export interface ConnectionLimits {
  readonly maxConnections: number;
  readonly reserve: number;
  /** Called for each connection closed at the cap. */
  readonly onShed?: (reason: 'evicted' | 'refused') => void;
}

export class ConnectionGuard {
  readonly #limits: ConnectionLimits;
  readonly #states = new Map<Socket, ConnectionState>();
  /** Sockets with no request in progress, oldest idle first (a Set keeps insertion order). */
  readonly #idle = new Set<Socket>();

  constructor(limits: ConnectionLimits) {
    this.#limits = limits;
  }

  get open(): number {
    return this.#states.size;
  }

  /** Starts tracking a server's connections. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.#accept(socket));
  }

  /** Whether requests on this socket may only reach the health routes. */
  isOverflow(socket: Socket): boolean {
    return this.#states.get(socket)?.overflow === true;
  }

  /** Marks the socket busy until the response ends. */
  requestStarted(request: IncomingMessage, response: ServerResponse): void {
    const socket = request.socket;
    const state = this.#states.get(socket);
    if (state === undefined) return;
    state.busy++;
    this.#idle.delete(socket);
    response.once('close', () => {
      state.busy--;
      if (state.busy === 0 && this.#states.has(socket)) this.#idle.add(socket);
    });
  }

  #accept(socket: Socket): void {
    let overflow = false;
    if (this.#states.size >= this.#limits.maxConnections) {
      const oldest = this.#idle.values().next();
      if (!oldest.done) {
        this.#forget(oldest.value);
        oldest.value.destroy();
        this.#limits.onShed?.('evicted');
      } else if (this.#states.size < this.#limits.maxConnections + this.#limits.reserve) {
        overflow = true;
      } else {
        this.#limits.onShed?.('refused');
        socket.destroy();
        return;
      }
    }
    this.#states.set(socket, { busy: 0, overflow });
    this.#idle.add(socket);
    socket.once('close', () => this.#forget(socket));
  }

  #forget(socket: Socket): void {
    this.#states.delete(socket);
    this.#idle.delete(socket);
  }
}

/**
 * The default connection cap from the soft file-descriptor limit (`/proc/self/limits` on
 * Linux): each client connection may hold an upstream one too, and some descriptors are kept
 * for files, the stores and the listener.
 */
export function defaultMaxConnections(limitsText: string | undefined): number {
  const match = limitsText === undefined ? null : /^Max open files\s+(\d+|unlimited)/m.exec(limitsText);
  const soft = match === null ? undefined : match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
  if (soft === undefined) return 4_096;
  return Math.max(64, Math.min(50_000, Math.floor((soft - 256) / 2)));
}

/** Overflow connections accepted past the cap for the health routes. */
export const OVERFLOW_RESERVE = 32;

/** The process's resource limits (Linux), or undefined elsewhere. */
export function readProcessLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}
