/**
 * Loaded into the serverless-offline process (`node --import`): makes it deliver request bodies as API
 * Gateway's HTTP API does. serverless-offline base64-encodes only `application/octet-stream` and
 * `multipart/form-data` bodies and decodes every other body as UTF-8, so a raw `image/png` or
 * `application/pdf` upload reaches the handler with its bytes destroyed. API Gateway base64-encodes every
 * body that is not text. This hook replaces serverless-offline's one `detectEncoding` function with that
 * rule, and refuses to start if the function is not where it expects it (a changed serverless-offline).
 */
import { register } from 'node:module';

register(new URL('./binary-bodies-hooks.mjs', import.meta.url));
