/** A device of the test fleet with the token it ingests with. */
export interface ProvisionedDevice {
  readonly deviceId: string;
  readonly token: string;
}

async function adminPost(url: string, adminKey: string, path: string, json: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(json),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

/** Creates a device type and its devices through the API, each with a fresh device token. */
export async function provisionDevices(
  url: string,
  adminKey: string,
  { typeId, deviceIds }: { typeId: string; deviceIds: readonly string[] },
): Promise<ProvisionedDevice[]> {
  await adminPost(url, adminKey, '/v1/device-types', { id: typeId, name: typeId });
  const devices: ProvisionedDevice[] = [];
  for (const deviceId of deviceIds) {
    await adminPost(url, adminKey, '/v1/devices', { id: deviceId, typeId });
    const credential = await adminPost(url, adminKey, `/v1/devices/${deviceId}/credentials`, {
      kind: 'token',
    });
    const token = (credential as { token?: unknown }).token;
    if (typeof token !== 'string') throw new Error(`no token in the credential of ${deviceId}`);
    devices.push({ deviceId, token });
  }
  return devices;
}
