/**
 * A DynamoDB-compatible server (dynalite) for the API keys table: embedded in `npm start` when keys are on
 * and no DynamoDB endpoint is given, and started by the tests. It speaks DynamoDB's protocol, conditional
 * writes included, so the access store runs against it unchanged.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { createDynamoClient, ensureAccessTable } from '../../shared/access/dynamo-access-store';

export interface DynamoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startDynamoServer(
  options: { port?: number; path?: string; table?: string } = {},
): Promise<DynamoServer> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (options.table) {
    const client = createDynamoClient({ table: options.table, endpoint });
    await ensureAccessTable(client, options.table);
    client.destroy();
  }
  return {
    endpoint,
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
