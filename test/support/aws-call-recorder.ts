import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A recording HTTP proxy on loopback, put between a function's SDK clients (its
 * AWS_ENDPOINT_URL) and the emulator: every request is forwarded unchanged (but for Host) and
 * kept, with the emulator's answer, so a test can say which AWS calls the code made. It sees
 * only what the code sends through the SDK, which is exactly what the function's role must allow.
 */

/** One request the code sent, and the emulator's answer. */
export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly status: number;
  readonly responseBody: string;
  /**
   * The code stopped waiting (its request timed out or was aborted) before the answer came: the
   * emulator may have done the work (e.g. delivered a message) while the code saw a failure.
   */
  readonly answerLost: boolean;
}

/** A request as the code sent it, before it reaches the emulator. */
export type OutgoingCall = Pick<RecordedCall, 'method' | 'path' | 'headers' | 'body'>;

/** An answer the recorder gives instead of forwarding (a fault), recorded like any other. */
export interface InjectedAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface RecorderOptions {
  /**
   * Looks at each request first: an answer returned is sent back (and recorded) instead of
   * forwarding the request, so a test can make AWS fail the calls it chooses.
   */
  intercept?: (call: OutgoingCall) => InjectedAnswer | undefined;
}

export interface AwsCallRecorder {
  /** What to set AWS_ENDPOINT_URL to, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  /** The calls recorded since the last drain (or the start), oldest first; forgets them. */
  drain(): RecordedCall[];
  close(): Promise<void>;
}

// Per-hop headers: the body is buffered whole, so lengths are recomputed and nothing is chunked.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

function forwardable(headers: http.IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([name, value]) =>
      value === undefined || HOP_BY_HOP.has(name)
        ? []
        : [[name, Array.isArray(value) ? value.join(', ') : value]],
    ),
  );
}

async function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(
  target: URL,
  agent: http.Agent,
  request: { method: string; path: string; headers: Record<string, string>; body: Buffer },
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.path,
        agent,
        headers: { ...request.headers, host: target.host, 'content-length': String(request.body.length) },
      },
      (response) => {
        readBody(response).then((body) => {
          resolve({ status: response.statusCode ?? 502, headers: forwardable(response.headers), body });
        }, reject);
      },
    );
    upstream.on('error', reject);
    upstream.end(request.body);
  });
}

/** The emulator's answer, or the one `intercept` gives in its place. */
async function answerFor(
  target: URL,
  agent: http.Agent,
  call: OutgoingCall & { rawBody: Buffer },
  options: RecorderOptions,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const injected = options.intercept?.(call);
  if (injected) return { ...injected, headers: { ...injected.headers }, body: Buffer.from(injected.body) };
  return forward(target, agent, { ...call, body: call.rawBody });
}

/**
 * Starts a recorder on a free loopback port in front of `targetEndpoint` (the emulator's URL);
 * `options.intercept` may answer some requests itself.
 */
export async function startAwsCallRecorder(
  targetEndpoint: string,
  options: RecorderOptions = {},
): Promise<AwsCallRecorder> {
  const target = new URL(targetEndpoint);
  const agent = new http.Agent({ keepAlive: true });
  let calls: RecordedCall[] = [];
  const server = http.createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const headers = forwardable(request.headers);
      const method = request.method ?? 'GET';
      const path = request.url ?? '/';
      const client = { gone: false };
      response.on('close', () => {
        if (!response.writableFinished) client.gone = true;
      });
      try {
        const text = body.toString('utf8');
        const call = { method, path, headers, body: text, rawBody: body };
        const answer = await answerFor(target, agent, call, options);
        calls.push({
          method,
          path,
          headers,
          body: text,
          status: answer.status,
          responseBody: answer.body.toString('utf8'),
          answerLost: client.gone || response.destroyed,
        });
        response.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
        response.end(answer.body);
      } catch (error) {
        // The emulator is gone: the SDK sees a 502 and the test fails on the call, not here.
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`recorder: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    drain: () => {
      const drained = calls;
      calls = [];
      return drained;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      });
      agent.destroy();
    },
  };
}
