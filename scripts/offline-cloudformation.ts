/**
 * The framework's `package` asks CloudFormation whether the stack already holds each layer's current version
 * (to skip re-uploads). Packaging offline there is no stack to ask: this local endpoint answers, in
 * CloudFormation's own error format, that the stack does not exist, which is the truth for a first deploy
 * and makes `package` build every artifact.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startOfflineCloudFormation(stackName: string): Promise<{ url: string; close(): void }> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(400, { 'content-type': 'text/xml' });
      response.end(
        `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>` +
          `<Code>ValidationError</Code><Message>Stack with id ${stackName} does not exist</Message></Error>` +
          `<RequestId>offline-package</RequestId></ErrorResponse>`,
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
