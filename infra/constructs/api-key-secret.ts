import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import type { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret, type CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface ApiKeySecretProps {
  /** What happens to the secret (and the key stored in it) when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The CompanyEnrich API key. The stack creates the secret empty; the operator stores the key
 * with {@link ApiKeySecret.putValueCommand}. Functions get the secret's ARN, never the key.
 */
export class ApiKeySecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: ApiKeySecretProps = {}) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'CompanyEnrich API key for enrich-job-watch: the bare key, or JSON with an "apiKey" field',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // The L2 generates a random value by default; a random string is not a key, so start empty.
    (this.secret.node.defaultChild as CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
  }

  /** Stores the key without it reaching shell history or the command line: paste it after running. */
  get putValueCommand(): string {
    return (
      'read -rs COMPANYENRICH_API_KEY && aws secretsmanager put-secret-value' +
      ` --region ${Aws.REGION} --secret-id ${this.secret.secretArn} --secret-string "$COMPANYENRICH_API_KEY"`
    );
  }

  /** Sets COMPANYENRICH_API_KEY_SECRET_ARN on `fn` and lets it read the secret. */
  grantRead(fn: LambdaFunction): Grant {
    fn.addEnvironment('COMPANYENRICH_API_KEY_SECRET_ARN', this.secret.secretArn);
    return this.secret.grantRead(fn);
  }
}
