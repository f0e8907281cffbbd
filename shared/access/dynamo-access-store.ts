/**
 * The access store on one DynamoDB table (partition key `pk`, sort key `sk`, TTL attribute `expires_at`):
 *
 * - `key#<id>` / `key`: the key's record (hash of its secret, scopes, limits, status);
 * - `key#<id>` / `rate`: its token bucket (`spent`: tokens taken, measured against those granted since the
 *   epoch at `rate_per_second`);
 * - `key#<id>` / `usage#<YYYY-MM-DD>`: the day's `tokens`, `images`, `compute_ms`, `requests`, kept two days.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { AccessStore, BudgetName, ReserveResult, TokenResult, Usage } from './access-store';
import type { ApiKeyRecord, DailyBudgets } from './api-key';

export interface DynamoSettings {
  readonly table: string;
  /** A DynamoDB-compatible server (dynalite locally and in tests); AWS's regional endpoint when absent. */
  readonly endpoint?: string;
  readonly region?: string;
}

export function createDynamoClient(settings: DynamoSettings): DynamoDBClient {
  return new DynamoDBClient({
    region: settings.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(settings.endpoint
      ? {
          endpoint: settings.endpoint,
          // A local server takes any credentials; the default chain would look for real ones.
          credentials: {
            accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
            secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
          },
        }
      : {}),
  });
}

/** How often a bucket write that lost a race is tried again before the request counts as over its rate. */
const TOKEN_ATTEMPTS = 10;
/** Usage counters outlive their day by this much, for the keys CLI to show yesterday's. */
const USAGE_RETENTION_SECONDS = 2 * 24 * 3600;

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });
const num = (item: Record<string, AttributeValue> | undefined, name: string): number | undefined =>
  item?.[name]?.N === undefined ? undefined : Number(item[name].N);
const str = (item: Record<string, AttributeValue> | undefined, name: string): string | undefined =>
  item?.[name]?.S;

const keyPk = (keyId: string) => s(`key#${keyId}`);

function recordItem(record: ApiKeyRecord): Record<string, AttributeValue> {
  const { budgets } = record;
  return {
    pk: keyPk(record.keyId),
    sk: s('key'),
    key_id: s(record.keyId),
    name: s(record.name),
    secret_hash: s(record.secretHash),
    scopes: { L: record.scopes.map(s) },
    rate_per_second: n(record.ratePerSecond),
    burst: n(record.burst),
    status: s(record.status),
    created_at: s(record.createdAt),
    ...(budgets.tokens === undefined ? {} : { budget_tokens: n(budgets.tokens) }),
    ...(budgets.images === undefined ? {} : { budget_images: n(budgets.images) }),
    ...(budgets.computeSeconds === undefined ? {} : { budget_compute_seconds: n(budgets.computeSeconds) }),
  };
}

function recordOf(item: Record<string, AttributeValue>): ApiKeyRecord {
  const tokens = num(item, 'budget_tokens');
  const images = num(item, 'budget_images');
  const computeSeconds = num(item, 'budget_compute_seconds');
  return {
    keyId: str(item, 'key_id') ?? '',
    name: str(item, 'name') ?? '',
    secretHash: str(item, 'secret_hash') ?? '',
    scopes: (item.scopes?.L ?? []).flatMap((scope) => (scope.S ? [scope.S] : [])),
    ratePerSecond: num(item, 'rate_per_second') ?? 0,
    burst: num(item, 'burst') ?? 0,
    status: str(item, 'status') === 'active' ? 'active' : 'revoked',
    createdAt: str(item, 'created_at') ?? '',
    budgets: {
      ...(tokens === undefined ? {} : { tokens }),
      ...(images === undefined ? {} : { images }),
      ...(computeSeconds === undefined ? {} : { computeSeconds }),
    },
  };
}

/** The budgets as counter limits: attribute, limit in the counter's unit, and the name a 429 gives. */
function limitsOf(budgets: DailyBudgets): { attribute: keyof typeof COUNTERS; limit: number }[] {
  return [
    ...(budgets.tokens === undefined ? [] : [{ attribute: 'tokens' as const, limit: budgets.tokens }]),
    ...(budgets.images === undefined ? [] : [{ attribute: 'images' as const, limit: budgets.images }]),
    ...(budgets.computeSeconds === undefined
      ? []
      : [{ attribute: 'compute_ms' as const, limit: budgets.computeSeconds * 1000 }]),
  ];
}

const COUNTERS = {
  tokens: { budget: 'tokens', of: (u: Usage) => u.tokens, unit: 1 },
  images: { budget: 'images', of: (u: Usage) => u.images, unit: 1 },
  compute_ms: { budget: 'compute_seconds', of: (u: Usage) => u.computeMs, unit: 1000 },
} as const satisfies Record<string, { budget: BudgetName; of: (u: Usage) => number; unit: number }>;

