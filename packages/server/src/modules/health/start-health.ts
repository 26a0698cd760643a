import type { Registry } from 'prom-client';
import type { App } from '../../http/index.js';
import { type CrazyDeps, registerQuietRelease } from './crazy-devices.js';
import { registerHealthRoutes } from './health-routes.js';
import { HealthSamples } from './health-samples.js';
import { HEALTH_RETENTION_EVERY_MS, HEALTH_RETENTION_JOB, HealthService } from './health-service.js';
import { TypeHealthCache } from './health-settings.js';

export interface HealthSettings {
  /** Whether the `health.samples` consumer runs (FLEETPORT_HEALTH). */
  readonly samples: boolean;
  readonly retentionDays: number;
}

/**
 * Device health as the server runs it: the routes, quiet releases and retention on the
 * scheduler, and (unless turned off) the feed consumer that writes samples and finds
 * crazy devices. Returns the service (Sigfox SERVICE callbacks feed it) and what closes it.
 */
export async function startHealth(
  app: App,
  deps: CrazyDeps & { readonly durable?: { readonly position: number }; readonly metrics?: Registry },
  settings: HealthSettings,
): Promise<{ readonly service: HealthService; close(): Promise<void> }> {
  const types = new TypeHealthCache(deps.store, deps.clock);
  const service = new HealthService(deps, types);
  registerHealthRoutes(app, service);
  // A quarantine raises `device_crazy`; a quiet release clears it.
  registerQuietRelease(deps, types);
  deps.scheduler.register(HEALTH_RETENTION_JOB, async () => {
    const deleted = await service.deleteExpired(settings.retentionDays);
    if (deleted > 0) deps.logger.info({ deleted }, 'deleted expired health samples');
  });
  await deps.scheduler.schedule({
    key: HEALTH_RETENTION_JOB,
    handler: HEALTH_RETENTION_JOB,
    everyMs: HEALTH_RETENTION_EVERY_MS,
  });
  const samples = settings.samples ? new HealthSamples(deps, types) : undefined;
  samples?.start();
  return { service, close: async () => samples?.close() };
}
