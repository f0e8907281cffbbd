import type { Logger } from '@aws-lambda-powertools/logger';
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import {
  API_KEY_HEADER,
  type AuthorizerContext,
  authenticate,
  contextOf,
} from '../../shared/access/access-control';
import type { AccessStore } from '../../shared/access/access-store';
import { createDynamoAccessStore, createDynamoClient } from '../../shared/access/dynamo-access-store';
import { baseDependencies } from '../../shared/app/base';
import { ConfigurationError, HttpError } from '../../shared/errors';
import { headerValue } from '../../shared/http/json-body';

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<
  AuthorizerContext | Record<string, never>
>;

/**
 * The HTTP API's Lambda authorizer (simple responses): the key in `x-api-key` is known, active, and allowed
 * on the route. API Gateway caches the answer per key and route (serverless.yml), so a revoked key stops
 * within that time; the function behind counts the key's rate and budgets on every request.
 */
export function createAuthorizer(deps: { store: AccessStore; logger: Logger }) {
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    try {
      const identity = await authenticate(
        deps.store,
        headerValue({ headers: event.headers ?? {} }, API_KEY_HEADER),
        event.routeKey,
      );
      return { isAuthorized: true, context: contextOf(identity) };
    } catch (error) {
      if (!(error instanceof HttpError) || error.statusCode >= 500) throw error;
      deps.logger.info('request refused by the authorizer', { route: event.routeKey, reason: error.message });
      return { isAuthorized: false, context: {} };
    }
  };
}

let authorizer: ReturnType<typeof createAuthorizer> | undefined;

export const handler = (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
  if (!authorizer) {
    const { config, logger } = baseDependencies();
    if (!config.access)
      throw new ConfigurationError('API_KEYS_TABLE: the authorizer needs the API keys table');
    const client = createDynamoClient(config.access);
    authorizer = createAuthorizer({
      store: createDynamoAccessStore({ client, table: config.access.table }),
      logger,
    });
  }
  return authorizer(event);
};