export function createDynamoAccessStore(deps: { client: DynamoDBClient; table: string }): AccessStore {
  const { client, table } = deps;
  const usageKey = (keyId: string, day: string) => ({ pk: keyPk(keyId), sk: s(`usage#${day}`) });
  const expiresAt = () => n(Math.floor(Date.now() / 1000) + USAGE_RETENTION_SECONDS);

  return {
    async putKey(record) {
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: recordItem(record),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    async getKey(keyId) {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: table,
          Key: { pk: keyPk(keyId), sk: s('key') },
          ConsistentRead: true,
        }),
      );
      return Item ? recordOf(Item) : undefined;
    },

    async listKeys() {
      const records: ApiKeyRecord[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: table,
            FilterExpression: 'sk = :key',
            ExpressionAttributeValues: { ':key': s('key') },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        records.push(...(page.Items ?? []).map(recordOf));
        start = page.LastEvaluatedKey;
      } while (start);
      return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async revokeKey(keyId) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: keyPk(keyId), sk: s('key') },
            UpdateExpression: 'SET #status = :revoked',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':revoked': s('revoked') },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async takeToken(keyId, bucket, nowMs): Promise<TokenResult> {
      const Key = { pk: keyPk(keyId), sk: s('rate') };
      // Tokens granted since the epoch at this rate: a bucket is full when `spent` is at most this, and
      // empty when `spent` reaches it plus the burst. Taking a token is then one conditional ADD.
      const granted = (bucket.ratePerSecond * nowMs) / 1000;
      const rate = n(bucket.ratePerSecond);
      for (let attempt = 0; attempt < TOKEN_ATTEMPTS; attempt++) {
        try {
          await client.send(
            new UpdateItemCommand({
              TableName: table,
              Key,
              UpdateExpression: 'ADD spent :one',
              ConditionExpression: 'rate_per_second = :rate AND spent >= :full AND spent <= :last',
              ExpressionAttributeValues: {
                ':one': n(1),
                ':rate': rate,
                ':full': n(granted),
                ':last': n(granted + bucket.burst - 1),
              },
            }),
          );
          return { ok: true };
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
        const { Item } = await client.send(
          new GetItemCommand({ TableName: table, Key, ConsistentRead: true }),
        );
        const spent = num(Item, 'spent');
        const sameRate = num(Item, 'rate_per_second') === bucket.ratePerSecond;
        if (spent !== undefined && sameRate && spent > granted + bucket.burst - 1)
          return {
            ok: false,
            retryAfterSeconds: (spent - granted - bucket.burst + 1) / bucket.ratePerSecond,
          };
        if (spent !== undefined && sameRate && spent >= granted) continue;
        // A full bucket (idle long enough, new, or its rate changed): restart it with this request's token.
        try {
          await client.send(
            new UpdateItemCommand({
              TableName: table,
              Key,
              UpdateExpression: 'SET spent = :taken, rate_per_second = :rate',
              ConditionExpression: 'attribute_not_exists(spent) OR spent < :full OR rate_per_second <> :rate',
              ExpressionAttributeValues: { ':taken': n(granted + 1), ':full': n(granted), ':rate': rate },
            }),
          );
          return { ok: true };
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      // So many requests compete for this bucket that it is, in effect, empty.
      return { ok: false, retryAfterSeconds: 1 / bucket.ratePerSecond };
    },

    async reserve(keyId, day, amount, budgets): Promise<ReserveResult> {
      const limits = limitsOf(budgets);
      for (const { attribute, limit } of limits) {
        const counter = COUNTERS[attribute];
        if (counter.of(amount) > limit)
          return { ok: false, budget: counter.budget, used: 0, limit: limit / counter.unit };
      }
      const values: Record<string, AttributeValue> = {
        ':tokens': n(amount.tokens),
        ':images': n(amount.images),
        ':compute': n(amount.computeMs),
        ':one': n(1),
        ':expires': expiresAt(),
      };
      const conditions = limits.map(({ attribute, limit }) => {
        values[`:max_${attribute}`] = n(limit - COUNTERS[attribute].of(amount));
        return `(attribute_not_exists(${attribute}) OR ${attribute} <= :max_${attribute})`;
      });
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: usageKey(keyId, day),
            UpdateExpression:
              'ADD tokens :tokens, images :images, compute_ms :compute, requests :one SET expires_at = :expires',
            ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { ok: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const current =
          error.Item ??
          (
            await client.send(
              new GetItemCommand({ TableName: table, Key: usageKey(keyId, day), ConsistentRead: true }),
            )
          ).Item;
        for (const { attribute, limit } of limits) {
          const counter = COUNTERS[attribute];
          const used = num(current, attribute) ?? 0;
          if (used + counter.of(amount) > limit)
            return {
              ok: false,
              budget: counter.budget,
              used: used / counter.unit,
              limit: limit / counter.unit,
            };
        }
        // The usage changed between the failed write and now; the first budget is the one that was short.
        const first = limits[0];
        return first
          ? { ok: false, budget: COUNTERS[first.attribute].budget, used: first.limit, limit: first.limit }
          : { ok: true };
      }
    },

    async adjust(keyId, day, delta) {
      if (delta.tokens === 0 && delta.images === 0 && delta.computeMs === 0) return;
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: usageKey(keyId, day),
          UpdateExpression:
            'ADD tokens :tokens, images :images, compute_ms :compute SET expires_at = :expires',
          ExpressionAttributeValues: {
            ':tokens': n(delta.tokens),
            ':images': n(delta.images),
            ':compute': n(delta.computeMs),
            ':expires': expiresAt(),
          },
        }),
      );
    },

    async usage(keyId, day) {
      const { Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: usageKey(keyId, day), ConsistentRead: true }),
      );
      return {
        tokens: num(Item, 'tokens') ?? 0,
        images: num(Item, 'images') ?? 0,
        computeMs: num(Item, 'compute_ms') ?? 0,
      };
    },
  };
}

/** Creates the table (as serverless.yml declares it) where it does not exist: local servers and tests. */
export async function ensureAccessTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if ((error as Error).name === 'ResourceInUseException') return;
    throw error;
  }
  await client
    .send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      }),
    )
    .catch(() => undefined);
}
