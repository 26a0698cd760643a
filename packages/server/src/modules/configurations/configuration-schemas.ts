import { type Static, Type } from 'typebox';
import { MAX_TWIN_BYTES, MAX_TWIN_DEPTH, MAX_TWIN_PROPERTIES } from '../twins/index.js';

/** How many configurations a tenant may have, and what one may hold. */
export const CONFIGURATION_LIMITS = {
  perTenant: 100,
  metrics: 10,
  labels: 20,
  maxPriority: 1_000_000,
} as const;

export const CONFIGURATION_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
export const ConfigurationId = Type.String({
  pattern: CONFIGURATION_ID_PATTERN,
  examples: ['paris-interval'],
});

const Timestamp = Type.String({ format: 'date-time' });
const Condition = (what: string) => Type.String({ minLength: 1, maxLength: 2048, description: what });
const Priority = Type.Integer({
  minimum: 0,
  maximum: CONFIGURATION_LIMITS.maxPriority,
  description: 'higher wins a property two configurations both set; a tie goes to the newer configuration',
});
const Content = Type.Record(Type.String(), Type.Unknown(), {
  description: `the desired properties it sets, each top-level property whole: a JSON object without nulls, within the twin limits (${MAX_TWIN_PROPERTIES} properties, ${MAX_TWIN_BYTES} bytes, ${MAX_TWIN_DEPTH} levels)`,
});
const Labels = Type.Record(Type.String(), Type.String({ maxLength: 128 }), {
  propertyNames: { pattern: '^[A-Za-z0-9._-]{1,64}$' },
  maxProperties: CONFIGURATION_LIMITS.labels,
  description: 'free labels, for people and filters',
});
const Metrics = Type.Record(Type.String(), Condition('a CEL condition over the targeted devices'), {
  propertyNames: { pattern: '^[A-Za-z0-9_-]{1,64}$' },
  maxProperties: CONFIGURATION_LIMITS.metrics,
  description: 'custom metrics: name → a CEL condition; each counts the targeted devices for which it holds',
});

export const CreateConfigurationBody = Type.Object(
  {
    id: ConfigurationId,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    target: Condition('the devices it applies to: a CEL condition (docs/CONDITIONS.md)'),
    priority: Type.Optional(Priority),
    content: Content,
    labels: Type.Optional(Labels),
    metrics: Type.Optional(Metrics),
  },
  { additionalProperties: false },
);
export type CreateConfigurationBody = Static<typeof CreateConfigurationBody>;

export const UpdateConfigurationBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    target: Type.Optional(Condition('the devices it applies to: a CEL condition')),
    priority: Type.Optional(Priority),
    content: Type.Optional(Content),
    labels: Type.Optional(Labels),
    metrics: Type.Optional(Metrics),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateConfigurationBody = Static<typeof UpdateConfigurationBody>;

export const Configuration = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    target: Type.String(),
    priority: Type.Integer(),
    content: Type.Record(Type.String(), Type.Unknown()),
    labels: Type.Record(Type.String(), Type.String()),
    metrics: Type.Record(Type.String(), Type.String()),
    version: Type.Integer({ description: 'increments at every change; the ETag' }),
    appliedVersion: Type.Integer({
      description: 'the last version whose target and content went over every device of the tenant',
    }),
    status: Type.Union([Type.Literal('applying'), Type.Literal('applied')], {
      description:
        '`applying` while its rollout over the devices runs; `applied` once desired is written on every targeted device',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Configuration' },
);
export type Configuration = Static<typeof Configuration>;

export const ConfigurationPage = Type.Object({
  items: Type.Array(Configuration),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type ConfigurationPage = Static<typeof ConfigurationPage>;

export const ListConfigurationsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 100 }),
    cursor: Type.Optional(Type.String({ pattern: CONFIGURATION_ID_PATTERN })),
    label: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9._-]{1,64}=.{0,128}$',
        description: 'only those with this label: `key=value`',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ListConfigurationsQuery = Static<typeof ListConfigurationsQuery>;

export const MetricCounts = Type.Object({
  at: Timestamp,
  targeted: Type.Integer({ description: 'devices the target matches now' }),
  applied: Type.Integer({
    description: 'targeted devices where it sets at least one property and every one of them is applied',
  }),
  pending: Type.Integer({
    description: 'targeted devices with a property of it pending or sent, none failed',
  }),
  failed: Type.Integer({
    description:
      'targeted devices with a property of it failed, or whose desired it could not write (twin limits)',
  }),
  overridden: Type.Integer({
    description:
      'targeted devices where it sets nothing: every property of it is held by a higher-priority or newer configuration, or set directly',
  }),
  custom: Type.Record(Type.String(), Type.Integer(), {
    description: 'each custom metric: the targeted devices for which its condition holds',
  }),
});
export type MetricCounts = Static<typeof MetricCounts>;

export const ConfigurationMetrics = Type.Object({
  id: Type.String(),
  current: MetricCounts,
  history: Type.Array(MetricCounts, { description: 'periodic snapshots, oldest first' }),
});
export type ConfigurationMetrics = Static<typeof ConfigurationMetrics>;

export const MetricsQuery = Type.Object(
  {
    history: Type.Integer({
      minimum: 0,
      maximum: 1440,
      default: 60,
      description: 'how many of the latest snapshots to include',
    }),
  },
  { additionalProperties: false },
);
export type MetricsQuery = Static<typeof MetricsQuery>;
