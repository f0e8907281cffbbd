/**
 * A local server speaking the Gemini API's generateContent contract (v1beta REST), for Google's own client:
 * checks `x-goog-api-key`, requires an inline image part and a text part, answers with candidates and usage,
 * and reproduces a prompt block (question containing "BLOCKME") and quota errors (question containing "RATE").
 */
import http from 'node:http';
import { listenOnLoopback } from './loopback';

export interface GeminiContractServer {
  readonly url: string;
  readonly apiKey: string;
  readonly requests: { path: string; body: unknown }[];
  stop(): Promise<void>;
}

type Part = {
  text?: string;
  inlineData?: { mimeType: string; data: string };
  inline_data?: { mime_type: string; data: string };
};

export async function startGeminiContractServer(apiKey = 'test-gemini-key'): Promise<GeminiContractServer> {
  const requests: { path: string; body: unknown }[] = [];
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://local');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const error = (code: number, status: string, message: string) =>
      reply(code, { error: { code, message, status, details: [] } });
    const match = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(url.pathname);
    if (request.method !== 'POST' || !match)
      return error(404, 'NOT_FOUND', `${request.method} ${url.pathname} is not found`);
    if (request.headers['x-goog-api-key'] !== apiKey)
      return error(403, 'PERMISSION_DENIED', 'API key not valid. Please pass a valid API key.');
    let body: { contents?: { role?: string; parts?: Part[] }[] };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return error(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    requests.push({ path: url.pathname, body });
    const parts = body.contents?.flatMap((c) => c.parts ?? []) ?? [];
    const image = parts.find((p) => p.inlineData ?? p.inline_data);
    const text = parts.find((p) => typeof p.text === 'string')?.text;
    const data = image?.inlineData?.data ?? image?.inline_data?.data;
    if (!image || !text || !data)
      return error(400, 'INVALID_ARGUMENT', 'Request must contain an inline image part and a text part.');
    if (text.includes('RATE'))
      return error(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).');
    if (text.includes('BLOCKME')) {
      return reply(200, {
        promptFeedback: { blockReason: 'SAFETY', safetyRatings: [] },
        usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
        modelVersion: match[1],
      });
    }
    const bytes = Buffer.from(data, 'base64').length;
    reply(200, {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: `An image of ${bytes} bytes; you asked: ${text}` }] },
          finishReason: 'STOP',
          index: 0,
          safetyRatings: [],
        },
      ],
      usageMetadata: { promptTokenCount: 270, candidatesTokenCount: 12, totalTokenCount: 282 },
      modelVersion: match[1],
      responseId: 'local-response',
    });
  });
  return { ...(await listenOnLoopback(server)), apiKey, requests };
}
