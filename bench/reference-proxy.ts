// The floor for a Node proxy: node:http + an undici pool, no parsing, no logging, no checks.
// `node bench/reference-proxy.ts <port> <upstream origin>`
import { createServer } from 'node:http';
import { Pool } from 'undici';

const port = Number(process.argv[2]);
const pool = new Pool(process.argv[3] as string, { connections: 128, pipelining: 1 });
createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', async () => {
    const headers = { ...request.headers };
    delete headers.host;
    delete headers.connection;
    try {
      const upstream = await pool.request({ path: request.url ?? '/', method: request.method as 'POST', headers, body: Buffer.concat(chunks) });
      response.writeHead(upstream.statusCode, upstream.headers as Record<string, string>);
      for await (const chunk of upstream.body) response.write(chunk);
      response.end();
    } catch {
      response.writeHead(502).end();
    }
  });
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
