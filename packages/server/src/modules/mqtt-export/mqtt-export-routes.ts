import { type Static, Type } from 'typebox';
import { type App, principalOf } from '../../http/index.js';
import type { Clock } from '../../kernel/clock.js';
import type { Store } from '../../store/store.js';
import { latestPosition } from '../changes/index.js';
import { EXPORT_ROOT } from './export-topics.js';
import { readExportSetting, writeExportSetting } from './mqtt-export-store.js';

export const MqttExportSetting = Type.Object(
  {
    enabled: Type.Boolean({ description: "whether the tenant's changes are published on the export topics" }),
    root: Type.String({
      description: `the topic root, \`${EXPORT_ROOT}\`; docs/INTEGRATIONS.md lists the topics`,
    }),
    startAfter: Type.Union([Type.String(), Type.Null()], {
      description: 'the feed cursor when the export was last turned on: later changes are published',
    }),
    updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'MqttExportSetting' },
);
export type MqttExportSetting = Static<typeof MqttExportSetting>;

export const MqttExportBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem };

async function present(store: Store, tenantId: string): Promise<MqttExportSetting> {
  const row = await readExportSetting(store, tenantId);
  return {
    enabled: row?.enabled === true,
    root: EXPORT_ROOT,
    startAfter: row?.enabled === true ? String(row.startAfter) : null,
    updatedAt: row === undefined ? null : new Date(row.updatedAt).toISOString(),
  };
}

/** `/v1/mqtt/export`: whether the tenant's changes go out on the broker's `$fleetport/…` topics. */
export function registerMqttExportRoutes(
  app: App,
  deps: { readonly store: Store; readonly clock: Clock },
): void {
  app.get(
    '/v1/mqtt/export',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['mqtt'],
        summary: "Whether the tenant's changes are published on the MQTT export topics",
        response: { 200: MqttExportSetting, ...problems },
      },
    },
    async function getMqttExportRoute(request) {
      return present(deps.store, principalOf(request).tenantId);
    },
  );

  app.put(
    '/v1/mqtt/export',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['mqtt'],
        summary: 'Turns the MQTT export on or off',
        description:
          'On: every change committed from now on of the exported kinds (uplinks, decodes, twin changes, command statuses, alerts) is published at QoS 1 on `$fleetport/…` (docs/INTEGRATIONS.md); subscribe with a persistent session to keep them while away. Turning it on again starts from then: nothing committed while it was off is published.',
        body: MqttExportBody,
        response: { 200: MqttExportSetting, ...problems },
      },
    },
    async function putMqttExportRoute(request) {
      const tenantId = principalOf(request).tenantId;
      const { enabled } = request.body;
      const current = await readExportSetting(deps.store, tenantId);
      if (current?.enabled !== enabled) {
        const startAfter = enabled ? await latestPosition(deps.store, tenantId) : (current?.startAfter ?? 0);
        await writeExportSetting(deps.store, tenantId, { enabled, startAfter, now: deps.clock.now() });
      }
      return present(deps.store, tenantId);
    },
  );
}
