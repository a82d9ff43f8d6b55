import { Injectable, Optional } from '@nestjs/common';
import { Clock, decodePageCursor, encodePageCursor } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { averageOrderValue, CustomerRepository } from '@kizuna/customers';
import { MessageRenderer, TemplateCatalog, type RecipientProfile } from '@kizuna/messaging';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { UNKNOWN_CUSTOMER, type CustomerFacts } from '@kizuna/rules';
import {
  compileJourney,
  conditionsOf,
  restingSteps,
  timerOnEntry,
  type CompiledJourney,
} from '../core/journey.compiler';
import { journeyDefinitionSchema } from '../core/journey-definition.schema';
import type { JourneyContext } from '../core/journey-machine.types';
import { JourneyInstanceRepository, type CustomerJourneys, type JourneyCounts } from './journey-instance.repository';
import { EntryRollupRepository } from '../lift/entry-rollup.repository';
import {
  JourneyRepository,
  type JourneyListRow,
  type JourneyRow,
  type JourneyStatus,
  type JourneyVersionRow,
} from './journey.repository';
import { JourneyRuntime } from './journey.runtime';
import { simulateJourney, type PathEntry } from '../core/journey.simulator';
import { JourneysErrorCode, JourneysException } from '../core/journeys.exception';

export interface JourneyDetails extends JourneyRow {
  versions: JourneyVersionRow[];
}

/** A page of the customers resting in a step now. */
export interface StepCustomersPage {
  customers: Array<{
    customerId: string | null;
    email: string | null;
    instanceKey: string;
    version: number;
    enteredAt: Date;
    since: Date;
    nextTimerAt: Date | null;
  }>;
  nextCursor: string | null;
}

const INSTANCE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const simulationRequestSchema = z.strictObject({
  /** Which version to run; default the latest (the draft, if there is one). */
  version: z.number().int().positive().optional(),
  /** A real customer (the shop's id): their stored profile, stats and segments instead of `customer`. */
  customerId: z.string().min(1).max(255).optional(),
  customer: z
    .strictObject({
      email: z.string().max(320).optional(),
      locale: z.string().max(35).optional(),
      emailConsent: z.enum(['subscribed', 'unsubscribed', 'unknown']).default('unknown'),
      attributes: z.record(z.string(), z.unknown()).default({}),
      timezone: z.string().optional(),
      ordersCount: z.number().int().min(0).default(0),
      revenue: z.number().min(0).default(0),
      /** Default: revenue / ordersCount. */
      averageOrderValue: z.number().min(0).optional(),
      firstOrderAt: z.iso.datetime({ offset: true }).optional(),
      lastOrderAt: z.iso.datetime({ offset: true }).optional(),
      segments: z.array(z.string()).default([]),
    })
    .default({ emailConsent: 'unknown', attributes: {}, ordersCount: 0, revenue: 0, segments: [] }),
  events: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(200),
        at: z.iso.datetime({ offset: true }),
        properties: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .min(1)
    .max(1000),
});
export type SimulationRequest = z.output<typeof simulationRequestSchema>;

const SIMULATED_CUSTOMER = '00000000-0000-4000-8000-00000000c0de';

/** Journeys for the admin API: definitions, lifecycle, simulation, counts, instances. */
@Injectable()
export class JourneysService {
  constructor(
    private readonly journeys: JourneyRepository,
    private readonly instances: JourneyInstanceRepository,
    private readonly rollups: EntryRollupRepository,
    private readonly customers: CustomerRepository,
    private readonly runtime: JourneyRuntime,
    private readonly clock: Clock,
    private readonly config: KizunaConfig,
    // Provided by the (global) templates module; a host without it cannot check template names.
    @Optional() private readonly templates?: TemplateCatalog,
    // Provided by the templates module too: the simulator renders would-be subjects with it.
    @Optional() private readonly renderer?: MessageRenderer,
  ) {}

  /** Validates and compiles; throws with every problem, pointed at its field. */
  async validate(input: unknown): Promise<CompiledJourney> {
    return compileJourney(input, { templates: this.templates, webhookHosts: this.config.journeys.webhookAllowedHosts });
  }

  async create(input: unknown): Promise<JourneyDetails> {
    const { definition } = await this.validate(input);
    return this.get(await this.journeys.create(definition));
  }

