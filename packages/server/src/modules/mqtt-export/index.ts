export {
  EXPORT_ROOT,
  EXPORTED_KINDS,
  exportEnvelope,
  exportTopic,
} from './export-topics.js';
export { EXPORT_CONSUMER, MqttExport, type MqttExportDeps, type MqttExportOptions } from './mqtt-export.js';
export { startMqttExport } from './start-mqtt-export.js';
