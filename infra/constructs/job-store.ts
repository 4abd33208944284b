import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENVIRONMENT, JOBS_TABLE } from '../../functions/contract.js';

/**
 * The item calls the DynamoDB stores make on the table. The CLI's `list` runs with the operator's
 * credentials, never a function's. No deletes, batch writes, transactions or streams.
 */
export const JOB_STORE_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;
/** The poller's one batch call: it reads the due items the due index names (keys only there). */
export const DUE_ITEMS_READ_ACTION = 'dynamodb:BatchGetItem';
export type JobStoreItemAction = (typeof JOB_STORE_ITEM_ACTIONS)[number] | typeof DUE_ITEMS_READ_ACTION;
/** The one call on an index: a paged Query. */
export const JOB_STORE_INDEX_ACTIONS = ['dynamodb:Query'] as const;

/** The table's indexes by role: the poller's due index and the two listing indexes of `GET /jobs`. */
export const JOB_STORE_INDEXES = {
  due: JOBS_TABLE.dueIndex,
  list: JOBS_TABLE.listIndex,
  status: JOBS_TABLE.statusIndex,
} as const;
export type JobStoreIndex = keyof typeof JOB_STORE_INDEXES;

/** Which of the table's calls a function may make. */
export interface JobAccess {
  /** Item actions on the table. */
  readonly itemActions: readonly JobStoreItemAction[];
  /** Indexes it may Query (an empty list: none). */
  readonly queryIndexes: readonly JobStoreIndex[];
}

/** Each function's calls, and nothing more. */
export const JOB_ACCESS = {
  /**
   * Reads and writes the watcher state (PutItem with a version condition) and the due jobs it
   * checks: their keys from the due index, their items with BatchGetItem.
   */
  poll: { itemActions: [...JOB_STORE_ITEM_ACTIONS, DUE_ITEMS_READ_ACTION], queryIndexes: ['due'] },
  /** Tracks (PutItem), reads, untracks and records submissions; lists through the two listing indexes. */
  api: { itemActions: JOB_STORE_ITEM_ACTIONS, queryIndexes: ['list', 'status'] },
  /**
   * Reads one job, claims its hint check and records the check; its one check may open or close
   * an API incident, which saves the watcher state (PutItem with a version condition). Never lists.
   */
  webhook: { itemActions: JOB_STORE_ITEM_ACTIONS, queryIndexes: [] },
} as const satisfies Record<string, JobAccess>;

/**
 * The due index before `by-watch-queue` (sort key `next_check_at`, projection ALL): 3 write units
 * per check instead of 2. Kept only while a deployed stack is upgraded (see
 * `JobStoreProps.legacyDueIndex`); nothing reads it.
 */
export const LEGACY_DUE_INDEX = {
  name: 'by-next-check',
  partitionKey: 'watch_queue',
  sortKey: 'next_check_at',
} as const;

/** The longest JOB_RETENTION_DAYS the function accepts (functions/core/config.ts). */
export const MAX_JOB_RETENTION_DAYS = 36_500;

export interface JobStoreProps {
  /**
   * What happens to the table, and every tracked job in it, when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether CloudFormation (or anyone) may delete the table. Turn it off before destroying a
   * stack whose table should go.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * How long a finished job stays in the table before DynamoDB's TTL deletes it (whole days;
   * `Duration.days(0)` keeps finished jobs forever). Passed to the function as
   * JOB_RETENTION_DAYS, which stamps `expires_at` when a job ends.
   * @default Duration.days(90)
   */
  readonly jobRetention?: Duration;
  /**
   * Whether the table has the `by-status` listing index. CloudFormation creates one global
   * secondary index per stack update, so a stack deployed before the listing indexes existed is
   * upgraded in two deploys: first with `false` (adds `by-tracked-at`), then with the default
   * (adds `by-status`). Meanwhile `GET /jobs?status=` fails; everything else works.
   * @default true
   */
  readonly statusIndex?: boolean;
  /**
   * Whether the table keeps the old `by-next-check` due index next to `by-watch-queue`.
   * CloudFormation cannot add one global secondary index and delete another in the same update,
   * so a stack deployed with the old index is upgraded in two deploys: first with `true` (adds
   * `by-watch-queue`; the functions switch to it once it is active), then with the default
   * (drops `by-next-check`). Nothing queries the old index meanwhile, and no role names it.
   * @default false
   */
  readonly legacyDueIndex?: boolean;
}