  /** Saves a new draft version (an active version is never edited). */
  async update(journeyId: string, input: unknown): Promise<JourneyDetails> {
    const { definition } = await this.validate(input);
    await this.journeys.transaction(async (tx) => {
      const journey = await this.require(journeyId, tx);
      if (journey.status === 'archived') {
        throw this.lifecycle(journey, 'edit');
      }
      await this.journeys.saveDraft(tx, journeyId, definition);
    });
    return this.get(journeyId);
  }

  async get(journeyId: string): Promise<JourneyDetails> {
    const journey = await this.require(journeyId);
    return { ...journey, versions: await this.journeys.versions(journeyId) };
  }

  list(): Promise<JourneyListRow[]> {
    return this.journeys.list();
  }

  /** Every journey without the list's counts (which read all of history): for the analytics reports. */
  all(): Promise<JourneyRow[]> {
    return this.journeys.all();
  }

  /**
   * Entries on shop days `from`–`to` (the entries rollup, decision 0035) and instances active
   * now, per journey, for every journey at once.
   */
  async entriesByJourney(from: string, to: string): Promise<Map<string, { entered: number; activeNow: number }>> {
    const [entered, active] = await Promise.all([
      this.rollups.entrantsByJourney(from, to),
      this.instances.activeByJourney(),
    ]);
    return new Map(
      [...new Set([...entered.keys(), ...active.keys()])].map((id) => [
        id,
        { entered: entered.get(id) ?? 0, activeNow: active.get(id) ?? 0 },
      ]),
    );
  }

  /** Every version published in [start, end), oldest first: when each journey was launched or changed. */
  publications(start: Date, end: Date): Promise<Array<{ journeyId: string; name: string; publishedAt: Date }>> {
    return this.journeys.publishedBetween(start, end);
  }

  /**
   * Publishes the latest (draft) version. With `migrate`, in-flight instances of the previous
   * active version move to the mapped steps of the new one; the map is checked first: every
   * step holding instances must be mapped, and only to a step an instance can rest in.
   */
  async publish(journeyId: string, migrate: Record<string, string> | undefined): Promise<JourneyDetails> {
    await this.journeys.transaction(async (tx) => {
      const journey = await this.require(journeyId, tx);
      if (journey.status === 'archived') {
        throw this.lifecycle(journey, 'publish');
      }
      const versions = await this.journeys.versions(journeyId, tx);
      const draft = versions[versions.length - 1]!;
      if (draft.publishedAt) {
        throw new JourneysException(
          JourneysErrorCode.InvalidLifecycleTransition,
          `Journey ${journeyId} has no draft to publish: save a new version first`,
        );
      }
      const compiled = await this.validate(draft.definition);
      const previous = versions.find((v) => v.version === journey.activeVersion);
      if (migrate && !previous) {
        throw new JourneysException(JourneysErrorCode.InvalidMigration, 'Nothing to migrate: no version was active');
      }
      await this.journeys.publish(tx, journeyId, draft.version);
      if (migrate && previous) {
        await this.migrate(tx, journeyId, previous, { version: draft.version, compiled }, migrate);
      }
    });
    return this.get(journeyId);
  }

  pause(journeyId: string): Promise<JourneyDetails> {
    return this.transition(journeyId, ['active'], 'paused', 'pause');
  }

  resume(journeyId: string): Promise<JourneyDetails> {
    return this.transition(journeyId, ['paused'], 'active', 'resume');
  }

  /** Ends the journey: every active instance exits with reason `archived` and its timers go. */
  archive(journeyId: string): Promise<JourneyDetails> {
    return this.transition(journeyId, ['draft', 'active', 'paused'], 'archived', 'archive');
  }

