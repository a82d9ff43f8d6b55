import { DomainException } from '@kizuna/common';

export enum MessagingErrorCode {
  MessageNotFound = 'MESSAGE_NOT_FOUND',
  MessageNotRetryable = 'MESSAGE_NOT_RETRYABLE',
  InvalidRecipient = 'INVALID_RECIPIENT',
  SendingPaused = 'SENDING_PAUSED',
  SendFailed = 'SEND_FAILED',
  InvalidCursor = 'INVALID_MESSAGE_CURSOR',
  SuppressionNotFound = 'SUPPRESSION_NOT_FOUND',
}

export class MessagingException extends DomainException<MessagingErrorCode> {}
