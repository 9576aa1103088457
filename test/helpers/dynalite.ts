import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

/**
 * A throwaway DynamoDB API for tests: `dynalite` (a real implementation of the DynamoDB wire
 * protocol on LevelDB, in memory here) on its own loopback port. Tables become ACTIVE at once.
 */

export interface TestDynamo {
  /** `http://127.0.0.1:<port>`, for `DYNAMODB_ENDPOINT`. */
  readonly endpoint: string;
  /** Region and dummy credentials the AWS SDK needs to sign (dynalite accepts any). */
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  stop(): Promise<void>;
}

/** On `port` when given (a test that starts DynamoDB after the gateway), else an ephemeral one. */
export async function startDynalite(port = 0): Promise<TestDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: listening } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${listening}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDDYNALITETEST', secretAccessKey: 'dynalite-test-secret' },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
