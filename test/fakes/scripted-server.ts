import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What every fake upstream shares: an HTTP server on 127.0.0.1 (port 0), the requests it
 * recorded, a queue of scripted steps played one per request before a responder takes over,
 * and a close that also cuts kept-alive connections. Subclasses decide how a request is recorded
 * and how a step is played.
 */
export abstract class ScriptedServer<Step, Recorded> {
  readonly requests: Recorded[] = [];
  url = '';
  protected readonly queue: Step[] = [];
  protected responder: (request: Recorded) => Step;
  protected readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly defaultResponder: (request: Recorded) => Step;
  private readonly name: string;

  protected constructor(name: string, defaultResponder: (request: Recorded) => Step) {
    this.name = name;
    this.defaultResponder = defaultResponder;
    this.responder = defaultResponder;
    this.server = createServer((request, response) => this.handle(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  protected abstract handle(request: IncomingMessage, response: ServerResponse): void;

  protected async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Steps answered in order, one per request, before the responder takes over again. */
  enqueue(...steps: Step[]): void {
    this.queue.push(...steps);
  }

  respondWith(responder: (request: Recorded) => Step): void {
    this.responder = responder;
  }

  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
    this.responder = this.defaultResponder;
  }

  last(): Recorded {
    const request = this.requests.at(-1);
    if (request === undefined) throw new Error(`the ${this.name} received no request`);
    return request;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
