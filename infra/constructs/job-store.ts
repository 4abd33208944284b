import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENVIRONMENT, JOBS_TABLE } from '../../functions/contract.js';

/**
 * The item calls `DynamoDbJobStore` makes on the table. The CLI's `list` (a Scan) runs with the
 * operator's credentials, never the function's. No deletes, batches, transactions or streams.
 */
export const JOB_STORE_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
/** `dueJobs`: one paged Query on the sparse due index, and on nothing else. */
export const JOB_STORE_INDEX_ACTIONS = ['dynamodb:Query'];

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
}

/**
 * The tracked-jobs table, built from the adapter's {@link JOBS_TABLE} shape: on-demand,
 * encrypted with the AWS managed key, point-in-time recovery, TTL on `expires_at`, and the
 * sparse `by-next-check` index the poller queries.
 */
export class JobStore extends Construct {
  readonly table: Table;
  /** JOB_RETENTION_DAYS: 0 means finished jobs never expire. */
  readonly retentionDays: number;

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
    this.table.addGlobalSecondaryIndex({
      indexName: JOBS_TABLE.dueIndex.name,
      partitionKey: { name: JOBS_TABLE.dueIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: JOBS_TABLE.dueIndex.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }

  /** The ARN of the due index, and the only index ARN any grant names (not `/index/*`). */
  get dueIndexArn(): string {
    return `${this.table.tableArn}/index/${JOBS_TABLE.dueIndex.name}`;
  }

  /**
   * Sets JOBS_TABLE_NAME and JOB_RETENTION_DAYS on `fn` and lets it make the job store's calls:
   * item reads and writes on the table, Query on the due index.
   */
  grantJobAccess(fn: LambdaFunction): void {
    fn.addEnvironment(ENVIRONMENT.jobsTableName, this.table.tableName);
    fn.addEnvironment(ENVIRONMENT.jobRetentionDays, String(this.retentionDays));
    fn.addToRolePolicy(
      new PolicyStatement({ actions: JOB_STORE_ITEM_ACTIONS, resources: [this.table.tableArn] }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({ actions: JOB_STORE_INDEX_ACTIONS, resources: [this.dueIndexArn] }),
    );
  }
}
