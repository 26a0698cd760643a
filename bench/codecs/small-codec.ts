/**
 * A small codec in the style device makers publish for The Things Network: temperature
 * (signed, centi-degrees) and relative humidity (half-percent steps), with a range check.
 */
export const SMALL_CODEC = `function decodeUplink(input) {
  var bytes = input.bytes;
  if (bytes.length < 3) {
    return { errors: ['payload too short: ' + bytes.length + ' bytes'] };
  }
  var raw = (bytes[0] << 8) | bytes[1];
  if (raw & 0x8000) raw -= 0x10000;
  var temperature = raw / 100;
  var humidity = bytes[2] / 2;
  var warnings = humidity > 100 ? ['humidity out of range'] : [];
  return { data: { temperature: temperature, humidity: humidity }, warnings: warnings };
}`;

/** 21.50 °C, 48.5 %. */
export const SMALL_PAYLOAD = Uint8Array.of(0x08, 0x66, 0x61);
export const SMALL_FPORT = 1;