/**
 * The tracked-jobs table, built from the adapter's {@link JOBS_TABLE} shape: on-demand,
 * encrypted with the AWS managed key, point-in-time recovery, TTL on `expires_at`, the sparse
 * `by-watch-queue` index the poller queries, and the two listing indexes of `GET /jobs`.
 */
export class JobStore extends Construct {
  readonly table: Table;
  /** JOB_RETENTION_DAYS: 0 means finished jobs never expire. */
  readonly retentionDays: number;
  /** The indexes this table has: grants name only those. */
  private readonly indexes: ReadonlySet<JobStoreIndex>;

  constructor(scope: Construct, id: string, props: JobStoreProps = {}) {
    super(scope, id);
    const retention = props.jobRetention ?? Duration.days(90);
    this.retentionDays = retention.toDays({ integral: false });
    if (!Number.isInteger(this.retentionDays) || this.retentionDays > MAX_JOB_RETENTION_DAYS) {
      throw new Error(
        `JobStore: jobRetention must be whole days from 0 to ${MAX_JOB_RETENTION_DAYS} (got ${retention.toHumanString()})`,
      );
    }
    this.table = new Table(this, 'Table', {
      partitionKey: { name: JOBS_TABLE.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      timeToLiveAttribute: JOBS_TABLE.timeToLiveAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    if (props.legacyDueIndex === true) {
      this.table.addGlobalSecondaryIndex({
        indexName: LEGACY_DUE_INDEX.name,
        partitionKey: { name: LEGACY_DUE_INDEX.partitionKey, type: AttributeType.STRING },
        sortKey: { name: LEGACY_DUE_INDEX.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    this.indexes = new Set<JobStoreIndex>(
      props.statusIndex === false ? ['due', 'list'] : ['due', 'list', 'status'],
    );
    const indexes = (['due', 'list', 'status'] as const).filter((index) => this.indexes.has(index));
    for (const index of indexes.map((name) => JOB_STORE_INDEXES[name])) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        // Narrow (contract.ts): a page of `GET /jobs` is read from its index alone, and a routine
        // check writes only the due index's `next_check_at`, in place.
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.nonKeyAttributes],
      });
    }
  }

  /** The ARN of one index: grants name each index they need, never `/index/*`. */
  indexArn(index: JobStoreIndex): string {
    return `${this.table.tableArn}/index/${JOB_STORE_INDEXES[index].name}`;
  }

  /**
   * Sets JOBS_TABLE_NAME and JOB_RETENTION_DAYS on `fn` and lets it make exactly the calls of
   * `access` (one of {@link JOB_ACCESS}): its item actions on the table, Query on its indexes.
   */
  grantJobAccess(fn: LambdaFunction, access: JobAccess = JOB_ACCESS.poll): void {
    fn.addEnvironment(ENVIRONMENT.jobsTableName, this.table.tableName);
    fn.addEnvironment(ENVIRONMENT.jobRetentionDays, String(this.retentionDays));
    fn.addToRolePolicy(
      new PolicyStatement({ actions: [...access.itemActions], resources: [this.table.tableArn] }),
    );
    const queryIndexes = access.queryIndexes.filter((index) => this.indexes.has(index));
    if (queryIndexes.length > 0) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: [...JOB_STORE_INDEX_ACTIONS],
          resources: queryIndexes.map((index) => this.indexArn(index)),
        }),
      );
    }
  }
}
