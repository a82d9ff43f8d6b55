import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomerRepository } from '@kizuna/customers';
import { EventIngestService, EventsErrorCode, EventsException } from '@kizuna/events';
import { LinkTokenSigner, type RecipientProfile } from '@kizuna/messaging';

export const NPS_SCORES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;

/** One NPS answer link in an email. */
export interface NpsLink {
  score: number;
  url: string;
}

/** What a verified NPS token says: who answers, for which journey instance, what score. */
export interface NpsAnswer {
  customerId: string | null;
  email: string | null;
  journeyId: string;
  instanceKey: string;
  score: number;
}

/**
 * Net Promoter Score links: a journey's email gets eleven links (`npsLinks`, scores 0-10), each
 * a token signed with the link signer (purpose "nps") binding the customer, the journey
 * instance and the score, so an answer cannot be forged or moved to someone else. Following one
 * shows the answer page (the score preselected, a comment box); only its POST records
 * `nps.responded` { score, comment, journeyId, instanceKey } and sets the profile attribute
 * `npsScore`, which journeys branch on (`{ attribute: npsScore, op: lte, value: 6 }`). A link
 * scanner that fetches all eleven links records nothing.
 */
@Injectable()
export class NpsSurvey {
  private readonly base: string;

  constructor(
    private readonly signer: LinkTokenSigner,
    private readonly ingest: EventIngestService,
    private readonly customers: CustomerRepository,
    config: KizunaConfig,
  ) {
    this.base = config.http.publicUrl;
  }

  /** The links for a journey message, or none for a message no journey sent (a test send). */
  links(customer: RecipientProfile, payload: Record<string, unknown>): NpsLink[] | undefined {
    const journeyId = payload.journeyId;
    const instanceKey = payload.instanceKey ?? '';
    if (typeof journeyId !== 'string' || typeof instanceKey !== 'string') {
      return undefined;
    }
    if (customer.customerId === null && !customer.email) {
      return undefined;
    }
    return NPS_SCORES.map((score) => ({
      score,
      url: `${this.base}/n/${this.signer.sign('nps', {
        c: customer.customerId ?? '',
        e: customer.customerId === null ? (customer.email ?? '') : '',
        j: journeyId,
        k: instanceKey,
        s: String(score),
      })}`,
    }));
  }

  /** The answer in a verified token payload, or undefined when it is not an NPS answer. */
  static answerOf(payload: Record<string, string>): NpsAnswer | undefined {
    const score = Number(payload.s);
    if (!payload.j || payload.k === undefined || !Number.isInteger(score) || score < 0 || score > 10) {
      return undefined;
    }
    if (!payload.c && !payload.e) {
      return undefined;
    }
    return {
      customerId: payload.c || null,
      email: payload.e || null,
      journeyId: payload.j,
      instanceKey: payload.k,
      score,
    };
  }

  /** The language of the answer page: Japanese for a customer whose locale is Japanese, else English. */
  async languageOf(answer: NpsAnswer): Promise<'en' | 'ja'> {
    const locale = await this.customers.localeOf(answer);
    return locale?.toLowerCase().startsWith('ja') ? 'ja' : 'en';
  }

  /**
   * Records the answer as a system event. One event per (instance, score, comment): submitting
   * the same answer twice is one answer; another score or comment later is a new answer (journeys
   * take the first; the NPS report the latest).
   */
  async record(answer: NpsAnswer, comment?: string): Promise<void> {
    const said = comment?.trim() ? comment.trim() : undefined;
    const commentKey = said === undefined ? '' : `:${createHash('sha256').update(said).digest('hex').slice(0, 16)}`;
    try {
      await this.ingest.ingest('system', [
        {
          path: 'nps.responded',
          input: {
            name: 'nps.responded',
            ...(answer.customerId !== null ? { customerId: answer.customerId } : { email: answer.email }),
            messageId: `nps:${answer.journeyId}:${answer.instanceKey}:${answer.score}${commentKey}`,
            traits: { npsScore: answer.score },
            properties: {
              score: answer.score,
              ...(said === undefined ? {} : { comment: said }),
              journeyId: answer.journeyId,
              instanceKey: answer.instanceKey,
            },
          },
        },
      ]);
    } catch (error) {
      // The same link followed again (its event carries a new timestamp): already recorded.
      if (!(error instanceof EventsException && error.code === EventsErrorCode.IdempotencyConflict)) {
        throw error;
      }
    }
  }
}