  async simulate(journeyId: string, request: SimulationRequest): Promise<{ version: number; path: PathEntry[] }> {
    await this.require(journeyId);
    const versions = await this.journeys.versions(journeyId);
    const chosen =
      request.version === undefined
        ? versions[versions.length - 1]
        : versions.find((v) => v.version === request.version);
    if (!chosen) {
      throw new JourneysException(
        JourneysErrorCode.JourneyNotFound,
        `Journey ${journeyId} has no version ${request.version}`,
      );
    }
    const compiled = await this.validate(chosen.definition);
    const { facts, recipient } =
      request.customerId === undefined
        ? this.madeUpCustomer(request.customer)
        : await this.realCustomer(request.customerId, compiled);
    // Subjects render asynchronously; the simulator asks synchronously: note each message's
    // payload in order, render them after the run.
    const asked: Array<{ template: string; payload: Record<string, unknown> }> = [];
    const path = simulateJourney(
      compiled,
      {
        customerUuid: SIMULATED_CUSTOMER,
        facts,
        events: request.events.map((e) => ({ name: e.name, properties: e.properties, at: Date.parse(e.at) })),
        renderSubject: (template, payload) => {
          asked.push({ template, payload });
          return undefined;
        },
      },
      journeyId,
    );
    if (this.renderer) {
      const renderer = this.renderer.forBatch();
      let i = 0;
      for (const entry of path) {
        if (entry.kind === 'message') {
          const { template, payload } = asked[i++]!;
          // A template that does not render for this customer shows no subject; the path stands.
          entry.subject = await renderer
            .render(template, recipient, payload, {})
            .then((m) => m.subject)
            .catch(() => undefined);
          if (entry.subject === undefined) {
            delete entry.subject;
          }
        }
      }
    }
    return { version: chosen.version, path };
  }

  private madeUpCustomer(c: SimulationRequest['customer']): { facts: CustomerFacts; recipient: RecipientProfile } {
    const facts: CustomerFacts = {
      ...UNKNOWN_CUSTOMER,
      email: c.email ?? null,
      locale: c.locale ?? null,
      timezone: c.timezone ?? null,
      emailConsent: c.emailConsent,
      attributes: c.attributes,
      stats: {
        ordersCount: c.ordersCount,
        revenue: c.revenue,
        // A simulated customer's revenue counts all its orders.
        averageOrderValue: c.averageOrderValue ?? averageOrderValue(c.revenue, c.ordersCount),
        firstOrderAt: c.firstOrderAt === undefined ? null : Date.parse(c.firstOrderAt),
        lastOrderAt: c.lastOrderAt === undefined ? null : Date.parse(c.lastOrderAt),
      },
      segments: c.segments,
    };
    return {
      facts,
      recipient: {
        customerId: null,
        email: facts.email,
        locale: facts.locale,
        timezone: facts.timezone,
        attributes: c.attributes,
      },
    };
  }

  /** A stored customer's facts as the worker would load them now (profile, stats, segments). */
  private async realCustomer(
    customerId: string,
    compiled: CompiledJourney,
  ): Promise<{ facts: CustomerFacts; recipient: RecipientProfile }> {
    const customer = await this.customers.findByCustomerId(customerId);
    if (!customer) {
      throw new JourneysException(JourneysErrorCode.CustomerNotFound, `No customer ${customerId}`);
    }
    const facts = await this.journeys.transaction(async (tx) =>
      (await this.runtime.facts(tx, [customer.id], conditionsOf(compiled.definition), this.clock.now())).get(
        customer.id,
      )!,
    );
    return {
      facts,
      recipient: {
        customerId: customer.customerId,
        email: customer.email,
        locale: customer.locale,
        timezone: customer.timezone,
        attributes: customer.attributes,
      },
    };
  }

  async counts(journeyId: string): Promise<JourneyCounts> {
    await this.require(journeyId);
    return this.instances.counts(journeyId);
  }

