/**
 * AWS failures a person can fix, told as a sentence saying what to check instead of the SDK's
 * exception (a bare "Requested resource not found (ResourceNotFoundException)" names neither the
 * table nor the setting to fix).
 */

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);
const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
]);

/** The error and its causes, outermost first (bounded: a cycle must not hang the CLI). */
function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let current = error; current instanceof Error && chain.length < 5; current = current.cause) {
    chain.push(current);
  }
  return chain;
}

function region(env: NodeJS.ProcessEnv): string {
  return env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'the configured region';
}

function tableName(env: NodeJS.ProcessEnv): string {
  return env.JOBS_TABLE_NAME?.trim() || 'the jobs table';
}

function explainOne(error: Error, env: NodeJS.ProcessEnv): string | null {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) {
    const where = env.AWS_ENDPOINT_URL?.trim() || `region ${region(env)}`;
    return `Could not reach AWS at ${where} (${code}); check AWS_ENDPOINT_URL, AWS_REGION and the network`;
  }
  if (error.name === 'CredentialsProviderError') {
    return (
      'No AWS credentials found; set AWS_PROFILE (after `aws sso login` if it uses SSO) or ' +
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
    );
  }
  if (!('$metadata' in error)) return null;
  if (ACCESS_DENIED.has(error.name)) {
    return (
      `AWS refused access to DynamoDB table ${tableName(env)}: ${error.message}; ` +
      'check the credentials in use (AWS_PROFILE, AWS_ACCESS_KEY_ID) and their permissions'
    );
  }
  if (error.name === 'ResourceNotFoundException' && !/secret/i.test(error.message)) {
    return (
      `DynamoDB table ${tableName(env)} was not found in region ${region(env)}; ` +
      'check JOBS_TABLE_NAME and AWS_REGION (the stack output JobsTableName)'
    );
  }
  return null;
}

/**
 * A sentence saying what to do about `error`, when it is an AWS failure a person can fix
 * (table not found, no credentials, access denied, endpoint unreachable); null otherwise.
 */
export function explainAwsTrouble(error: unknown, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const each of causes(error)) {
    const sentence = explainOne(each, env);
    if (sentence) return sentence;
  }
  return null;
}
