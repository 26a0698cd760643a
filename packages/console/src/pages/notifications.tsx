import type { RequestBody, ResponseBody } from '@fleetport/sdk';
import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ProblemMessage } from '../components/problem.js';
import { SecretOnce } from '../components/secret-once.js';
import { useLoad } from '../components/use-load.js';
import { formatDateTime } from '../format.js';
import { ok, typed } from '../sdk.js';

type Channel = ResponseBody<'/v1/notifications/channels', 'get'>['items'][number];
type Recipient = ResponseBody<'/v1/notifications/recipients', 'get'>['items'][number];
type Severity = Recipient['severities'][number];
type AlertEvent = Recipient['events'][number];
const SEVERITIES: readonly Severity[] = ['critical', 'major', 'minor', 'warning', 'info'];
const EVENTS: readonly AlertEvent[] = ['raised', 'updated', 'acknowledged', 'cleared'];

const where = (channel: Channel) =>
  channel.kind === 'email'
    ? (channel.to ?? []).join(', ')
    : channel.kind === 'webhook'
      ? channel.url
      : channel.topic;

/**
 * Notifications: channels (e-mail, webhook, MQTT topic; a webhook's signing secret shown
 * once) and recipients (which channels hear of which alerts), and the messages sent.
 */
export function Notifications({ api }: { readonly api: Api }) {
  const client = typed(api);
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const channels = useLoad(
    (signal) => ok(client.GET('/v1/notifications/channels', { params: { query: { limit: 100 } }, signal })),
    [client],
  );
  const recipients = useLoad(
    (signal) => ok(client.GET('/v1/notifications/recipients', { params: { query: { limit: 100 } }, signal })),
    [client],
  );
  const messages = useLoad(
    (signal) => ok(client.GET('/v1/notifications/messages', { params: { query: { limit: 50 } }, signal })),
    [client],
  );

  async function removeChannel(channel: Channel) {
    setError(null);
    try {
      await ok(
        client.DELETE('/v1/notifications/channels/{channelId}', {
          params: { path: { channelId: channel.id } },
        }),
      );
      channels.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  async function removeRecipient(recipient: Recipient) {
    setError(null);
    try {
      await ok(
        client.DELETE('/v1/notifications/recipients/{recipientId}', {
          params: { path: { recipientId: recipient.id } },
        }),
      );
      recipients.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  const channelList = channels.value?.items;
  const recipientList = recipients.value?.items;
  const messageList = messages.value?.items;
  const channelName = (id: string) => channelList?.find((channel) => channel.id === id)?.name ?? id;
  const recipientName = (id: string) => recipientList?.find((recipient) => recipient.id === id)?.name ?? id;
  return (
    <>
      <h1 tabIndex={-1}>Notifications</h1>
      <ProblemMessage error={channels.error ?? recipients.error ?? error} />
      {secret ? (
        <SecretOnce
          label={`Signing secret of channel ${secret.name}`}
          secret={secret.secret}
          onDone={() => setSecret(null)}
        />
      ) : null}
      <section class="card" aria-labelledby="channels-title">
        <h2 id="channels-title">Channels</h2>
        {channelList === undefined ? null : channelList.length === 0 ? (
          <p class="muted">No channels yet.</p>
        ) : (
          <ul class="plain-list">
            {channelList.map((channel) => (
              <li key={channel.id} data-channel-id={channel.id}>
                <span>
                  <strong>{channel.name}</strong> <span class="pill">{channel.kind}</span>{' '}
                  <code>{where(channel)}</code>
                </span>
                <ConfirmButton
                  label="Delete"
                  subject={`channel ${channel.name}`}
                  onConfirm={() => removeChannel(channel)}
                />
              </li>
            ))}
          </ul>
        )}
        <NewChannel
          api={api}
          onCreated={(created, signing) => {
            channels.reload();
            if (signing) setSecret({ name: created.name, secret: signing });
          }}
        />
      </section>
      <section class="card" aria-labelledby="recipients-title">
        <h2 id="recipients-title">Recipients</h2>
        {recipientList === undefined ? null : recipientList.length === 0 ? (
          <p class="muted">No recipients yet.</p>
        ) : (
          <ul class="plain-list">
            {recipientList.map((recipient) => (
              <li key={recipient.id} data-recipient-id={recipient.id}>
                <span>
                  <strong>{recipient.name}</strong>: {recipient.severities.join(', ')} alerts
                  {recipient.types.length > 0 ? ` of ${recipient.types.join(', ')}` : ''} when{' '}
                  {recipient.events.join(', ')}, by {recipient.channels.map(channelName).join(', ')}
                  {recipient.delivery.mode === 'digest'
                    ? `, every ${recipient.delivery.windowMinutes} min`
                    : ''}
                </span>
                <ConfirmButton
                  label="Delete"
                  subject={`recipient ${recipient.name}`}
                  onConfirm={() => removeRecipient(recipient)}
                />
              </li>
            ))}
          </ul>
        )}
        {channelList && channelList.length > 0 ? (
          <NewRecipient api={api} channels={channelList} onCreated={() => recipients.reload()} />
        ) : (
          <p class="muted">Make a channel first: a recipient hears through channels.</p>
        )}
      </section>
      <section class="card" aria-labelledby="messages-title">
        <h2 id="messages-title">Messages</h2>
        <ProblemMessage error={messages.error} />
        {messageList === undefined ? null : messageList.length === 0 ? (
          <p class="muted">No messages yet.</p>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Message</th>
                  <th scope="col">Status</th>
                  <th scope="col">Sends at</th>
                </tr>
              </thead>
              <tbody>
                {messageList.map((message) => (
                  <tr key={message.id}>
                    <td>
                      {message.subject ?? `${message.alerts} alert changes`}
                      <div class="muted">
                        to {recipientName(message.recipientId)} by {channelName(message.channelId)}
                      </div>
                    </td>
                    <td>
                      <span class={`pill ${message.status}`}>{message.status}</span>
                      {message.lastError ? <div class="muted">{message.lastError}</div> : null}
                    </td>
                    <td>{formatDateTime(message.sendAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

type ChannelBody = RequestBody<'/v1/notifications/channels', 'post'>;

function NewChannel({
  api,
  onCreated,
}: {
  readonly api: Api;
  readonly onCreated: (channel: Channel, secret: string | null) => void;
}) {
  const client = typed(api);
  const [kind, setKind] = useState<ChannelBody['kind']>('mqtt');
  const [error, setError] = useState<unknown>(null);

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const text = (name: string) => String(fields.get(name) ?? '').trim();
    const target =
      kind === 'email'
        ? {
            to: text('target')
              .split(/[\s,]+/)
              .filter((to) => to !== ''),
          }
        : kind === 'webhook'
          ? { url: text('target') }
          : { topic: text('target') };
    setError(null);
    try {
      const answer = await ok(
        client.POST('/v1/notifications/channels', { body: { name: text('name'), kind, ...target } }),
      );
      form.reset();
      onCreated(answer.channel, answer.secret);
    } catch (failure) {
      setError(failure);
    }
  }

  const described = error ? { 'aria-invalid': true, 'aria-describedby': 'channel-error' } : {};
  return (
    <form class="inline-form" onSubmit={create} aria-label="New channel">
      <div class="field">
        <label for="channel-name">Channel name</label>
        <input id="channel-name" name="name" autoComplete="off" placeholder="on-call" />
      </div>
      <div class="field narrow">
        <label for="channel-kind">Kind</label>
        <select
          id="channel-kind"
          value={kind}
          onChange={(event) => setKind(event.currentTarget.value as typeof kind)}
        >
          <option value="mqtt">MQTT topic</option>
          <option value="webhook">webhook</option>
          <option value="email">e-mail</option>
        </select>
      </div>
      <div class="field wide">
        <label for="channel-target">
          {kind === 'email' ? 'Addresses' : kind === 'webhook' ? 'URL' : 'Topic'}
        </label>
        <input id="channel-target" name="target" class="mono" autoComplete="off" {...described} />
      </div>
      <button type="submit">Add channel</button>
      <ProblemMessage error={error} id="channel-error" />
    </form>
  );
}

function NewRecipient({
  api,
  channels,
  onCreated,
}: {
  readonly api: Api;
  readonly channels: readonly Channel[];
  readonly onCreated: () => void;
}) {
  const client = typed(api);
  const [error, setError] = useState<unknown>(null);

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const digest = Number(fields.get('window') ?? 0);
    setError(null);
    try {
      await ok(
        client.POST('/v1/notifications/recipients', {
          body: {
            name: String(fields.get('name') ?? '').trim(),
            channels: fields.getAll('channel').map(String),
            severities: fields.getAll('severity').map(String) as Severity[],
            events: fields.getAll('event').map(String) as AlertEvent[],
            delivery: digest > 0 ? { mode: 'digest', windowMinutes: digest } : { mode: 'immediate' },
          },
        }),
      );
      form.reset();
      onCreated();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form class="stack" onSubmit={create} aria-label="New recipient">
      <div class="field">
        <label for="recipient-name">Recipient name</label>
        <input id="recipient-name" name="name" autoComplete="off" placeholder="night shift" />
      </div>
      <fieldset class="series-picker">
        <legend>Channels</legend>
        {channels.map((channel) => (
          <label class="check" key={channel.id}>
            <input type="checkbox" name="channel" value={channel.id} /> {channel.name}
          </label>
        ))}
      </fieldset>
      <fieldset class="series-picker">
        <legend>Severities</legend>
        {SEVERITIES.map((severity) => (
          <label class="check" key={severity}>
            <input type="checkbox" name="severity" value={severity} defaultChecked /> {severity}
          </label>
        ))}
      </fieldset>
      <fieldset class="series-picker">
        <legend>When an alert is</legend>
        {EVENTS.map((alertEvent) => (
          <label class="check" key={alertEvent}>
            <input type="checkbox" name="event" value={alertEvent} defaultChecked={alertEvent === 'raised'} />{' '}
            {alertEvent}
          </label>
        ))}
      </fieldset>
      <div class="field narrow">
        <label for="recipient-window">Digest every (minutes, 0: at once)</label>
        <input id="recipient-window" name="window" type="number" min="0" step="1" placeholder="0" />
      </div>
      <div class="actions">
        <button type="submit">Add recipient</button>
      </div>
      <ProblemMessage error={error} id="recipient-error" />
    </form>
  );
}
