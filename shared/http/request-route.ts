/**
 * Where a request was sent, read the same way from API Gateway's payload 2.0 and 1.0 events, on the
 * `$default` stage and on a named one (whose name prefixes `rawPath`: `/prod/jobs/1`).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { headerValue } from './json-body';

/** The fields of a payload 1.0 event that payload 2.0 names differently. */
interface PayloadV1Fields {
  readonly httpMethod?: string;
  readonly path?: string;
  readonly requestContext?: { readonly httpMethod?: string; readonly stage?: string };
}

type AnyHttpEvent = Pick<APIGatewayProxyEventV2, 'headers'> &
  Partial<Pick<APIGatewayProxyEventV2, 'rawPath' | 'requestContext'>> &
  PayloadV1Fields;

const v1 = (event: AnyHttpEvent) => event as PayloadV1Fields;

export function requestMethod(event: AnyHttpEvent): string {
  return (
    event.requestContext?.http?.method ??
    v1(event).httpMethod ??
    v1(event).requestContext?.httpMethod ??
    'GET'
  ).toUpperCase();
}

/** `/prod` on a named stage whose name is in the path, '' on `$default` (or behind a custom domain). */
export function stagePrefix(event: AnyHttpEvent): string {
  const stage = event.requestContext?.stage;
  if (!stage || stage === '$default') return '';
  const path = event.rawPath ?? v1(event).path ?? '';
  const prefix = `/${stage}`;
  return path === prefix || path.startsWith(`${prefix}/`) ? prefix : '';
}

/** The path as the routes declare it: no stage prefix, never empty. */
export function routePath(event: AnyHttpEvent): string {
  const path = event.rawPath ?? v1(event).path ?? '/';
  return path.slice(stagePrefix(event).length) || '/';
}

/** The public base URL of this API as the client called it: scheme, host and stage prefix. */
export function publicBaseUrl(event: AnyHttpEvent): string {
  const host =
    headerValue(event, 'x-forwarded-host') ?? headerValue(event, 'host') ?? event.requestContext?.domainName;
  const proto =
    headerValue(event, 'x-forwarded-proto') ??
    (host?.startsWith('127.0.0.1') || host?.startsWith('localhost') ? 'http' : 'https');
  return `${proto}://${host}${stagePrefix(event)}`;
}
