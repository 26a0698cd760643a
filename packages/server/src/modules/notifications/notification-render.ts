/** One alert change as a notification holds it. */
export interface Item {
  readonly position: number;
  readonly kind: string;
  readonly alert: {
    readonly id?: string;
    readonly type?: string;
    readonly severity?: string;
    readonly scope?: string;
    readonly deviceId?: string | null;
    readonly subject?: string | null;
    readonly message?: string;
    readonly occurrences?: number;
    readonly lastAt?: string;
    readonly state?: string;
  };
}

/** Alerts listed one by one in a message; the rest are counted (a storm is one readable digest). */
export const LISTED = 50;

const verb = (kind: string) => kind.replace(/^alert\./, '');
const what = (item: Item) =>
  item.alert.deviceId
    ? `device ${item.alert.deviceId}`
    : item.alert.subject
      ? `fleet ${item.alert.subject}`
      : 'fleet';

function counts(items: readonly Item[], key: (item: Item) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

/** The subject, the text and the JSON of a notification: the same on every try. */
export function render(
  tenantId: string,
  id: string,
  recipient: { readonly id: string; readonly name: string },
  items: readonly Item[],
): { subject: string; text: string; json: string } {
  const bySeverity = counts(items, (item) => item.alert.severity ?? 'unknown');
  const byType = counts(items, (item) => item.alert.type ?? 'unknown');
  const first = items[0];
  const subject =
    items.length === 1 && first !== undefined
      ? `[Fleetport] ${(first.alert.severity ?? '').toUpperCase()} ${first.alert.type} ${verb(first.kind)}: ${what(first)}`
      : `[Fleetport] ${items.length} alert changes: ${Object.entries(bySeverity)
          .map(([severity, n]) => `${n} ${severity}`)
          .join(', ')}`;
  const lines = items
    .slice(0, LISTED)
    .map(
      (item) =>
        `- ${item.alert.lastAt ?? ''} ${verb(item.kind)} ${item.alert.severity} ${item.alert.type} ${what(item)}: ${item.alert.message ?? ''} (alert ${item.alert.id})`,
    );
  const rest = items.length - LISTED;
  const text = [
    `Tenant ${tenantId}, for ${recipient.name}.`,
    '',
    ...lines,
    ...(rest > 0 ? [`… and ${rest} more.`] : []),
    '',
    `By type: ${Object.entries(byType)
      .map(([type, n]) => `${type} ${n}`)
      .join(', ')}`,
    `Notification ${id}.`,
    '',
  ].join('\n');
  const json = JSON.stringify({
    id,
    type: 'notification',
    tenant: tenantId,
    recipient,
    subject,
    total: items.length,
    bySeverity,
    byType,
    alerts: items
      .slice(0, LISTED)
      .map((item) => ({ cursor: String(item.position), kind: item.kind, alert: item.alert })),
  });
  return { subject, text, json };
}
