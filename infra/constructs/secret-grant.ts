import { Aws } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';

/** A secret as a function finds it and as IAM names it. */
export interface SecretGrant {
  /** The environment variable that tells the function where the secret is. */
  readonly variable: string;
  /** Its value: the secret's ARN (or the name of an imported secret). */
  readonly secretId: string;
  /** The ARN IAM statements name (for a secret known by name only, with `-??????` for the suffix). */
  readonly policyArn: string;
  /** The secret's own KMS key, when it has one. @default - the AWS managed key */
  readonly encryptionKey?: IKey;
}

/**
 * Sets `grant.variable` on `fn` and lets it read that one secret's value: GetSecretValue only
 * (Powertools' SecretsProvider makes no other call), plus kms:Decrypt through Secrets Manager
 * when the secret has its own key. The variable and its permission always travel together.
 */
export function grantSecretValue(fn: LambdaFunction, grant: SecretGrant): void {
  fn.addEnvironment(grant.variable, grant.secretId);
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [grant.policyArn] }),
  );
  if (grant.encryptionKey !== undefined) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [grant.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
      }),
    );
  }
}
