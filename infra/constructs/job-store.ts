import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { JOBS_TABLE } from '../../functions/core/adapters/dynamodb-job-store.js';

/**
 * Every call `DynamoDbJobStore` makes except the CLI's `list` (a Scan): Get/Put/UpdateItem on the
 * table, Query on the due index. No deletes, batches, transactions or streams.
 */
const JOB_STORE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'];

export interface JobStoreProps {
  /** What happens to the table, and every tracked job in it, when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The tracked-jobs table, built from the adapter's {@link JOBS_TABLE} shape. */
export class JobStore extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: JobStoreProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: JOBS_TABLE.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
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

  /** Sets JOBS_TABLE_NAME on `fn` and grants it the job store's item access to the table and its index. */
  grantReadWrite(fn: LambdaFunction): Grant {
    fn.addEnvironment('JOBS_TABLE_NAME', this.table.tableName);
    return this.table.grant(fn, ...JOB_STORE_ACTIONS);
  }
}
