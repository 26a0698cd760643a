import type { Command } from 'commander';
import type { ApiKey, CreatedApiKey, Page, Tenant } from '../api-types.js';
import { CommandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { isoDateTime, oneOf } from '../options.js';
import { type Column, formatDetails, formatTable, formatTime } from '../output.js';

const SCOPES = ['reader', 'operator', 'admin'] as const;

const tenantColumns: readonly Column<Tenant>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.name },
  { header: 'created', value: (t) => formatTime(t.createdAt) },
];

function keyStatus(key: ApiKey): string {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && Date.parse(key.expiresAt) <= Date.now()) return 'expired';
  return 'active';
}

const keyColumns: readonly Column<ApiKey>[] = [
  { header: 'id', value: (k) => k.id },
  { header: 'name', value: (k) => k.name },
  { header: 'scope', value: (k) => `${k.scope}${k.system ? ' (system)' : ''}` },
  { header: 'status', value: keyStatus },
  { header: 'expires', value: (k) => formatTime(k.expiresAt) },
  { header: 'last used', value: (k) => formatTime(k.lastUsedAt) },
  { header: 'created', value: (k) => formatTime(k.createdAt) },
];

function tenantDetails(t: Tenant): string {
  return formatDetails([
    ['id', t.id],
    ['name', t.name],
    ['created', formatTime(t.createdAt)],
    ['updated', formatTime(t.updatedAt)],
  ]);
}

function keyDetails(k: ApiKey): string {
  return formatDetails([
    ['id', k.id],
    ['tenant', k.tenantId],
    ['name', k.name],
    ['scope', k.scope],
    ['status', keyStatus(k)],
    ['expires', formatTime(k.expiresAt)],
    ['revoked', formatTime(k.revokedAt)],
    ['created', formatTime(k.createdAt)],
  ]);
}

/** The secret is the one thing a person must copy: set it apart, and say it will not come back. */
function createdKeyText(k: CreatedApiKey): string {
  return [
    keyDetails(k),
    'The secret of this key is shown only this once. Store it now:',
    '',
    `  FLEETPORT_API_KEY=${k.secret}`,
    '',
  ].join('\n');
}

/** `whoami`, `tenants …` and `keys …`. */
export function registerAccessCommands(program: Command, io: CliIo): void {
  program
    .command('whoami')
    .description('show the API key in use: its id, tenant and scope')
    .action(async function whoami(_options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const me = await ctx.client.call((api) => api.GET('/v1/me'));
      ctx.show(me, (m) =>
        formatDetails([
          ['url', ctx.client.url],
          ['key', m.keyId],
          ['tenant', m.tenantId],
          ['scope', m.scope],
          ['system', m.system ? 'yes (bootstrap key)' : 'no'],
        ]),
      );
    });

  const tenants = program.command('tenants').description('tenants: list, get, create (bootstrap key)');
  tenants
    .command('list')
    .description('list the tenants the key can see (all of them for the bootstrap key)')
    .action(async function listTenants(_options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const items: Tenant[] = [];
      let after: string | undefined;
      // Tenants are few: always fetch every page, so the list is never silently cut.
      for (;;) {
        const page = await ctx.client.request<Page<Tenant>>('GET', '/v1/tenants', {
          query: { limit: 1000, after },
        });
        items.push(...page.items);
        if (page.nextCursor === null || page.items.length === 0) break;
        after = page.nextCursor;
      }
      ctx.show({ items, nextCursor: null }, (p) => formatTable(tenantColumns, p.items));
    });
  tenants
    .command('get')
    .description('show one tenant')
    .argument('<id>', 'tenant id')
    .action(async function getTenant(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      ctx.show(
        await ctx.client.request<Tenant>('GET', `/v1/tenants/${encodeURIComponent(id)}`),
        tenantDetails,
      );
    });
  tenants
    .command('create')
    .description('create a tenant (needs the bootstrap key)')
    .requiredOption('--name <name>', 'display name')
    .option('--id <id>', 'tenant id: lower-case letters, digits and dashes (generated when omitted)')
    .action(async function createTenant(options: { name: string; id?: string }, command: Command) {
      const ctx = new CommandContext(io, command);
      const tenant = await ctx.client.request<Tenant>('POST', '/v1/tenants', {
        json: { name: options.name, ...(options.id ? { id: options.id } : {}) },
      });
      ctx.show(tenant, (t) => `created tenant ${t.id}\n${tenantDetails(t)}`);
    });

  const keys = program.command('keys').description('API keys: list, create, revoke');
  keys
    .command('list')
    .description("list the API keys of the key's own tenant")
    .action(async function listKeys(_options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.request<{ items: ApiKey[] }>('GET', '/v1/keys');
      ctx.show(page, (p) => formatTable(keyColumns, p.items));
    });
  keys
    .command('create')
    .description('create an API key; its secret is printed once')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scope <scope>', `one of ${SCOPES.join(', ')}`, oneOf(SCOPES))
    .option('--expires-at <iso>', 'expiry, an ISO 8601 date-time in the future', isoDateTime)
    .option('--tenant <tenant>', 'create it in this tenant (bootstrap key) instead of your own')
    .action(async function createKey(
      options: { name: string; scope: string; expiresAt?: string; tenant?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const path = options.tenant ? `/v1/tenants/${encodeURIComponent(options.tenant)}/keys` : '/v1/keys';
      const key = await ctx.client.request<CreatedApiKey>('POST', path, {
        json: {
          name: options.name,
          scope: options.scope,
          ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
        },
      });
      ctx.show(key, createdKeyText);
    });
  keys
    .command('revoke')
    .description("revoke an API key of the key's own tenant; it stops working at once")
    .argument('<key-id>', 'the key id (key_…), not its secret')
    .action(async function revokeKey(keyId: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const key = await ctx.client.request<ApiKey>('DELETE', `/v1/keys/${encodeURIComponent(keyId)}`);
      ctx.show(key, (k) => `revoked key ${k.id}\n${keyDetails(k)}`);
    });
}
