import type { Logger } from '@nestjs/common';
import { inParallel } from '@kizuna/common';
import { isDatabaseUnreachable } from '@kizuna/database';
import type { DeliveryRepository, LeasedMessage } from './delivery.repository';
import { LeaseKeeper } from './lease-keeper';

export interface DeliveryLanes<M extends LeasedMessage> {
  /** The claimed batch, in claim order. */
  claimed: M[];
  /** Messages with the same key go one after the other, in claim order (a customer's email). */
  oneAfterAnother?: (message: M) => string;
  /** Lanes, each delivering one group at a time (DELIVERY_CONCURRENCY). */
  concurrency: number;
  leaseSeconds: number;
  deliver: (message: M) => Promise<void>;
  /** Another claim took the message over before it was delivered: it is theirs now. */
  leaseLost: (message: M) => void;
  /** Logged, with the message id, when delivering one message failed for another reason. */
  failure: string;
  logger: Logger;
}

/**
 * Delivers one claimed batch of email or webhook calls (both claim at once and send a few at a
 * time). A LeaseKeeper keeps the leases of the messages still waiting for a lane (decision 0013);
 * one that was taken over meanwhile is not delivered from here. A message's failure is its own:
 * logged, and the batch goes on. Only the database can fail there; when it was unreachable the
 * batch still finishes, and the error is thrown once at the end (one report for the batch, not
 * one per message), leaving the leases to bring the messages back.
 */
export async function deliverInLanes<M extends LeasedMessage>(
  repository: DeliveryRepository,
  lanes: DeliveryLanes<M>,
): Promise<void> {
  const lease = new LeaseKeeper(repository, lanes.claimed, lanes.leaseSeconds, lanes.logger);
  let unreachable: Error | undefined;
  try {
    await inParallel(groupsOf(lanes), lanes.concurrency, async (group) => {
      for (const message of group) {
        try {
          if (lease.holds(message.id)) {
            await lanes.deliver(message);
          } else {
            lanes.leaseLost(message);
          }
        } catch (error) {
          if (isDatabaseUnreachable(error)) {
            unreachable = error as Error;
          } else {
            lanes.logger.error({ msg: lanes.failure, messageId: message.id, err: String(error) });
          }
        } finally {
          lease.release(message.id);
        }
      }
    });
  } finally {
    await lease.stop();
  }
  if (unreachable !== undefined) {
    throw unreachable;
  }
}

function groupsOf<M extends LeasedMessage>({ claimed, oneAfterAnother }: DeliveryLanes<M>): M[][] {
  if (!oneAfterAnother) {
    return claimed.map((message) => [message]);
  }
  const groups = new Map<string, M[]>();
  for (const message of claimed) {
    const key = oneAfterAnother(message);
    const group = groups.get(key);
    if (group) {
      group.push(message);
    } else {
      groups.set(key, [message]);
    }
  }
  return [...groups.values()];
}
