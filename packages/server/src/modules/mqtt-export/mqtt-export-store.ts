import { guarded, type Store } from '../../store/store.js';

/** A tenant's export setting; a tenant without a row has the export off. */
export interface ExportSettingRow {
  readonly enabled: boolean;
  /** Changes at or before this feed position are not published. */
  readonly startAfter: number;
  readonly updatedAt: number;
}

export function readExportSetting(store: Store, tenantId: string): Promise<ExportSettingRow | undefined> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('mqtt_export_settings')
      .select(['enabled', 'start_after', 'updated_at'])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          enabled: Number(row.enabled) === 1,
          startAfter: Number(row.start_after),
          updatedAt: Number(row.updated_at),
        };
  });
}

/** Turns the export on (from after `startAfter`) or off. */
export function writeExportSetting(
  store: Store,
  tenantId: string,
  setting: { readonly enabled: boolean; readonly startAfter: number; readonly now: number },
): Promise<void> {
  const values = {
    enabled: setting.enabled ? 1 : 0,
    start_after: setting.startAfter,
    updated_at: setting.now,
  };
  return guarded(store, async () => {
    await store.db
      .insertInto('mqtt_export_settings')
      .values({ tenant_id: tenantId, ...values })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
      .execute();
  });
}
