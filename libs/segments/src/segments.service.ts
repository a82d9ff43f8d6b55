import { Injectable } from '@nestjs/common';
import { Clock, decodePageCursor, encodePageCursor, parseOrThrow } from '@kizuna/common';
import { CustomerFactsLoader, CustomerRepository } from '@kizuna/customers';
import { UnitOfWork } from '@kizuna/database';
import { matchesRule, segmentRuleSchema } from '@kizuna/rules';
import { z } from 'zod';
import type { Segment } from './segment.entity';
import { SegmentRepository, type SegmentMember } from './segment.repository';
import { SegmentsErrorCode, SegmentsException } from './segments.exception';

export interface MemberPage {
  members: SegmentMember[];
  /** Pass as `before` for the next (earlier entries) page; null on the last page. */
  nextCursor: string | null;
}

const CUSTOMER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const createSegmentSchema = z
  .object({
    key: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'lower-case letters, digits, - and _; up to 100 characters'),
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).nullable().optional(),
    rule: segmentRuleSchema,
  })
  .strict();

export const updateSegmentSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).nullable().optional(),
    rule: segmentRuleSchema.optional(),
  })
  .strict();

export interface SegmentPreview {
  /** Customers looked at (the preview stops at `limit`). */
  evaluated: number;
  matched: number;
  sample: Array<{ customerId: string | null; email: string | null }>;
}

const PREVIEW_LIMIT = 10_000;

@Injectable()
export class SegmentsService {
  constructor(
    private readonly segments: SegmentRepository,
    private readonly customers: CustomerRepository,
    private readonly facts: CustomerFactsLoader,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
  ) {}

  async create(body: unknown): Promise<Segment> {
    const input = parseOrThrow(createSegmentSchema, body);
    const created = await this.segments.create({ ...input, description: input.description ?? null });
    if (!created) {
      throw new SegmentsException(
        SegmentsErrorCode.SegmentKeyTaken,
        `A segment with key "${input.key}" already exists`,
      );
    }
    return created;
  }

  list(): Promise<Segment[]> {
    return this.segments.list();
  }

  /** Active segments with their member counts (one query). */
  listWithCounts(): Promise<Array<{ segment: Segment; memberCount: number }>> {
    return this.segments.listWithCounts();
  }

  async get(id: string): Promise<Segment> {
    const segment = await this.segments.findById(id);
    if (!segment || segment.archivedAt) {
      throw new SegmentsException(SegmentsErrorCode.SegmentNotFound, `No segment with id ${id}`);
    }
    return segment;
  }

  async update(id: string, body: unknown): Promise<Segment> {
    const changes = parseOrThrow(updateSegmentSchema, body);
    await this.get(id);
    await this.segments.update(id, changes);
    return this.get(id);
  }

  async archive(id: string): Promise<void> {
    await this.get(id);
    await this.segments.archive(id);
  }

  async count(id: string): Promise<{ count: number; ready: boolean }> {
    const segment = await this.get(id);
    return { count: await this.segments.countMembers(id), ready: segment.ready };
  }

  async members(id: string, limit: number, before: string | undefined): Promise<MemberPage> {
    await this.get(id);
    const position = before === undefined ? undefined : decodePageCursor(before, CUSTOMER_UUID);
    if (before !== undefined && !position) {
      throw new SegmentsException(SegmentsErrorCode.InvalidCursor, 'The "before" cursor is not one this API returned');
    }
    const page = await this.segments.members(id, limit, position);
    const contacts = await this.customers.contactsOf(
      undefined,
      page.members.map((m) => m.customerUuid),
    );
    return {
      members: page.members.map((m) => ({
        ...(contacts.get(m.customerUuid) ?? { customerId: null, email: null }),
        enteredAt: m.enteredAt,
      })),
      nextCursor: page.next ? encodePageCursor(page.next) : null,
    };
  }

  /** Evaluates an unsaved rule against existing customers (the first PREVIEW_LIMIT of them). */
  async preview(body: unknown): Promise<SegmentPreview> {
    const { rule } = parseOrThrow(z.object({ rule: segmentRuleSchema }).strict(), body);
    const now = this.clock.now();
    return this.uow.run('REPEATABLE READ', async (tx) => {
      let evaluated = 0;
      let matched = 0;
      const sample: SegmentPreview['sample'] = [];
      let after: string | null = null;
      while (evaluated < PREVIEW_LIMIT) {
        const page = await this.customers.uuidPage(tx, after, 500);
        if (page.length === 0) {
          break;
        }
        const found = new Map((await this.customers.findByUuids(tx, page)).map((c) => [c.id, c]));
        const customers = page.flatMap((uuid) => found.get(uuid) ?? []);
        const facts = await this.facts.load(
          tx,
          customers.map((c) => c.id),
          [rule],
          now,
        );
        for (const customer of customers) {
          evaluated++;
          if (matchesRule(rule, { customer: facts.get(customer.id)!, now: now.getTime() })) {
            matched++;
            if (sample.length < 20) {
              sample.push({ customerId: customer.customerId, email: customer.email });
            }
          }
        }
        after = page[page.length - 1]!;
      }
      return { evaluated, matched, sample };
    });
  }
}
