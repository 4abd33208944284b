import type { APIGatewayProxyResultV2 } from 'aws-lambda';

/**
 * Placeholder so the stack synthesizes before the real handler lands (branch i7-http replaces
 * this file): every request gets a 501 problem document.
 */
export function handler(): Promise<APIGatewayProxyResultV2> {
  return Promise.resolve({
    statusCode: 501,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ title: 'Not Implemented', status: 501 }),
  });
}
