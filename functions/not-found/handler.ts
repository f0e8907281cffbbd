import { MethodNotAllowedError, NotFoundError } from '../../shared/errors';
import { httpFunction } from '../../shared/http/http-function';
import { requestMethod, routePath } from '../../shared/http/request-route';
import { allowedMethods, ROUTES } from '../../shared/http/routes';

/** The catch-all route: JSON 405 for a known path with another method, JSON 404 for anything else. */
export const { handler, create: createHandler } = httpFunction({
  name: 'not-found',
  access: 'open',
  compose: (base) => base,
  handle: async ({ event }) => {
    const path = routePath(event);
    const method = requestMethod(event);
    const allowed = allowedMethods(path);
    if (allowed.length > 0) throw new MethodNotAllowedError(method, path, allowed);
    throw new NotFoundError(
      `No route for ${method} ${path}; routes: ${ROUTES.map((r) => `${r.method} ${r.path}`).join(', ')}`,
    );
  },
});
