import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomerRepository } from '@kizuna/customers';
import { retryOnDeadlock, UnitOfWork } from '@kizuna/database';
import type { EntityManager } from 'typeorm';
import { MessageEngagementRepository } from '../messages/message-engagement.repository';
import {
  OrderAttributionRepository,
  type AppliedOrder,
  type AttributionContext,
} from '../messages/order-attribution.repository';
import { AnalyticsSettingsRepository } from '../settings/analytics-settings.repository';
import { ShopRollupsReader } from '../shop/shop-rollups.reader';
import { AnalyticsRebuildRepository } from './analytics-rebuild.repository';

/** Messages per transaction: a short lock on a thousand rows at most. */
const MESSAGE_BATCH = 1000;
/** Customers per transaction, with their orders and messages. */
const CUSTOMER_BATCH = 200;

/** How far a pass has come (0–1) and how many rows it has done. */
export type RebuildProgress = (fraction: number, done: number) => void;

export interface MessagesRebuilt {
  read: number;
  /** Filed under another shop day. */
  rekeyed: number;
  /** Whose summary (opened, clicked, unsubscribed, complained) changed. */
  reclassified: number;
}

export interface OrdersRebuilt {
  customers: number;
  /** Orders decided again. */
  orders: number;
  /** Orders now credited to another message than before, or to one where none was, or the reverse. */
  moved: number;
}

export interface ShopRollupsRebuilt {
  /** False when they were already built for the shop's calendar and windows. */
  rebuilt: boolean;
  timeZone: string;
  currency: string;
}

/**
 * `kizuna analytics rebuild` (docs/analytics.md, "Reading, rebuilding, scaling"): after a change
 * of SHOP_TIMEZONE or of an engagement or attribution setting, the message figures of the past
 * still have the day keys, verdicts and credits they were made with. This recomputes them from
 * the stored facts with the current settings, by the code the live path uses, so that they are
 * what the engine would have written had the settings always been these:
 *
 * - `messages`: each message filed under the shop day of its creation in SHOP_TIMEZONE, and its
 *   summary reclassified from its hits (`MessageEngagementRepository.reclassify`: `classifyHits`,
 *   as the tracking endpoints do). The rollup trigger on outbox_messages moves `message_daily`.
 * - `orders`: per batch of customers under the customer lock (the one serialisation point per
 *   customer, so no inbox batch applies their orders meanwhile), every decision withdrawn and every
 *   order decided again with `OrderAttributionRepository.ordersApplied`, as if each were placed now
 *   with every touch on record (a touch recorded after its order was first applied counts now).
 * - `shopRollups`: the shop's order rollups, which rebuild themselves on a change anyway.
 *
 * Each batch is its own short transaction, so the engine keeps running; a batch that meets the
 * engine's work in a deadlock is run again. Reports read in the middle of a pass mix old and new
 * figures; every figure is exact once the pass is over. Running it again changes nothing.
 * Entries (`entry_daily`) belong to the journeys lib, which rebuilds them (LiftService).
 */
