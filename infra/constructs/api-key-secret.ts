import { ArnFormat, Aws, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret, type CfnSecret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../../functions/contract.js';
import { grantSecretValue } from './secret-grant.js';

/** Where the key lives when the stack does not create the secret. */
export type ExistingApiKeySecret =
  | {
      /** The secret's name, e.g. `companyenrich/api-key`. */
      readonly secretName: string;
      readonly secretArn?: never;
      /** The customer managed KMS key the secret is encrypted with, if any. @default - the AWS managed key */
      readonly encryptionKeyArn?: string;
    }
  | {
      /** The secret's full ARN (with the 6-character suffix Secrets Manager adds). */
      readonly secretArn: string;
      readonly secretName?: never;
      /** The customer managed KMS key the secret is encrypted with, if any. @default - the AWS managed key */
      readonly encryptionKeyArn?: string;
    };

export interface ApiKeySecretProps {
  /**
   * Use an existing secret instead of creating one. The stack then neither creates nor deletes it.
   * @default - the stack creates an empty secret
   */
  readonly existing?: ExistingApiKeySecret;
  /** What happens to a created secret (and the key stored in it) when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** A complete secret ARN: `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 chars>`. */
const COMPLETE_SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
/** Secrets Manager names: 1-512 of these characters (and not ending in a 6-character-suffix look-alike). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;

/** The secret, and how the function and its IAM statement name it. */
interface SecretReference {
  readonly secret: ISecret;
  readonly secretId: string;
  readonly policyArn: string;
}

/**
 * The CompanyEnrich API key in Secrets Manager: created empty by the stack (the operator stores
 * the key with {@link ApiKeySecret.putValueCommand}), or an existing secret named by ARN or name.
 * Functions get the secret's ARN or name, never the key, and may only read this one secret.
 */
export class ApiKeySecret extends Construct {
  readonly secret: ISecret;
  /** What the function is given as COMPANYENRICH_API_KEY_SECRET_ARN (an ARN, or the name of an imported secret). */
  readonly secretId: string;
  /** Whether the stack created (and owns) the secret. */
  readonly created: boolean;
  /** The ARN IAM statements name: for a secret known by name only, its ARN with `-??????` for the suffix. */
  private readonly policyArn: string;

  constructor(scope: Construct, id: string, props: ApiKeySecretProps = {}) {
    super(scope, id);
    const existing = props.existing;
    const reference =
      existing === undefined
        ? this.createSecret(props.removalPolicy ?? RemovalPolicy.RETAIN)
        : this.importSecret(existing);
    this.secret = reference.secret;
    this.secretId = reference.secretId;
    this.policyArn = reference.policyArn;
    this.created = existing === undefined;
  }

  /** Stores the key without it reaching shell history or the command line: paste it after running. */
  get putValueCommand(): string {
    return (
      'read -rs COMPANYENRICH_API_KEY && aws secretsmanager put-secret-value' +
      ` --region ${Aws.REGION} --secret-id ${this.secretId} --secret-string "$COMPANYENRICH_API_KEY"`
    );
  }

  /**
   * Sets COMPANYENRICH_API_KEY_SECRET_ARN on `fn` and lets it read this secret's value (and
   * decrypt it through Secrets Manager when the secret has its own key): {@link grantSecretValue}.
   */
  grantRead(fn: LambdaFunction): void {
    grantSecretValue(fn, {
      variable: ENVIRONMENT.apiKeySecretArn,
      secretId: this.secretId,
      policyArn: this.policyArn,
      encryptionKey: this.secret.encryptionKey,
    });
  }

  /** An empty secret the stack owns; the operator stores the key in it after the first deploy. */
  private createSecret(removalPolicy: RemovalPolicy): SecretReference {
    const secret = new Secret(this, 'Secret', {
      description: 'CompanyEnrich API key for enrich-job-watch: the bare key, or JSON with an "apiKey" field',
      removalPolicy,
    });
    // The L2 generates a random value by default; a random string is not a key, so start empty.
    (secret.node.defaultChild as CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds a CompanyEnrich API key, issued by CompanyEnrich: no rotation Lambda can create a new one. Rotate it at CompanyEnrich and store it with the SetApiKeyCommand output.',
    });
    return { secret, secretId: secret.secretArn, policyArn: secret.secretArn };
  }

  /** An existing secret by complete ARN or by name, with its own KMS key when it has one. */
  private importSecret(existing: ExistingApiKeySecret): SecretReference {
    const encryptionKey =
      existing.encryptionKeyArn === undefined
        ? undefined
        : Key.fromKeyArn(
            this,
            'EncryptionKey',
            checked(existing.encryptionKeyArn, KMS_KEY_ARN, 'a KMS key ARN'),
          );
    if (existing.secretArn !== undefined) {
      const secretArn = checked(
        existing.secretArn,
        COMPLETE_SECRET_ARN,
        'a complete secret ARN (ending in -XXXXXX)',
      );
      const secret = Secret.fromSecretAttributes(this, 'Secret', {
        secretCompleteArn: secretArn,
        encryptionKey,
      });
      return { secret, secretId: secretArn, policyArn: secretArn };
    }
    const secretName = checked(
      existing.secretName,
      SECRET_NAME,
      'a secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -)',
    );
    const secret = Secret.fromSecretAttributes(this, 'Secret', {
      secretPartialArn: Stack.of(this).formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: secretName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      encryptionKey,
    });
    // Secrets Manager appends `-` and 6 random characters to the name; `?` matches exactly one.
    return { secret, secretId: secretName, policyArn: `${secret.secretArn}-??????` };
  }
}

function checked(value: string, pattern: RegExp, expected: string): string {
  if (!Token.isUnresolved(value) && !pattern.test(value)) {
    throw new Error(`ApiKeySecret: expected ${expected} (got ${JSON.stringify(value)})`);
  }
  return value;
}
