import { type App, principalOf } from '../../http/index.js';
import { cloneDeviceType } from './clone-device-type.js';
import {
  ClonedType,
  CloneTypeBody,
  DeviceLifecycle,
  DeviceParams,
  HistoryQuery,
  LifecycleGraph,
  MoveTypeBody,
  MoveTypeResult,
  SetLifecycleBody,
  SetTypeLifecycleBody,
  TransitionPage,
  TypeLifecycle,
  TypeParams,
} from './lifecycle-schemas.js';
import type { LifecycleDeps, LifecycleService } from './lifecycle-service.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };

/** A device's lifecycle and its history, type stages, moving devices between types, cloning types. */
export function registerLifecycleRoutes(app: App, deps: LifecycleDeps, lifecycle: LifecycleService): void {
  app.get(
    '/v1/lifecycle',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['lifecycle'],
        summary: 'The lifecycle graph: states, allowed transitions, automatic rules, type stages',
        response: { 200: LifecycleGraph, 401: problem },
      },
    },
    async function lifecycleGraphRoute() {
      return lifecycle.graph();
    },
  );

  app.get(
    '/v1/devices/:deviceId/lifecycle',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['lifecycle'],
        summary: "A device's lifecycle state, the states it may move to, its contract and subscription",
        params: DeviceParams,
        response: { 200: DeviceLifecycle, ...problems },
      },
    },
    async function getLifecycleRoute(request) {
      return lifecycle.get(principalOf(request).tenantId, request.params.deviceId);
    },
  );

  app.post(
    '/v1/devices/:deviceId/lifecycle',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['lifecycle'],
        summary: 'Move a device to another lifecycle state',
        description:
          'Audited with the calling key and the reason, and in the change feed (`device.lifecycle_changed`). A state the graph does not allow from the current one is `409 lifecycle_transition_refused`, whose `data.allowed` lists the states it may go to; asking for the current state changes nothing. See docs/LIFECYCLE.md.',
        params: DeviceParams,
        body: SetLifecycleBody,
        response: { 200: DeviceLifecycle, ...problems, 409: problem, 412: problem },
      },
    },
    async function setLifecycleRoute(request) {
      return lifecycle.set(principalOf(request), request.params.deviceId, request.body);
    },
  );

  app.get(
    '/v1/devices/:deviceId/lifecycle/history',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['lifecycle'],
        summary: "A device's lifecycle transitions, newest first: who or what made each, why and when",
        params: DeviceParams,
        querystring: HistoryQuery,
        response: { 200: TransitionPage, ...problems },
      },
    },
    async function lifecycleHistoryRoute(request) {
      return lifecycle.history(principalOf(request).tenantId, request.params.deviceId, request.query);
    },
  );

  app.get(
    '/v1/device-types/:typeId/lifecycle',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['lifecycle'],
        summary: "A device type's stage, which decides the automatic transitions of its devices' uplinks",
        params: TypeParams,
        response: { 200: TypeLifecycle, ...problems },
      },
    },
    async function getTypeLifecycleRoute(request) {
      return lifecycle.typeStage(principalOf(request).tenantId, request.params.typeId);
    },
  );

  app.put(
    '/v1/device-types/:typeId/lifecycle',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['lifecycle'],
        summary: "Set a device type's stage: test, production (the default) or none",
        params: TypeParams,
        body: SetTypeLifecycleBody,
        response: { 200: TypeLifecycle, ...problems },
      },
    },
    async function setTypeLifecycleRoute(request) {
      return lifecycle.setTypeStage(principalOf(request).tenantId, request.params.typeId, request.body.stage);
    },
  );

  app.post(
    '/v1/devices/move-type',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['lifecycle'],
        summary: 'Move up to 1,000 devices to another device type in one transaction',
        description:
          "All or nothing: a device that does not exist (or is deleted) is `404 not_found` with `data.missing`, and nothing moves. Each moved device gets a `device.updated` change; lifecycle states stay, and the next uplink follows the new type's stage.",
        body: MoveTypeBody,
        response: { 200: MoveTypeResult, ...problems },
      },
    },
    async function moveTypeRoute(request) {
      return lifecycle.moveType(principalOf(request).tenantId, request.body);
    },
  );

  app.post(
    '/v1/device-types/:typeId/clone',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['lifecycle'],
        summary:
          'Copy a device type with its codec, settings, reported fields and stage; new callback secrets',
        description:
          "One transaction. The copy's callback secrets are new (one per secret of the source, same names) and shown only in this answer.",
        params: TypeParams,
        body: CloneTypeBody,
        response: { 201: ClonedType, ...problems, 409: problem },
      },
    },
    async function cloneTypeRoute(request, reply) {
      const cloned = await cloneDeviceType(deps, principalOf(request), request.params.typeId, request.body);
      return reply.status(201).header('location', `/v1/device-types/${cloned.deviceType.id}`).send(cloned);
    },
  );
}
