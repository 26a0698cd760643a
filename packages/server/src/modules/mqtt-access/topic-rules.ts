import {
  filterCovers,
  filtersOverlap,
  type Principal,
  type SubscribeVerdict,
  topicMatches,
} from '../../mqtt/index.js';

/*
 * Fleetport's topic rules, evaluated by MqttAccess: devices confined to their subtree,
 * tenants' allow/deny policies. The broker (mqtt/) knows none of them: it only asks its
 * hooks, and applies what they answer.
 */

/**
 * Devices may only publish and subscribe within `devices/{deviceId}/…`; applications and
 * anonymous clients anywhere in their tenant. Use it inside `authorizePublish`/`authorizeSubscribe`.
 */
export function deviceSubtreePolicy(principal: Principal, topicOrFilter: string): boolean {
  if (principal.kind !== 'device') return true;
  const deviceId = principal.deviceId;
  if (deviceId === undefined || deviceId.includes('/') || deviceId.includes('+') || deviceId.includes('#'))
    return false;
  // What `devices/{id}/#` covers [MQTT-4.7.1-2: `#` also matches the parent level]: the
  // device's own level or anything below it; a wildcard there cannot reach past it, as
  // `deviceId` has none. A prefix test, not a split of both, on every device publish.
  const subtree = `devices/${deviceId}`;
  return (
    topicOrFilter.startsWith(subtree) &&
    (topicOrFilter.length === subtree.length || topicOrFilter.charCodeAt(subtree.length) === SLASH)
  );
}

const SLASH = 0x2f;

/**
 * The root of topics only the server publishes on (the MQTT export, modules/mqtt-export).
 * A `$` topic: `#` and `+` subscriptions do not match it [MQTT-4.7.2-1].
 */
export const SERVER_TOPIC_ROOT = '$fleetport';

/** Topics nobody but the server may publish on: the twin's (below) and everything under `$fleetport/`. */
export function isServerTopic(topic: string): boolean {
  return (
    isServerDeviceTopic(topic) ||
    (topic.startsWith(SERVER_TOPIC_ROOT) &&
      (topic.length === SERVER_TOPIC_ROOT.length || topic.charCodeAt(SERVER_TOPIC_ROOT.length) === SLASH))
  );
}

/**
 * Device topics only the server publishes on: the twin's deltas (`devices/{id}/twin/desired`)
 * and its answers (`devices/{id}/twin/res/…`). A client publishing there could pass for
 * the server, so nobody may, the device itself included.
 */
export function isServerDeviceTopic(topic: string): boolean {
  if (!topic.startsWith('devices/')) return false;
  const levels = topic.split('/');
  return levels.length >= 4 && levels[2] === 'twin' && (levels[3] === 'desired' || levels[3] === 'res');
}

/** One rule of a tenant's topic policy. */
export interface TopicRule {
  readonly effect: 'allow' | 'deny';
  readonly action: 'publish' | 'subscribe' | 'both';
  /** A topic filter; `+` and `#` as in MQTT. */
  readonly filter: string;
  /** Limit the rule to one kind of principal; all kinds when absent. */
  readonly principal?: Principal['kind'];
}

/**
 * Evaluates a tenant's topic rules: a matching `deny` wins over any `allow`; with no
 * matching rule the answer is `fallback`. For subscriptions, an `allow` must cover the
 * whole requested filter, while a `deny` applies as soon as it overlaps it (a
 * subscription to `#` is refused when `secret/#` is denied): the answer for a hook
 * that cannot withhold topics; `evaluateSubscribePolicy` grants `#` without `secret/…`.
 */
export function evaluateTopicPolicy(
  rules: readonly TopicRule[],
  principal: Principal,
  action: 'publish' | 'subscribe',
  topicOrFilter: string,
  fallback = true,
): boolean {
  let allowed: boolean | undefined;
  for (const rule of rules) {
    if (rule.action !== 'both' && rule.action !== action) continue;
    if (rule.principal !== undefined && rule.principal !== principal.kind) continue;
    if (rule.effect === 'deny') {
      const hit =
        action === 'publish'
          ? topicMatches(rule.filter, topicOrFilter)
          : filtersOverlap(rule.filter, topicOrFilter);
      if (hit) return false;
    } else {
      const hit =
        action === 'publish'
          ? topicMatches(rule.filter, topicOrFilter)
          : filterCovers(rule.filter, topicOrFilter);
      if (hit) allowed = true;
    }
  }
  return allowed ?? fallback;
}

/**
 * Evaluates a tenant's rules for a subscription: refused when a `deny` covers the whole
 * filter, or (with `fallback` false) no `allow` covers it; otherwise granted, except for
 * the topics of the `deny` rules that overlap it — `#` with `secret/#` denied receives
 * everything but `secret/…`, and a subscription to `secret/a` is refused.
 */
export function evaluateSubscribePolicy(
  rules: readonly TopicRule[],
  principal: Principal,
  filter: string,
  fallback = true,
): SubscribeVerdict {
  let allowed: boolean | undefined;
  const except: string[] = [];
  for (const rule of rules) {
    if (rule.action !== 'both' && rule.action !== 'subscribe') continue;
    if (rule.principal !== undefined && rule.principal !== principal.kind) continue;
    if (rule.effect === 'deny') {
      if (filterCovers(rule.filter, filter)) return false;
      if (filtersOverlap(rule.filter, filter)) except.push(rule.filter);
    } else if (filterCovers(rule.filter, filter)) {
      allowed = true;
    }
  }
  if (!(allowed ?? fallback)) return false;
  return except.length === 0 ? true : { except };
}
