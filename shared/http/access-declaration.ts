import type { ApiKeyDeclaration } from './guardrails';

/** The route needs an API key, its scope and rate, and budget, when `API_KEYS_TABLE` is set. */
export const apiKeyAccess: ApiKeyDeclaration = { kind: 'api-key', load: () => import('./access-control') };
