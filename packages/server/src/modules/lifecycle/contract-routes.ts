import { Type } from 'typebox';
import { type App, principalOf } from '../../http/index.js';
import { parseIfMatch } from '../devices/index.js';
import type { ContractService } from './contract-service.js';
import {
  AssignBody,
  Contract,
  ContractDevicePage,
  ContractDeviceParams,
  ContractPage,
  ContractParams,
  CreateContractBody,
  DeviceParams,
  ListQuery,
  SetSubscriptionBody,
  Subscription,
  UpdateContractBody,
} from './lifecycle-schemas.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };

/** `/v1/contracts` (network contracts and their tokens) and `/v1/devices/{id}/subscription`. */
export function registerContractRoutes(app: App, contracts: ContractService): void {
  app.post(
    '/v1/contracts',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['contracts'],
        summary: 'Create a network contract: provider, tokens, start and end',
        description:
          "`endsAt` must come after `startsAt` (`validation_failed`, `data.field`). `warnDays` before the end (default 30) the feed gets `contract.ending`; at the end the contract's devices move to out_of_contract. `lowTokens` (default a tenth of the tokens): free tokens at or below it raise `contract.tokens_low`, once.",
        body: CreateContractBody,
        response: { 201: Contract, ...problems },
      },
    },
    async function createContractRoute(request, reply) {
      const contract = await contracts.create(principalOf(request).tenantId, request.body);
      return reply.status(201).header('location', `/v1/contracts/${contract.id}`).send(contract);
    },
  );

  app.get(
    '/v1/contracts',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['contracts'],
        summary: 'Network contracts with their tokens used and free, oldest first',
        querystring: ListQuery,
        response: { 200: ContractPage, ...problems },
      },
    },
    async function listContractsRoute(request) {
      return contracts.list(principalOf(request).tenantId, request.query);
    },
  );

  app.get(
    '/v1/contracts/:contractId',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['contracts'],
        summary: 'One network contract with its tokens used and free',
        params: ContractParams,
        response: { 200: Contract, ...problems },
      },
    },
    async function getContractRoute(request, reply) {
      const contract = await contracts.get(principalOf(request).tenantId, request.params.contractId);
      return reply.header('etag', `"${contract.version}"`).send(contract);
    },
  );

  app.patch(
    '/v1/contracts/:contractId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['contracts'],
        summary: 'Change a contract: name, tokens, threshold, dates, warning days',
        description:
          'Fewer tokens than devices assigned is `409 contract_tokens_exhausted`. A later end date re-arms the warning and the end. `If-Match` with the ETag is honoured.',
        params: ContractParams,
        body: UpdateContractBody,
        response: { 200: Contract, ...problems, 409: problem, 412: problem },
      },
    },
    async function updateContractRoute(request, reply) {
      const contract = await contracts.update(
        principalOf(request).tenantId,
        request.params.contractId,
        request.body,
        parseIfMatch(request.headers['if-match']),
      );
      return reply.header('etag', `"${contract.version}"`).send(contract);
    },
  );

  app.delete(
    '/v1/contracts/:contractId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['contracts'],
        summary: 'Delete a contract that has no devices (`409 conflict` otherwise)',
        params: ContractParams,
        response: { 204: Type.Null(), ...problems, 409: problem },
      },
    },
    async function deleteContractRoute(request, reply) {
      await contracts.remove(principalOf(request).tenantId, request.params.contractId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/contracts/:contractId/devices',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['contracts'],
        summary: 'Assign up to 1,000 devices to a contract, one token each, all or none',
        description:
          'More devices than free tokens is `409 contract_tokens_exhausted` (`data.free`, `data.requested`); a missing device `404 not_found` (`data.missing`); an ended contract `409 conflict`. Nothing is assigned then. A device on another contract moves to this one.',
        params: ContractParams,
        body: AssignBody,
        response: { 200: Contract, ...problems, 409: problem },
      },
    },
    async function assignContractRoute(request) {
      return contracts.assign(principalOf(request).tenantId, request.params.contractId, request.body);
    },
  );

  app.get(
    '/v1/contracts/:contractId/devices',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['contracts'],
        summary: "A contract's devices, by id",
        params: ContractParams,
        querystring: ListQuery,
        response: { 200: ContractDevicePage, ...problems },
      },
    },
    async function contractDevicesRoute(request) {
      return contracts.devices(principalOf(request).tenantId, request.params.contractId, request.query);
    },
  );

  app.delete(
    '/v1/contracts/:contractId/devices/:deviceId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['contracts'],
        summary: 'Take a device off a contract, freeing its token',
        params: ContractDeviceParams,
        response: { 200: Contract, ...problems },
      },
    },
    async function unassignContractRoute(request) {
      return contracts.unassign(
        principalOf(request).tenantId,
        request.params.contractId,
        request.params.deviceId,
      );
    },
  );

  app.get(
    '/v1/devices/:deviceId/subscription',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['contracts'],
        summary: "A device's service subscription",
        params: DeviceParams,
        response: { 200: Subscription, ...problems },
      },
    },
    async function getSubscriptionRoute(request) {
      return contracts.subscription(principalOf(request).tenantId, request.params.deviceId);
    },
  );

  app.put(
    '/v1/devices/:deviceId/subscription',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['contracts'],
        summary: "Set a device's service subscription: plan, start, end",
        description:
          '`endsAt` must come after `startsAt`. `warnDays` before the end (default 30) the feed gets `subscription.ending`; at the end the device moves to out_of_subscription. A later end re-arms both.',
        params: DeviceParams,
        body: SetSubscriptionBody,
        response: { 200: Subscription, ...problems },
      },
    },
    async function setSubscriptionRoute(request) {
      return contracts.setSubscription(principalOf(request).tenantId, request.params.deviceId, request.body);
    },
  );

  app.delete(
    '/v1/devices/:deviceId/subscription',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['contracts'],
        summary: "Remove a device's service subscription (its end no longer moves the device)",
        params: DeviceParams,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async function deleteSubscriptionRoute(request, reply) {
      await contracts.removeSubscription(principalOf(request).tenantId, request.params.deviceId);
      return reply.status(204).send(null);
    },
  );
}