@Injectable()
export class AnalyticsRebuildService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly rebuild: AnalyticsRebuildRepository,
    private readonly engagements: MessageEngagementRepository,
    private readonly attributions: OrderAttributionRepository,
    private readonly customers: CustomerRepository,
    private readonly settings: AnalyticsSettingsRepository,
    private readonly shopRollupsReader: ShopRollupsReader,
    private readonly config: KizunaConfig,
  ) {}

  get timeZone(): string {
    return this.config.shop.timeZone;
  }

  /** Every message re-keyed to the shop's time zone and reclassified with the current thresholds. */
  async messages(progress?: RebuildProgress): Promise<MessagesRebuilt> {
    const thresholds = (await this.settings.current()).engagement;
    const done: MessagesRebuilt = { read: 0, rekeyed: 0, reclassified: 0 };
    for (let after: string | null = null; ;) {
      const ids = await this.rebuild.messageIdsAfter(after, MESSAGE_BATCH);
      if (ids.length === 0) {
        break;
      }
      const batch = await this.batch(async (tx) => ({
        rekeyed: await this.rebuild.rekeyMessages(tx, ids, this.timeZone),
        reclassified: await this.engagements.reclassify(tx, ids, thresholds),
      }));
      done.read += ids.length;
      done.rekeyed += batch.rekeyed;
      done.reclassified += batch.reclassified;
      after = ids[ids.length - 1]!;
      progress?.(keySpaceFraction(after), done.read);
    }
    return done;
  }

  /** Every order's credit decided again with the current attribution settings. */
  async orders(progress?: RebuildProgress): Promise<OrdersRebuilt> {
    const settings = await this.settings.current();
    const context: AttributionContext = {
      attribution: settings.attribution,
      engagement: settings.engagement,
      shopCurrency: this.config.shop.currency,
    };
    const done: OrdersRebuilt = { customers: 0, orders: 0, moved: 0 };
    const add = (part: OrdersRebuilt) => {
      done.customers += part.customers;
      done.orders += part.orders;
      done.moved += part.moved;
    };
    for (let after: string | null = null; ;) {
      const page = await this.rebuild.customersAfter(after, CUSTOMER_BATCH);
      if (page.length === 0) {
        break;
      }
      // Customers an inbox batch holds now are skipped rather than waited for while holding the
      // rest (holding a page of customer locks while waiting for one more is how a deadlock with
      // the engine's batches begins), then done one by one, waiting for each.
      const { part, busy } = await this.batch(async (tx) => {
        const held = await this.customers.lock(tx, page, 'skip-locked');
        const taken = new Set(held);
        return { part: await this.reattribute(tx, held, context), busy: page.filter((c) => !taken.has(c)) };
      });
      add(part);
      for (const customer of busy) {
        // A customer no longer there (erased) is not locked and has nothing left to decide.
        add(await this.batch(async (tx) => this.reattribute(tx, await this.customers.lock(tx, [customer]), context)));
      }
      after = page[page.length - 1]!;
      progress?.(keySpaceFraction(after), done.customers);
    }
    return done;
  }

  /** The shop's order rollups made ready for the shop's calendar and churn window (ShopRollupsReader). */
  async shopRollups(): Promise<ShopRollupsRebuilt> {
    const before = await this.shopRollupsReader.rollups.shape();
    await this.shopRollupsReader.ready();
    const after = await this.shopRollupsReader.rollups.shape();
    return {
      rebuilt: JSON.stringify(before) !== JSON.stringify(after),
      timeZone: this.timeZone,
      currency: this.config.shop.currency,
    };
  }

  /** The locked customers' decisions withdrawn and their orders decided again, placed first to last. */
  private async reattribute(
    tx: EntityManager,
    customerUuids: string[],
    context: AttributionContext,
  ): Promise<OrdersRebuilt> {
    if (customerUuids.length === 0) {
      return { customers: 0, orders: 0, moved: 0 };
    }
    const before = await this.attributions.decisionsOf(tx, customerUuids);
    await this.attributions.withdraw(tx, customerUuids);
    const keys = await this.rebuild.orderKeysOf(tx, customerUuids);
    const orders = await this.customers.orders(tx, keys);
    await this.attributions.ordersApplied(
      tx,
      keys.flatMap(({ customerUuid, orderId }): AppliedOrder[] => {
        const order = orders.get(`${customerUuid}:${orderId}`);
        return order ? [{ customerUuid, order, placed: true }] : [];
      }),
      context,
    );
    const after = await this.attributions.decisionsOf(tx, customerUuids);
    let moved = 0;
    for (const key of new Set([...before.keys(), ...after.keys()])) {
      if ((before.get(key) ?? null) !== (after.get(key) ?? null)) {
        moved++;
      }
    }
    return { customers: customerUuids.length, orders: keys.length, moved };
  }

  /** One short transaction; one that deadlocks with the engine's own work is run again. */
  private batch<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return retryOnDeadlock(() => this.uow.run(work));
  }
}

/**
 * How far through the key space a pass in uuid order is: ids are random (gen_random_uuid), so the
 * last one's place among all uuids estimates the share done without counting the rows first.
 */
function keySpaceFraction(uuid: string): number {
  return Number.parseInt(uuid.slice(0, 8), 16) / 2 ** 32;
}
