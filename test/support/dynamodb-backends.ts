import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynalite } from './dynalite.js';
import { dynamoDbClientFor, motoClients } from './emulators.js';

/** A DynamoDB emulator a store test runs against, and how to stop it. */
export interface DynamoDbBackend {
  readonly client: DynamoDBClient;
  readonly stop: () => Promise<void>;
}

/**
 * The two emulators every store test runs on (`describe.each`): dynalite, what the local run
 * uses, started per file; and the suite's shared moto_server, which is stopped by the suite.
 */
export const DYNAMODB_BACKENDS: [string, () => Promise<DynamoDbBackend>][] = [
  [
    'dynalite',
    async () => {
      const dynalite = await startDynalite();
      return { client: dynamoDbClientFor(dynalite.endpoint), stop: dynalite.stop };
    },
  ],
  ['moto', () => Promise.resolve({ client: motoClients().dynamoDb, stop: () => Promise.resolve() })],
];
