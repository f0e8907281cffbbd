/** A dynalite server with the API keys table, and an access store over it. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoServer, startDynamoServer } from '../../scripts/services/dynamodb-server';
import type { AccessStore } from '../../shared/access/access-store';
import { createDynamoAccessStore, createDynamoClient } from '../../shared/access/dynamo-access-store';

export const KEYS_TABLE = 'api-keys-test';

export interface KeysTable {
  readonly server: DynamoServer;
  readonly client: DynamoDBClient;
  readonly store: AccessStore;
  /** The variables that point a function at this table. */
  readonly env: { API_KEYS_TABLE: string; DYNAMODB_ENDPOINT: string };
  stop(): Promise<void>;
}

export async function startKeysTable(): Promise<KeysTable> {
  const server = await startDynamoServer({ table: KEYS_TABLE });
  const client = createDynamoClient({ table: KEYS_TABLE, endpoint: server.endpoint });
  return {
    server,
    client,
    store: createDynamoAccessStore({ client, table: KEYS_TABLE }),
    env: { API_KEYS_TABLE: KEYS_TABLE, DYNAMODB_ENDPOINT: server.endpoint },
    stop: async () => {
      client.destroy();
      await server.stop();
    },
  };
}
