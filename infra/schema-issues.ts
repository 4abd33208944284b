import type { z } from 'zod';

/** A value as JSON, the way it was written in cdk.json, `-c` or the props. */
export function describe(value: unknown): string {
  // JSON.stringify(undefined) is undefined, whatever its type says.
  const json = JSON.stringify(value) as string | undefined;
  return json ?? String(value);
}

function child(value: unknown, key: PropertyKey): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<PropertyKey, unknown>)[key]
    : undefined;
}

/**
 * One issue as a person reads it, naming the entry and what is wrong with it. Keys extend the name
 * (`context logLevel`); the first list index names the entry with its JSON and what follows is
 * the field (`subscriptions[1] {"sms":"555"}: sms must be ...`). A value named by key is shown
 * after the schema's expectation (`(got "verbose")`); custom issues are complete sentences.
 */
function describeIssue(name: string, input: unknown, issue: z.core.$ZodIssue): string {
  let label = name;
  let value = input;
  for (const [depth, segment] of issue.path.entries()) {
    if (typeof segment === 'number') {
      const field = issue.path[depth + 1];
      const what = field === undefined ? issue.message : `${String(field)} ${issue.message}`;
      return `${label}[${segment}] ${describe(child(value, segment))}: ${what}`;
    }
    label = `${label} ${String(segment)}`;
    value = child(value, segment);
  }
  return issue.code === 'custom'
    ? `${label} ${issue.message}`
    : `${label} ${issue.message} (got ${describe(value)})`;
}

/**
 * Parses `input` with `schema`, or throws `Failure` with every problem found, one per line, each
 * naming the entry (see {@link describeIssue}); the zod error is the `cause`.
 *
 * @param name what `input` is called where it was written, e.g. `context` or `subscriptions`.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  name: string,
  Failure: new (message: string, options?: ErrorOptions) => Error,
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => describeIssue(name, input, issue));
  throw new Failure([...new Set(lines)].join('\n'), { cause: parsed.error });
}
