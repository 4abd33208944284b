import { cpSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { apiGatewayEvent } from './api-gateway-event.js';
import {
  findResources,
  type CloudAssembly,
  type FunctionBundle,
  type PollFunction,
} from './cloud-assembly.js';

/**
 * The app's functions as deployed: found in the synthesized templates by construct path, their
 * bundles loaded the way Lambda loads them (a fresh module instance per cold start), and a
 * loopback HTTP front that turns real requests into API Gateway events for one of them.
 */

/** A Lambda handler as the runtime calls it. */
export type DeployedHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * The one `AWS::Lambda::Function` across the assembly whose construct path matches `cdkPath`
 * (e.g. `/Api/ApiFunction/Resource$`), with its environment, timeout and memory size.
 */
export function functionAtPath(assembly: CloudAssembly, cdkPath: RegExp): PollFunction {
  const matches = assembly.stacks.flatMap((stack) =>
    findResources(stack.template, 'AWS::Lambda::Function')
      .filter(({ resource }) => {
        const found = resource.Metadata?.['aws:cdk:path'];
        return typeof found === 'string' && cdkPath.test(found);
      })
      .map((found) => ({ stack, ...found })),
  );
  const [match] = matches;
  if (!match || matches.length > 1) {
    throw new Error(`expected exactly one function at ${String(cdkPath)}, found ${matches.length}`);
  }
  const properties = match.resource.Properties ?? {};
  const environment = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)
    ?.Variables;
  const timeout = properties.Timeout ?? 3;
  const memorySize = properties.MemorySize ?? 128;
  if (typeof timeout !== 'number' || typeof memorySize !== 'number') {
    throw new Error(`${match.logicalId}: Timeout and MemorySize must be literal numbers`);
  }
  return {
    stack: match.stack,
    logicalId: match.logicalId,
    resource: match.resource,
    environment: environment ?? {},
    timeoutSeconds: timeout,
    memorySize,
  };
}

let containers = 0;

/**
 * A new container's cold start of `bundle`: the asset is copied so that Node loads a fresh
 * module instance, which reads the environment and creates its clients on import, as Lambda's does.
 */
export async function coldStart(bundle: FunctionBundle): Promise<DeployedHandler> {
  containers += 1;
  const dir = path.join(path.dirname(bundle.dir), `container-${process.pid}-${containers}`);
  cpSync(bundle.dir, dir, { recursive: true });
  const entryFile = path.join(dir, path.relative(bundle.dir, bundle.entryFile));
  const module = (await import(pathToFileURL(entryFile).href)) as Record<string, unknown>;
  const exported = module[bundle.exportName];
  if (typeof exported !== 'function') {
    throw new Error(`${entryFile} does not export a function named ${bundle.exportName}`);
  }
  return exported as DeployedHandler;
}

/** A Lambda context for `fn`, with its whole timeout left. */
export function contextFor(fn: PollFunction, requestId: string): Context {
  const name = fn.logicalId;
  // The deprecated callback-style members are left out: nothing calls them.
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: String(fn.memorySize),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'deploy-shaped',
    getRemainingTimeInMillis: () => fn.timeoutSeconds * 1000,
  } as Context;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

/**
 * What API Gateway does in front of a Lambda integration, on loopback: each HTTP request becomes
 * a payload 2.0 event (route key and path parameters matched as the HTTP API would), the
 * structured result becomes the HTTP answer. `invoke` runs the function (it may switch the
 * environment to the function's first).
 */
export class LoopbackApiGateway {
  private readonly server: Server;
  url = '';

  constructor(invoke: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>) {
    this.server = createServer((request, response) => {
      void (async () => {
        try {
          const body = await readBody(request);
          const url = new URL(request.url ?? '/', 'http://loopback');
          const headers = Object.fromEntries(
            Object.entries(request.headers).flatMap(([name, value]) =>
              typeof value === 'string' ? [[name, value]] : [],
            ),
          );
          const result = await invoke(
            apiGatewayEvent({
              method: request.method ?? 'GET',
              path: url.pathname,
              headers,
              ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
              query: Object.fromEntries(url.searchParams),
            }),
          );
          const answer = result.body ?? '';
          response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(answer);
        } catch (error) {
          // What API Gateway answers when the integration fails.
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ message: 'Internal Server Error', error: String(error) }));
        }
      })();
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
