/**
 * A multi-sensor codec of the size real ones reach (about 200 lines): a switch on fPort,
 * helpers for signed and little-endian integers, a TLV channel list, GPS, alarms and
 * configuration frames, plus `encodeDownlink` and `decodeDownlink`. Written for the
 * benchmark in the style of TTN device repository codecs; no vendor's code.
 */
export const LARGE_CODEC = `var SENSOR_TYPES = {
  0x01: { name: 'temperature', size: 2, signed: true, scale: 0.1, unit: '°C' },
  0x02: { name: 'humidity', size: 1, signed: false, scale: 0.5, unit: '%RH' },
  0x03: { name: 'pressure', size: 2, signed: false, scale: 0.1, unit: 'hPa' },
  0x04: { name: 'illuminance', size: 2, signed: false, scale: 1, unit: 'lx' },
  0x05: { name: 'co2', size: 2, signed: false, scale: 1, unit: 'ppm' },
  0x06: { name: 'tvoc', size: 2, signed: false, scale: 1, unit: 'ppb' },
  0x07: { name: 'battery', size: 2, signed: false, scale: 0.001, unit: 'V' },
  0x08: { name: 'motion', size: 1, signed: false, scale: 1, unit: 'count' },
  0x09: { name: 'door', size: 1, signed: false, scale: 1, unit: 'state' },
  0x0a: { name: 'soilMoisture', size: 2, signed: false, scale: 0.01, unit: '%' },
  0x0b: { name: 'distance', size: 2, signed: false, scale: 1, unit: 'mm' },
  0x0c: { name: 'acceleration', size: 6, signed: true, scale: 0.001, unit: 'g' }
};

var ALARM_FLAGS = ['lowBattery', 'tamper', 'temperatureHigh', 'temperatureLow', 'humidityHigh', 'leak', 'shock', 'sensorFault'];

var MODES = ['periodic', 'onChange', 'hybrid', 'off'];

function uint16(bytes, offset) {
  return (bytes[offset] << 8) | bytes[offset + 1];
}

function int16(bytes, offset) {
  var value = uint16(bytes, offset);
  return value & 0x8000 ? value - 0x10000 : value;
}

function uint16le(bytes, offset) {
  return bytes[offset] | (bytes[offset + 1] << 8);
}

function uint32le(bytes, offset) {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16)) + bytes[offset + 3] * 0x1000000;
}

function int32le(bytes, offset) {
  var value = uint32le(bytes, offset);
  return value > 0x7fffffff ? value - 0x100000000 : value;
}

function round(value, decimals) {
  var factor = Math.pow(10, decimals);
  return Math.round(value * factor) / factor;
}

function hex(bytes) {
  var out = '';
  for (var i = 0; i < bytes.length; i++) out += ('0' + bytes[i].toString(16)).slice(-2);
  return out;
}

function readValue(type, bytes, offset) {
  if (type.name === 'acceleration') {
    return {
      x: round(int16(bytes, offset) * type.scale, 3),
      y: round(int16(bytes, offset + 2) * type.scale, 3),
      z: round(int16(bytes, offset + 4) * type.scale, 3)
    };
  }
  var raw;
  if (type.size === 1) raw = bytes[offset];
  else raw = type.signed ? int16(bytes, offset) : uint16(bytes, offset);
  return round(raw * type.scale, 3);
}

function decodeChannels(bytes, start, data, warnings) {
  var offset = start;
  while (offset < bytes.length) {
    var channel = bytes[offset];
    var type = SENSOR_TYPES[bytes[offset + 1]];
    if (type === undefined) {
      warnings.push('unknown sensor type 0x' + hex([bytes[offset + 1]]) + ' on channel ' + channel);
      break;
    }
    if (offset + 2 + type.size > bytes.length) {
      warnings.push('truncated ' + type.name + ' on channel ' + channel);
      break;
    }
    var key = channel === 0 ? type.name : type.name + '_' + channel;
    data[key] = readValue(type, bytes, offset + 2);
    offset += 2 + type.size;
  }
  return offset;
}

function decodeAlarms(mask) {
  var active = [];
  for (var bit = 0; bit < ALARM_FLAGS.length; bit++) {
    if (mask & (1 << bit)) active.push(ALARM_FLAGS[bit]);
  }
  return active;
}

function decodeGps(bytes, offset) {
  var latitude = int32le(bytes, offset) / 1e7;
  var longitude = int32le(bytes, offset + 4) / 1e7;
  var altitude = int16(bytes, offset + 8);
  var satellites = bytes[offset + 10] & 0x1f;
  var fix = ['none', '2d', '3d', 'dgps'][bytes[offset + 10] >> 6];
  return { latitude: latitude, longitude: longitude, altitude: altitude, satellites: satellites, fix: fix };
}

function decodeConfig(bytes) {
  return {
    interval: uint16le(bytes, 1),
    mode: MODES[bytes[3] & 0x03],
    confirmed: (bytes[3] & 0x04) !== 0,
    adr: (bytes[3] & 0x08) !== 0,
    firmware: bytes[4] + '.' + bytes[5] + '.' + bytes[6],
    serial: hex(bytes.slice(7, 11))
  };
}

function decodeUplink(input) {
  var bytes = input.bytes;
  var data = {};
  var warnings = [];
  if (bytes.length === 0) return { errors: ['empty payload'] };
  switch (input.fPort) {
    case 1: {
      data.frameCounter = bytes[0];
      decodeChannels(bytes, 1, data, warnings);
      break;
    }
    case 2: {
      if (bytes.length < 12) return { errors: ['gps frame needs 12 bytes, got ' + bytes.length] };
      data.position = decodeGps(bytes, 0);
      data.moving = (bytes[11] & 0x01) === 1;
      decodeChannels(bytes, 12, data, warnings);
      break;
    }
    case 3: {
      data.alarms = decodeAlarms(bytes[0]);
      data.alarmCount = data.alarms.length;
      if (bytes.length >= 3) data.triggerValue = int16(bytes, 1) / 10;
      if (data.alarmCount === 0) warnings.push('alarm frame without an active alarm');
      break;
    }
    case 4: {
      if (bytes.length < 11) return { errors: ['configuration frame needs 11 bytes'] };
      data.config = decodeConfig(bytes);
      break;
    }
    case 5: {
      var history = [];
      var step = uint16le(bytes, 0);
      for (var i = 2; i + 3 <= bytes.length; i += 3) {
        history.push({ ageSeconds: ((i - 2) / 3) * step, temperature: int16(bytes, i) / 10, humidity: bytes[i + 2] / 2 });
      }
      data.history = history;
      break;
    }
    default:
      return { errors: ['unknown fPort ' + input.fPort] };
  }
  return { data: data, warnings: warnings };
}

function encodeDownlink(input) {
  var data = input.data || {};
  var errors = [];
  if (data.reboot === true) return { bytes: [0xff], fPort: 10 };
  var interval = data.interval === undefined ? 600 : data.interval;
  if (typeof interval !== 'number' || interval < 10 || interval > 65535) {
    errors.push('interval must be between 10 and 65535 seconds');
  }
  var mode = MODES.indexOf(data.mode === undefined ? 'periodic' : data.mode);
  if (mode < 0) errors.push('mode must be one of ' + MODES.join(', '));
  if (errors.length > 0) return { errors: errors };
  var flags = mode | (data.confirmed ? 0x04 : 0) | (data.adr === false ? 0 : 0x08);
  return { bytes: [0x01, interval & 0xff, (interval >> 8) & 0xff, flags], fPort: 10 };
}

function decodeDownlink(input) {
  var bytes = input.bytes;
  if (bytes[0] === 0xff) return { data: { reboot: true } };
  if (bytes[0] !== 0x01 || bytes.length < 4) return { errors: ['unknown downlink'] };
  return {
    data: {
      interval: uint16le(bytes, 1),
      mode: MODES[bytes[3] & 0x03],
      confirmed: (bytes[3] & 0x04) !== 0,
      adr: (bytes[3] & 0x08) !== 0
    }
  };
}`;

/**
 * A fPort 1 frame: counter, temperature, humidity, pressure, CO2, battery and a
 * three-axis acceleration, as a multi-sensor device sends every few minutes (28 bytes).
 */
export const LARGE_PAYLOAD = Uint8Array.of(
  0x2a, // frame counter
  0x00,
  0x01,
  0x00,
  0xd7, // temperature 21.5 °C
  0x00,
  0x02,
  0x61, // humidity 48.5 %
  0x00,
  0x03,
  0x27,
  0x9f, // pressure 1015.9 hPa
  0x00,
  0x05,
  0x02,
  0x1c, // co2 540 ppm
  0x00,
  0x07,
  0x0e,
  0x10, // battery 3.6 V
  0x00,
  0x0c,
  0x00,
  0x0a,
  0xff,
  0xf6,
  0x03,
  0xe8, // acceleration 0.01, -0.01, 1 g
);
export const LARGE_FPORT = 1;

/** The decoded fields expected from `LARGE_PAYLOAD` (checked before measuring). */
export const LARGE_EXPECTED_KEYS = [
  'frameCounter',
  'temperature',
  'humidity',
  'pressure',
  'co2',
  'battery',
  'acceleration',
];
