import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { closedContainerStore, validateContainer, type ContainerStore, type StoredContainer } from '../containers.ts';

/**
 * Containers in the DynamoDB table `<prefix>ptc-containers` (partition key `id`), shared by every
 * instance using the same tables. `expires_at` (epoch seconds, the table's TTL attribute) lets
 * DynamoDB delete expired ones; reads ignore them before it does. Reads are strongly consistent,
 * so a continuation sent to another instance right after the pause finds it.
 */

export interface DynamoContainerStoreOptions {
  readonly tableName: string;
  /** Each call to DynamoDB is aborted after this. Default 2 s. */
  readonly requestTimeoutMs?: number;
  readonly ownsClient?: boolean;
}

export class DynamoContainerStore implements ContainerStore {
  readonly kind = 'dynamodb';
  readonly #client: DynamoDBClient;
  readonly #documents: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #requestTimeoutMs: number;
  readonly #ownsClient: boolean;
  #closed = false;

  constructor(client: DynamoDBClient, options: DynamoContainerStoreOptions) {
    this.#client = client;
    this.#documents = DynamoDBDocumentClient.from(client);
    this.#tableName = options.tableName;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 2_000;
    this.#ownsClient = options.ownsClient ?? false;
  }

  async get(id: string, now: number): Promise<StoredContainer | undefined> {
    this.#assertOpen();
    const { Item: item } = await this.#documents.send(new GetCommand({ TableName: this.#tableName, Key: { id }, ConsistentRead: true }), this.#call());
    if (item === undefined) return undefined;
    const { until, state } = item as { until?: unknown; state?: unknown };
    if (typeof until !== 'number' || typeof state !== 'string' || until <= now) return undefined;
    return { id, expiresAt: until, state };
  }

  async put(container: StoredContainer, now: number): Promise<void> {
    this.#assertOpen();
    validateContainer(container, now);
    if (container.expiresAt <= now) return;
    const item = { id: container.id, until: container.expiresAt, state: container.state, expires_at: Math.ceil(container.expiresAt / 1000) + 60 };
    await this.#documents.send(new PutCommand({ TableName: this.#tableName, Item: item }), this.#call());
  }

  async delete(id: string): Promise<void> {
    this.#assertOpen();
    await this.#documents.send(new DeleteCommand({ TableName: this.#tableName, Key: { id } }), this.#call());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) this.#client.destroy();
  }

  #assertOpen(): void {
    if (this.#closed) throw closedContainerStore(this.kind);
  }

  #call(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.#requestTimeoutMs) };
  }
}
