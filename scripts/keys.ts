/**
 * `npm run keys -- create|list|revoke|usage`: manages the API keys in `API_KEYS_TABLE` (AWS's DynamoDB, or
 * the server `DYNAMODB_ENDPOINT` names, such as the one `npm start` embeds).
 *
 *   create --name NAME [--scopes '*' | 'POST /sentiment,GET /documents'] [--rate 5] [--burst 10]
 *          [--tokens N] [--images N] [--compute-seconds N]     prints the key once; only its hash is stored
 *   list                                                       every key, without secrets
 *   revoke KEY_ID                                              the key stops (deployed: within the authorizer's cache time)
 *   usage KEY_ID                                               what the key spent today (UTC)
 */
import { parseArgs } from 'node:util';
import { usageDay } from '../shared/access/access-store';
import {
  createDynamoAccessStore,
  createDynamoClient,
  ensureAccessTable,
} from '../shared/access/dynamo-access-store';
import { createKey, describeKey } from '../shared/access/key-admin';
import { loadConfig } from '../shared/config/environment';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    scopes: { type: 'string', default: '*' },
    rate: { type: 'string', default: '5' },
    burst: { type: 'string', default: '10' },
    tokens: { type: 'string' },
    images: { type: 'string' },
    'compute-seconds': { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const access =
  loadConfig().access ?? fail('set API_KEYS_TABLE (and DYNAMODB_ENDPOINT for a local server) to manage keys');
const client = createDynamoClient(access);
const store = createDynamoAccessStore({ client, table: access.table });
const count = (name: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!(parsed >= 0)) fail(`--${name} takes a number, 0 or more`);
  return parsed;
};
const [command, argument] = positionals;

try {
  await run();
} catch (error) {
  fail(`keys ${command}: ${(error as Error).message}`);
} finally {
  client.destroy();
}

async function run(): Promise<void> {
  switch (command) {
    case 'create': {
      if (!values.name) fail('create needs --name');
      if (access.endpoint) await ensureAccessTable(client, access.table);
      const tokens = count('tokens', values.tokens);
      const images = count('images', values.images);
      const computeSeconds = count('compute-seconds', values['compute-seconds']);
      const { key, record } = await createKey(store, {
        name: values.name,
        scopes: values.scopes.split(',').map((scope) => scope.trim()),
        ratePerSecond: count('rate', values.rate) ?? 5,
        burst: count('burst', values.burst) ?? 10,
        budgets: {
          ...(tokens === undefined ? {} : { tokens }),
          ...(images === undefined ? {} : { images }),
          ...(computeSeconds === undefined ? {} : { computeSeconds }),
        },
      }).catch((error: Error) => fail(error.message));
      console.log(describeKey(record));
      console.log(`\nkey (shown once, send it as x-api-key): ${key}`);
      break;
    }
    case 'list':
      for (const record of await store.listKeys()) console.log(describeKey(record));
      break;
    case 'revoke':
      if (!argument) fail('revoke needs a key id');
      if (!(await store.revokeKey(argument))) fail(`no key ${argument}`);
      console.log(`revoked ${argument}`);
      break;
    case 'usage': {
      if (!argument) fail('usage needs a key id');
      const day = usageDay(Date.now());
      const used = await store.usage(argument, day);
      console.log(
        `${argument} on ${day}: ${used.tokens} tokens, ${used.images} images, ${used.computeMs / 1000} compute seconds`,
      );
      break;
    }
    default:
      fail('usage: npm run keys -- create --name NAME [options] | list | revoke KEY_ID | usage KEY_ID');
  }
}
