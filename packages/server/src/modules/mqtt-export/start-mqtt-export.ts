import type { App } from '../../http/index.js';
import { MqttExport, type MqttExportDeps, type MqttExportOptions } from './mqtt-export.js';
import { registerMqttExportRoutes } from './mqtt-export-routes.js';

/**
 * The MQTT export as the server runs it: its setting's routes and the feed consumer that
 * publishes. Close it before the broker, so no publish meets a closing broker.
 */
export function startMqttExport(
  app: App,
  deps: MqttExportDeps,
  options: MqttExportOptions = {},
): { readonly exporter: MqttExport; close(): Promise<void> } {
  registerMqttExportRoutes(app, deps);
  const exporter = new MqttExport(deps, options);
  exporter.start();
  return { exporter, close: () => exporter.close() };
}
