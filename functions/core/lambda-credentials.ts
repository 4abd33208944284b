/**
 * The credential provider of the Lambda bundles, standing in for the SDK's default chain
 * (`@aws-sdk/credential-provider-node`; the esbuild alias is in
 * infra/constructs/function-defaults.ts, `LAMBDA_BUNDLE_ALIASES`).
 *
 * Lambda gives every function its execution role's credentials in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN): the chain's first link. Its other
 * links (SSO, shared files, process, web identity, container, instance metadata) never run in a
 * function, yet bring the STS and SSO clients, about 120 KB of a 516 KB minified poll bundle.
 * Without those variables a call fails with the SDK's own CredentialsProviderError, as the chain
 * would after trying every link. The CLI and the tests run unbundled and keep the whole chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** The options the clients pass; `fromEnv` reads only its logger. */
type ProviderInit = Parameters<typeof fromEnv>[0];

/**
 * The name and call shape the SDK clients import from `@aws-sdk/credential-provider-node`.
 *
 * @returns the environment credentials provider.
 */
export function defaultProvider(init: ProviderInit = {}): ReturnType<typeof fromEnv> {
  return fromEnv(init);
}
