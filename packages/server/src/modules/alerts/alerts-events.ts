import type { ChangeKind } from '../changes/index.js';

/**
 * The change-feed kinds this module writes (listed with every kind in modules/changes);
 * each carries the alert as it is after the change. Kinds are API: add, never rename.
 * - `alert.raised`: a new alert (nothing of its type and subject was active).
 * - `alert.updated`: an active alert occurred again (occurrences, last time, severity, details).
 * - `alert.acknowledged`, `alert.cleared`: its transitions.
 * - `alert.commented`: a comment, in `data.comment`.
 */
export const ALERT_CHANGE_KINDS = [
  'alert.raised',
  'alert.updated',
  'alert.acknowledged',
  'alert.cleared',
  'alert.commented',
] as const satisfies readonly ChangeKind[];

/** Severities, most urgent first. */
export const ALERT_SEVERITIES = ['critical', 'major', 'minor', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** open → acknowledged → cleared, or open → cleared. */
export const ALERT_STATES = ['open', 'acknowledged', 'cleared'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** What a person or the platform may do to an alert, and the states it may do it from. */
export const ALERT_ACTIONS = {
  acknowledge: ['open'],
  clear: ['open', 'acknowledged'],
} as const satisfies Record<string, readonly AlertState[]>;
export type AlertAction = keyof typeof ALERT_ACTIONS;

/** The alert types the platform raises itself (rules and other modules may add theirs). */
export const PLATFORM_ALERT_TYPES = {
  deviceSilent: 'device_silent',
  contractEnding: 'contract_ending',
  contractTokensLow: 'contract_tokens_low',
  subscriptionEnding: 'subscription_ending',
  // Raised by modules/health and modules/webhooks, listed here so docs/ALERTS.md has one list.
  deviceCrazy: 'device_crazy',
  webhookEndpointDisabled: 'webhook_endpoint_disabled',
} as const;
