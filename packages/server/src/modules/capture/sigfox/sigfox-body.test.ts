import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import {
  isSigfoxUplink,
  parseSigfoxCallback,
  parseSigfoxForm,
  type SigfoxCallback,
  type SigfoxUplink,
  sigfoxFrame,
} from './sigfox-body.js';

const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);
const T = NOW / 1000 - 5;

function uplink(body: unknown): SigfoxUplink {
  const callback: SigfoxCallback = parseSigfoxCallback(body, NOW);
  if (!isSigfoxUplink(callback)) throw new Error(`not an uplink: ${callback.kind}`);
  return callback;
}

function refusal(body: unknown): AppError {
  try {
    parseSigfoxCallback(body, NOW);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('the body was accepted');
}

describe('Sigfox callback bodies', () => {
  it('reads a DATA body with every field as a string', () => {
    const callback = uplink({
      device: '1a2b3c',
      time: String(T),
      data: '0102abcd',
      seqNumber: '123',
      deviceTypeId: '5f1e0e9b2f3c4d0001a2b3c4',
      station: '0a1b',
      rssi: '-120.00',
      snr: '12.34',
      avgSnr: '20.50',
      lat: '43.0',
      lng: '1.0',
      duplicate: 'false',
    });
    expect(callback).toMatchObject({
      kind: 'data',
      device: '1A2B3C',
      time: T * 1000,
      seqNumber: 123,
      duplicate: false,
      ack: undefined,
    });
    expect(callback.payload.toString('hex')).toBe('0102abcd');
    expect(callback.receptions).toEqual([
      {
        station: '0A1B',
        receivedAt: NOW,
        rssi: -120,
        snr: 12.34,
        lat: 43,
        lng: 1,
        extra: { deviceTypeId: '5f1e0e9b2f3c4d0001a2b3c4', avgSnr: 20.5 },
      },
    ]);
  });

  it('reads the same DATA body with numbers and booleans', () => {
    const asStrings = uplink({
      device: '1A2B3C',
      time: String(T),
      data: 'ff',
      seqNumber: '7',
      station: '0A1B',
      rssi: '-99.5',
      snr: '8',
      duplicate: 'true',
    });
    const asNumbers = uplink({
      device: '1A2B3C',
      time: T,
      data: 'ff',
      seqNumber: 7,
      station: '0A1B',
      rssi: -99.5,
      snr: 8,
      duplicate: true,
    });
    expect(asNumbers).toEqual(asStrings);
    expect(asNumbers.duplicate).toBe(true);
  });

  it('accepts an empty frame (0 bytes) and a full one (12 bytes)', () => {
    const base = { device: '1', time: T, seqNumber: 1 };
    expect(uplink({ ...base, data: '' }).payload.length).toBe(0);
    expect(uplink({ ...base, data: '00112233445566778899aabb' }).payload.length).toBe(12);
  });

  it('reads a DATA_ADVANCED body: every duplicates[] entry is a reception', () => {
    const callback = uplink({
      device: 'C0FFEE',
      time: T,
      data: '01',
      seqNumber: 10,
      lqi: 'Good',
      linkQuality: '3',
      computedLocation: { lat: 43.6, lng: 1.44, radius: 1200, source: 2, status: 1 },
      duplicates: [
        { bsId: '0a1b', rssi: -110.5, snr: 9.2, nbRep: 3 },
        { bsId: '0C2D', rssi: '-125.00', snr: '4.00', nbRep: '1' },
      ],
      myCustomField: 'kept',
    });
    expect(callback.kind).toBe('data_advanced');
    const frameFields = {
      lqi: 'Good',
      linkQuality: '3',
      computedLocation: { lat: 43.6, lng: 1.44, radius: 1200, source: 2, status: 1 },
      myCustomField: 'kept',
    };
    expect(callback.receptions).toEqual([
      { station: '0A1B', receivedAt: NOW, rssi: -110.5, snr: 9.2, extra: { ...frameFields, nbRep: 3 } },
      { station: '0C2D', receivedAt: NOW, rssi: -125, snr: 4, extra: { ...frameFields, nbRep: 1 } },
    ]);
  });

  it('reads duplicates and computedLocation sent as JSON text (form bodies)', () => {
    const callback = uplink({
      device: 'C0FFEE',
      time: String(T),
      data: '01',
      seqNumber: '10',
      station: '0A1B',
      rssi: '-100',
      computedLocation: '{"lat":43.6,"lng":1.44}',
      duplicates: '[{"bsId":"0A1B","rssi":-100,"nbRep":2},{"bsId":"0E3F","rssi":-130,"nbRep":1}]',
    });
    expect(callback.receptions).toEqual([
      {
        station: '0A1B',
        receivedAt: NOW,
        rssi: -100,
        snr: undefined,
        lat: undefined,
        lng: undefined,
        extra: { nbRep: 2, computedLocation: { lat: 43.6, lng: 1.44 } },
      },
      { station: '0E3F', receivedAt: NOW, rssi: -130, extra: { nbRep: 1 } },
    ]);
  });

  it('reads a BIDIR body: ack and longPolling', () => {
    const callback = uplink({
      device: 'ABC',
      time: T,
      data: '0102',
      seqNumber: 4095,
      station: '1234',
      ack: 'true',
      longPolling: 'false',
    });
    expect(callback).toMatchObject({ kind: 'bidir', ack: true, seqNumber: 4095 });
    expect(callback.receptions[0]?.extra).toEqual({ ack: true, longPolling: false });
  });

  it('tells SERVICE and ERROR callbacks from DATA ones: they carry no data', () => {
    expect(
      parseSigfoxCallback({ device: 'abc', time: T, batt: '3.6', temp: '21.5', seqNumber: 3 }, NOW),
    ).toEqual({
      kind: 'service',
      device: 'ABC',
      time: T * 1000,
      fields: { batt: '3.6', temp: '21.5', seqNumber: 3 },
    });
    expect(
      parseSigfoxCallback(
        { device: 'ABC', time: T, infoCode: 0, infoMessage: 'Acked', downlinkAck: true },
        NOW,
      ).kind,
    ).toBe('service');
    expect(
      parseSigfoxCallback(
        { device: 'ABC', time: T, severity: 'ERROR', info: 'No message received since 2026-10-31' },
        NOW,
      ).kind,
    ).toBe('error');
  });

  it('keeps radio metadata that is not a number instead of losing the message', () => {
    const callback = uplink({ device: '1', time: T, data: '', seqNumber: 1, station: 'AB', rssi: '{rssi}' });
    expect(callback.receptions[0]).toMatchObject({ station: 'AB', extra: { rssi: '{rssi}' } });
    expect(callback.receptions[0]?.rssi).toBeUndefined();
  });

  it('makes no reception when the body says nothing about the radio', () => {
    expect(uplink({ device: '1', time: T, data: '00', seqNumber: 1 }).receptions).toEqual([]);
    expect(uplink({ device: '1', time: T, data: '00', seqNumber: 1, rssi: -100 }).receptions).toEqual([
      { station: 'unknown', receivedAt: NOW, rssi: -100, extra: {} },
    ]);
  });

  it.each([
    ['a body that is not an object', ['device'], undefined],
    ['a missing device', { time: T, data: '00', seqNumber: 1 }, 'device'],
    ['an empty device', { device: '', time: T, data: '00', seqNumber: 1 }, 'device'],
    ['a device that is not hex', { device: 'XYZ', time: T, data: '00', seqNumber: 1 }, 'device'],
    ['non-hex data', { device: '1', time: T, data: 'zz', seqNumber: 1 }, 'data'],
    ['data with an odd number of digits', { device: '1', time: T, data: '012', seqNumber: 1 }, 'data'],
    ['data of 13 bytes', { device: '1', time: T, data: '00'.repeat(13), seqNumber: 1 }, 'data'],
    ['data as a number', { device: '1', time: T, data: 1234, seqNumber: 1 }, 'data'],
    ['a seqNumber of 4096', { device: '1', time: T, data: '00', seqNumber: 4096 }, 'seqNumber'],
    ['a negative seqNumber', { device: '1', time: T, data: '00', seqNumber: '-1' }, 'seqNumber'],
    ['a fractional seqNumber', { device: '1', time: T, data: '00', seqNumber: 1.5 }, 'seqNumber'],
    ['a missing seqNumber', { device: '1', time: T, data: '00' }, 'seqNumber'],
    ['a missing time', { device: '1', data: '00', seqNumber: 1 }, 'time'],
    ['a time before 2000', { device: '1', time: 946684799, data: '00', seqNumber: 1 }, 'time'],
    ['a time in milliseconds', { device: '1', time: T * 1000, data: '00', seqNumber: 1 }, 'time'],
    ['a time two days ahead', { device: '1', time: T + 2 * 86400, data: '00', seqNumber: 1 }, 'time'],
    [
      'a duplicate that is not a boolean',
      { device: '1', time: T, data: '00', seqNumber: 1, duplicate: 'yes' },
      'duplicate',
    ],
    [
      'duplicates that are not JSON',
      { device: '1', time: T, data: '00', seqNumber: 1, duplicates: '[{' },
      'duplicates',
    ],
    [
      'duplicates without bsId',
      { device: '1', time: T, data: '00', seqNumber: 1, duplicates: [{ rssi: -1 }] },
      'duplicates[0].bsId',
    ],
    ['a DATA template without data', { device: '1', time: T, seqNumber: 1, station: 'AB' }, 'data'],
  ])('refuses %s with validation_failed', (_what, body, field) => {
    const error = refusal(body);
    expect(error.code).toBe('validation_failed');
    expect(error.data?.field).toBe(field);
  });

  it('turns an uplink into a Sigfox frame: 12-bit counter, frame time, duplicates only add receptions', () => {
    const callback = uplink({
      device: 'abc',
      time: T,
      data: '0a',
      seqNumber: 9,
      station: '1',
      duplicate: true,
    });
    expect(sigfoxFrame(callback, { tenantId: 't', typeId: 'sfx' }, NOW)).toMatchObject({
      tenantId: 't',
      typeId: 'sfx',
      deviceId: 'ABC',
      transport: 'sigfox',
      receivedAt: NOW,
      deviceTime: T * 1000,
      seq: 9,
      seqBits: 12,
      receptionsOnly: true,
    });
  });

  it('reads form bodies, refusing repeated and prototype keys', () => {
    expect(parseSigfoxForm('device=1A&time=1700000000&data=&seqNumber=5&rssi=-120.00')).toEqual({
      device: '1A',
      time: '1700000000',
      data: '',
      seqNumber: '5',
      rssi: '-120.00',
    });
    expect(() => parseSigfoxForm('device=1&device=2')).toThrow(/more than once/);
    expect(() => parseSigfoxForm('__proto__=x')).toThrow(/forbidden/);
  });
});
