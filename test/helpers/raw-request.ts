import { connect } from 'node:net';

/** A response read off a raw socket: status line, headers (lower-cased names, last value wins), body. */
export interface RawResponse {
  readonly statusLine: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Writes `bytes` on a fresh connection and reads the first response (the server closes, or Content-Length says it is whole). */
export function rawRequest(url: string, bytes: string | Buffer): Promise<RawResponse> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let data = Buffer.alloc(0);
    const finish = () => {
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return reject(new Error(`no complete response: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = data.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
      socket.destroy();
      resolve({ statusLine, headers, body: body.toString('utf8') });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end + 2));
      if (length !== null && data.length >= Buffer.byteLength(text.slice(0, end + 4), 'latin1') + Number(length[1])) finish();
    });
    socket.on('close', () => {
      if (!socket.destroyed || data.length > 0) finish();
    });
    socket.on('error', () => finish());
  });
}
