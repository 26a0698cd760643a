import { AppError, notFound } from '../../../kernel/errors.js';
import { createDevice, type Device, type DeviceDeps, getDevice } from '../../devices/index.js';

/** Why a callback was refused for its device; the `reason` label of the refusal counter. */
export type DeviceRefusal = 'unknown_device' | 'deleted_device' | 'device_type_mismatch';

/** A refusal of the callback's device, with the reason it is counted under. */
export class DeviceRefused extends AppError {
  readonly reason: DeviceRefusal;

  constructor(reason: DeviceRefusal, error: AppError) {
    super(error.code, error.message, error.data === undefined ? undefined : { ...error.data });
    this.reason = reason;
  }
}

async function findDevice(deps: DeviceDeps, tenantId: string, id: string): Promise<Device | undefined> {
  try {
    return await getDevice(deps, tenantId, id, true);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return undefined;
    throw error;
  }
}

/** Creates the device; when another callback created it first, that one is the device. */
async function createOrRead(deps: DeviceDeps, tenantId: string, id: string, typeId: string): Promise<Device> {
  try {
    return await createDevice(deps, tenantId, { id, typeId });
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'already_exists')) throw error;
    const existing = await findDevice(deps, tenantId, id);
    if (!existing) throw error;
    return existing;
  }
}

/**
 * The device a callback of `typeId` speaks for: it must exist in that type and not be
 * deleted. An unknown device is created in the type when its capture settings allow it
 * (`autoCreateDevices`), and refused otherwise.
 */
export async function admitSigfoxDevice(
  deps: DeviceDeps,
  { tenantId, typeId }: { readonly tenantId: string; readonly typeId: string },
  deviceId: string,
  autoCreate: boolean,
): Promise<Device> {
  let device = await findDevice(deps, tenantId, deviceId);
  if (!device) {
    if (!autoCreate) throw new DeviceRefused('unknown_device', notFound('device', deviceId));
    device = await createOrRead(deps, tenantId, deviceId, typeId);
  }
  if (device.deletedAt !== null) {
    throw new DeviceRefused(
      'deleted_device',
      new AppError('not_found', `device '${deviceId}' is deleted; restore it to accept its messages`, {
        kind: 'device',
        id: deviceId,
      }),
    );
  }
  if (device.typeId !== typeId) {
    throw new DeviceRefused(
      'device_type_mismatch',
      new AppError(
        'conflict',
        `device '${deviceId}' belongs to device type '${device.typeId}', not to '${typeId}' whose callback this is`,
        { kind: 'device', id: deviceId, typeId: device.typeId },
      ),
    );
  }
  return device;
}

/** How long an admitted device is trusted without reading it again. */
const ADMITTED_TTL_MS = 5_000;
const MAX_ADMITTED = 100_000;

/**
 * Admits callbacks' devices, remembering for a few seconds the devices it admitted: every
 * base station's callback of every frame names its device. Only admissions are kept, so
 * a device created or restored is accepted at once; deleting a device or changing its
 * type drops it at once in this process (`device.access_changed`).
 */
export class DeviceAdmission {
  readonly #deps: DeviceDeps;
  readonly #admitted = new Map<string, { typeId: string; at: number }>();

  constructor(deps: DeviceDeps) {
    this.#deps = deps;
    deps.bus.subscribe('device.access_changed', ({ tenantId, deviceId }) => {
      this.#admitted.delete(`${tenantId}\u0000${deviceId}`);
    });
  }

  async admit(
    principal: { readonly tenantId: string; readonly typeId: string },
    deviceId: string,
    autoCreate: boolean,
  ): Promise<void> {
    const key = `${principal.tenantId}\u0000${deviceId}`;
    const now = this.#deps.clock.now();
    const hit = this.#admitted.get(key);
    if (hit && hit.typeId === principal.typeId && now - hit.at < ADMITTED_TTL_MS) return;
    const device = await admitSigfoxDevice(this.#deps, principal, deviceId, autoCreate);
    if (this.#admitted.size >= MAX_ADMITTED) this.#admitted.clear();
    this.#admitted.set(key, { typeId: device.typeId, at: now });
  }
}
