/** Module hooks for binary-bodies.mjs: rewrites serverless-offline's `detectEncoding` on load. */
const TARGET = /\/serverless-offline\/src\/utils\/index\.js$/;
const ORIGINAL = /export function detectEncoding\(request\) \{[\s\S]*?\n\}\n/;

/** API Gateway's split: these media types are text; every other body is binary and arrives base64-encoded. */
const REPLACEMENT = `export function detectEncoding(request) {
  const contentType = String(request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase()
  const text =
    contentType === "" ||
    contentType.startsWith("text/") ||
    /^application\\/(?:[\\w.+-]+\\+)?(?:json|xml)$/.test(contentType) ||
    contentType === "application/javascript" ||
    contentType === "application/x-www-form-urlencoded"
  return text ? "utf8" : "binary"
}
`;

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!TARGET.test(url)) return result;
  const source = String(result.source);
  if (!ORIGINAL.test(source)) {
    throw new Error(
      'serverless-offline changed: detectEncoding() was not found in src/utils/index.js; update scripts/offline/binary-bodies-hooks.mjs',
    );
  }
  return { ...result, source: source.replace(ORIGINAL, REPLACEMENT) };
}
