import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { jobsTableDefinition } from '../../functions/core/adapters/dynamodb/table.js';
import { embeddedDynamoDbClient, LOCAL_TABLE_NAME } from '../../local/embedded-dynamodb.js';

/**
 * What a process killed while creating the table leaves in `folder`: another process serves the
 * folder with dynalite (tables stay CREATING for an hour), creates the jobs table, and is killed.
 */
export async function killedWhileCreatingTable(folder: string): Promise<void> {
  const serve = [
    'const server = require(process.argv[1])({ path: process.argv[2], createTableMs: 3600000 });',
    "server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));",
  ].join('\n');
  const dynalitePath = createRequire(import.meta.url).resolve('dynalite');
  const child = spawn(process.execPath, ['-e', serve, dynalitePath, folder], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    const client = embeddedDynamoDbClient(`http://127.0.0.1:${chunk.toString().trim()}`);
    await client.send(new CreateTableCommand(jobsTableDefinition(LOCAL_TABLE_NAME)));
    const { Table } = await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLE_NAME }));
    if (Table?.TableStatus !== 'CREATING')
      throw new Error(`expected CREATING, got ${Table?.TableStatus ?? 'none'}`);
    client.destroy();
  } finally {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
}
