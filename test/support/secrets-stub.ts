import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** How the stub answers the next Secrets Manager calls. */
export type SecretsStubAnswer =
  | { kind: 'error'; status: number; type?: string }
  | { kind: 'secret'; value: string }
  /** Holds the request open until the stub stops, as an endpoint that never answers. */
  | { kind: 'hang' };

/**
 * A Secrets Manager endpoint on loopback that answers what the test tells it, over real HTTP
 * (the awsJson1_1 protocol: errors carry `__type` in the body), so the SDK and Powertools parse
 * throttling and 5xx answers exactly as they would from AWS.
 */
export class SecretsManagerStub {
  answer: SecretsStubAnswer = { kind: 'error', status: 500, type: 'InternalServiceError' };
  calls = 0;
  private readonly server: Server = createServer((request, response) => {
    this.handle(request, response);
  });
  private readonly held: ServerResponse[] = [];

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A client for this stub: one attempt (no SDK retries), a short request timeout. */
  client(endpoint: string, requestTimeoutMs = 300): SecretsManagerClient {
    return new SecretsManagerClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      // Without throwOnRequestTimeout this SDK only logs a warning when the timeout passes.
      requestHandler: {
        requestTimeout: requestTimeoutMs,
        connectionTimeout: requestTimeoutMs,
        throwOnRequestTimeout: true,
      },
    });
  }

  async stop(): Promise<void> {
    for (const response of this.held) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    request.resume();
    this.calls += 1;
    const answer = this.answer;
    if (answer.kind === 'hang') {
      this.held.push(response);
      return;
    }
    const headers = { 'content-type': 'application/x-amz-json-1.1' };
    if (answer.kind === 'secret') {
      const body = {
        ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:key',
        SecretString: answer.value,
      };
      response.writeHead(200, headers).end(JSON.stringify(body));
      return;
    }
    const body = answer.type ? { __type: answer.type, message: `Stubbed ${answer.type}` } : {};
    response.writeHead(answer.status, headers).end(JSON.stringify(body));
  }
}
