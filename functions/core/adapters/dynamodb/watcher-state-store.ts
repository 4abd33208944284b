import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError } from '../../domain/errors.js';
import type { WatcherState, WatcherStateFields } from '../../domain/watcher-state.js';
import { INITIAL_WATCHER_STATE } from '../../domain/watcher-state.js';
import type { WatcherStateStore } from '../../ports.js';
import { decodeWatcherStateItem, encodeWatcherStateItem } from './watcher-state-item.js';
import { WATCHER_STATE_KEY } from './table.js';
import { CONDITIONS, isConditionFailure } from './update-builder.js';

/**
 * DynamoDB adapter for {@link WatcherStateStore}: one item in the jobs table, replaced whole by a
 * conditional put on its version. A state item it cannot read is a `MalformedItemError`, which
 * fails the tick: guessing "no incident, no pause" could hammer an API that asked for a pause.
 */
export class DynamoDbWatcherStateStore implements WatcherStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getWatcherState(): Promise<WatcherState> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: WATCHER_STATE_KEY }, ConsistentRead: true }),
    );
    return Item ? decodeWatcherStateItem(Item) : INITIAL_WATCHER_STATE;
  }

  async saveWatcherState(current: WatcherState, next: WatcherStateFields): Promise<WatcherState> {
    const version = current.version + 1;
    const first = current.version === 0;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: encodeWatcherStateItem(next, version),
          ConditionExpression: first ? CONDITIONS.itemIsNew : CONDITIONS.versionUnchanged,
          ...(first ? {} : { ExpressionAttributeValues: { ':expectedVersion': current.version } }),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConcurrentUpdateError(WATCHER_STATE_KEY, CONDITIONS.versionUnchanged, { cause: error });
      }
      throw error;
    }
    return { ...next, version };
  }
}
