import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { JOBS_TABLE } from '../../functions/contract.js';
import { jobsTableDefinition } from '../../functions/core/adapters/dynamodb/table.js';
import { documentClient } from '../../functions/core/wiring.js';
import {
  embeddedDynamoDbClient,
  LOCAL_TABLE_NAME,
  startEmbeddedDynamoDb,
} from '../../local/embedded-dynamodb.js';
import { waitForTableStatus } from '../../local/table-rebuild.js';

/**
 * The jobs table as versions before `by-watch-queue` created it: due index `by-next-check`
 * (watch_queue + next_check_at, projection ALL), the listing indexes as today.
 */
export function earlierJobsTableDefinition(tableName: string): CreateTableCommandInput {
  const listing: string[] = [JOBS_TABLE.listIndex.name, JOBS_TABLE.statusIndex.name];
  const current = jobsTableDefinition(tableName);
  return {
    ...current,
    AttributeDefinitions: [
      ...(current.AttributeDefinitions ?? []),
      { AttributeName: 'next_check_at', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'by-next-check',
        KeySchema: [
          { AttributeName: 'watch_queue', KeyType: 'HASH' },
          { AttributeName: 'next_check_at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      ...(current.GlobalSecondaryIndexes ?? []).filter((index) => listing.includes(String(index.IndexName))),
    ],
  };
}

/**
 * Leaves in `folder` (the data folder's `dynamodb/`) what an earlier version left: the jobs table
 * on the earlier layout holding `items` (at most 25).
 */
export async function writeEarlierStore(folder: string, items: Record<string, unknown>[]): Promise<void> {
  const embedded = await startEmbeddedDynamoDb(folder);
  const client = embeddedDynamoDbClient(embedded.endpoint);
  try {
    await client.send(new CreateTableCommand(earlierJobsTableDefinition(LOCAL_TABLE_NAME)));
    await waitForTableStatus(client, LOCAL_TABLE_NAME, 'ACTIVE');
    if (items.length > 0) {
      await documentClient(client).send(
        new BatchWriteCommand({
          RequestItems: { [LOCAL_TABLE_NAME]: items.map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    }
  } finally {
    client.destroy();
    await embedded.close();
  }
}
