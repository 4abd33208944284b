import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * Named condition fragments. Each state change is guarded by exactly one of them (or two joined
 * with AND), so a lost race surfaces as `ConcurrentUpdateError` naming the condition, never as a
 * silent overwrite.
 */
export const CONDITIONS = {
  itemIsNew: 'attribute_not_exists(pk)',
  versionUnchanged: 'version = :expectedVersion',
  notificationStillOwed: 'notification_owed.event_id = :eventId',
  itemExists: 'attribute_exists(pk)',
  stillTracked: 'attribute_not_exists(untracked_at)',
  // Missing and NULL (what the encoder writes) both lack the nested path.
  noNotificationOwed: 'attribute_not_exists(notification_owed.event_id)',
  hintWindowOver: '(attribute_not_exists(hint_checked_at) OR hint_checked_at <= :windowStart)',
  submissionReservable:
    'attribute_not_exists(pk) OR #state = :released OR (#state = :inProgress AND lease_until < :now)',
  submissionInProgress: '#state = :inProgress',
} as const;

/** True when a write was refused by its condition (the SDK class, or the same name from an emulator). */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}

/**
 * Builds an UpdateExpression from named SET/REMOVE parts. Every attribute goes through a
 * placeholder name, so reserved words (`status`, `version`) need no special care.
 */
export class UpdateBuilder {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};

  /** SET attribute = value. */
  set(attribute: string, value: unknown): this {
    this.names[`#${attribute}`] = attribute;
    this.values[`:${attribute}`] = value;
    this.sets.push(`#${attribute} = :${attribute}`);
    return this;
  }

  /** SET attribute = expression, with the expression's own placeholder values. */
  setExpression(attribute: string, expression: string, values: Record<string, unknown>): this {
    this.names[`#${attribute}`] = attribute;
    Object.assign(this.values, values);
    this.sets.push(`#${attribute} = ${expression}`);
    return this;
  }

  /** SET parent.child = value, for one field of a map attribute. */
  setNested(parent: string, child: string, value: unknown): this {
    this.names[`#${parent}`] = parent;
    this.names[`#${child}`] = child;
    this.values[`:${parent}_${child}`] = value;
    this.sets.push(`#${parent}.#${child} = :${parent}_${child}`);
    return this;
  }

  /** REMOVE attribute. */
  remove(attribute: string): this {
    this.names[`#${attribute}`] = attribute;
    this.removes.push(`#${attribute}`);
    return this;
  }

  /** The UpdateExpression: the SET clause, then the REMOVE clause, each only when it has parts. */
  expression(): string {
    return [
      this.sets.length > 0 ? `SET ${this.sets.join(', ')}` : '',
      this.removes.length > 0 ? `REMOVE ${this.removes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
}
