import { connect, type Socket } from 'node:net';

/**
 * HTTP/1.1 over a raw socket, for what ordinary clients cannot do: send headers and hold the
 * body back, trickle bytes, or open connections and stay silent.
 */

export interface RawResponse {
  /** `HTTP/1.1 200 OK`: the reason phrase is part of what some tests check. */
  readonly statusLine: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface RawConnection {
  readonly socket: Socket;
  /** Resolves with the first complete response (undefined if the connection closed first). */
  readonly response: Promise<RawResponse | undefined>;
  /** Resolves when the connection is closed (by either side). */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  write(data: string | Buffer): Promise<void>;
}

export function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = Buffer.alloc(0);
    let closed = false;
    let settle!: (response: RawResponse | undefined) => void;
    const response = new Promise<RawResponse | undefined>((done) => (settle = done));
    const closedPromise = new Promise<void>((done) =>
      socket.once('close', () => {
        closed = true;
        settle(parseResponse(received));
        done();
      }),
    );
    socket.on('data', (chunk: Buffer) => {
      if (received.length < 1_000_000) received = Buffer.concat([received, chunk]);
      const parsed = parseResponse(received, true);
      if (parsed !== undefined) settle(parsed);
    });
    // Writes after the gateway closed the connection fail: that is the point of some tests.
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      resolve({
        socket,
        response,
        closed: closedPromise,
        isClosed: () => closed,
        write: (data) => new Promise<void>((done) => (socket.destroyed ? done() : socket.write(data, () => done()))),
      }),
    );
    socket.once('error', reject);
  });
}

/**
 * Writes `bytes` on a fresh connection and reads the first response (whole by its
 * Content-Length, or what came before the server closed); the connection is then closed.
 */
export async function rawRequest(url: string, bytes: string | Buffer): Promise<RawResponse> {
  const connection = await openRaw(url);
  await connection.write(bytes);
  const response = await connection.response;
  connection.socket.destroy();
  if (response === undefined) throw new Error('no complete response before the connection closed');
  return response;
}

/** The response in `bytes`, when whole (with `complete`, a body as long as its Content-Length). */
function parseResponse(bytes: Buffer, complete = false): RawResponse | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = bytes.subarray(end + 4);
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (complete && (length === undefined || body.length < length)) return undefined;
  return { statusLine, status, headers, body: (length === undefined ? body : body.subarray(0, length)).toString('utf8') };
}

/** The request line and headers of a POST, ending with the blank line. */
export function postHead(path: string, headers: Record<string, string>): string {
  const lines = Object.entries({ host: 'gateway.test', 'content-type': 'application/json', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `POST ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