  /** The customers whose instances rest in `stepId` now (any version), earliest entry first. */
  async customersAtStep(
    journeyId: string,
    stepId: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<StepCustomersPage> {
    await this.require(journeyId);
    const position = cursor === undefined ? undefined : decodePageCursor(cursor, INSTANCE_ID);
    if (cursor !== undefined && !position) {
      throw new JourneysException(JourneysErrorCode.InvalidCursor, 'The "cursor" is not one this API returned');
    }
    const page = await this.instances.atStep(journeyId, stepId, limit, position);
    const contacts = await this.customers.contactsOf(
      undefined,
      page.instances.map((i) => i.customerUuid),
    );
    return {
      customers: page.instances.map((i) => ({
        ...(contacts.get(i.customerUuid) ?? { customerId: null, email: null }),
        instanceKey: i.instanceKey,
        version: i.version,
        enteredAt: i.enteredAt,
        since: i.since,
        nextTimerAt: i.nextTimerAt,
      })),
      nextCursor: page.next ? encodePageCursor(page.next) : null,
    };
  }

  /** A customer's instances with their current state and history; undefined if no such customer. */
  async forCustomer(customerId: string): Promise<CustomerJourneys | undefined> {
    const customer = await this.customers.findByCustomerId(customerId);
    return customer ? this.instances.listForCustomer(customer.id) : undefined;
  }

  jsonSchema(): Record<string, unknown> {
    return z.toJSONSchema(journeyDefinitionSchema, { io: 'input', unrepresentable: 'any' });
  }

  private async transition(
    journeyId: string,
    from: JourneyStatus[],
    to: JourneyStatus,
    verb: string,
  ): Promise<JourneyDetails> {
    await this.journeys.transaction(async (tx) => {
      const journey = await this.require(journeyId, tx);
      if (!from.includes(journey.status)) {
        throw this.lifecycle(journey, verb);
      }
      await this.journeys.setStatus(tx, journeyId, to);
      if (to === 'archived') {
        await this.instances.exitAll(tx, journeyId, 'archived', this.clock.now());
      }
    });
    return this.get(journeyId);
  }

  private async migrate(
    tx: EntityManager,
    journeyId: string,
    from: JourneyVersionRow,
    to: { version: number; compiled: CompiledJourney },
    map: Record<string, string>,
  ): Promise<void> {
    const instances = await this.instances.activeOnVersion(tx, journeyId, from.version);
    const oldResting = new Set(restingSteps(from.definition));
    const newResting = new Set(restingSteps(to.compiled.definition));
    const issues: Array<{ path: string; message: string }> = [];
    for (const [oldStep, newStep] of Object.entries(map)) {
      if (!oldResting.has(oldStep)) {
        issues.push({ path: `migrate.${oldStep}`, message: `version ${from.version} has no wait step "${oldStep}"` });
      }
      if (!newResting.has(newStep)) {
        issues.push({ path: `migrate.${oldStep}`, message: `version ${to.version} has no wait step "${newStep}"` });
      }
    }
    for (const step of new Set(instances.map((i) => i.currentStep ?? ''))) {
      if (!(step in map)) {
        issues.push({
          path: `migrate.${step}`,
          message: `instances wait in "${step}"; map it to a step of version ${to.version}`,
        });
      }
    }
    if (issues.length > 0) {
      throw new JourneysException(
        JourneysErrorCode.InvalidMigration,
        `Invalid migration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        { issues },
      );
    }
    const now = this.clock.now().getTime();
    // Timers on entry read only the profile (time zone, date attributes): no conditions to count for.
    const facts = await this.runtime.facts(tx, [...new Set(instances.map((i) => i.customerUuid))], [], new Date(now));
    const changes = instances.map((instance) => {
      const target = map[instance.currentStep!]!;
      const snapshot = { ...instance.snapshot, value: target };
      // Fails loudly (rolling the publish back) if the new machine cannot hold this snapshot.
      to.compiled.machine.resolveState(snapshot as Parameters<typeof to.compiled.machine.resolveState>[0]);
      const context = instance.snapshot.context as JourneyContext;
      const timer = timerOnEntry(to.compiled, target, context, facts.get(instance.customerUuid)!, now);
      return {
        outcome: {
          instance: { ...instance, version: to.version, snapshot, currentStep: target },
          entered: false,
          triggerUpdated: false,
          history: [
            { kind: 'migrated' as const, stepId: target, reason: `v${from.version}:${instance.currentStep}`, at: now },
          ],
          effects: [],
          timersToSet: [timer],
          timersToCancel: [],
          cancelAllTimers: true,
        },
      };
    });
    await this.instances.saveAll(tx, changes);
  }

  private async require(journeyId: string, tx?: EntityManager): Promise<JourneyRow> {
    const journey = z.uuid().safeParse(journeyId).success ? await this.journeys.find(journeyId, tx) : undefined;
    if (!journey) {
      throw new JourneysException(JourneysErrorCode.JourneyNotFound, `No journey ${journeyId}`);
    }
    return journey;
  }

  private lifecycle(journey: JourneyRow, action: string): JourneysException {
    return new JourneysException(
      JourneysErrorCode.InvalidLifecycleTransition,
      `Journey ${journey.id} is ${journey.status}: cannot ${action} it`,
    );
  }
}
