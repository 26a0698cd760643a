/** Fleetport's release version; bumped with each release. */
export const VERSION = '0.1.0';
