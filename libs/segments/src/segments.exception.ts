import { DomainException } from '@kizuna/common';

export enum SegmentsErrorCode {
  SegmentNotFound = 'SEGMENT_NOT_FOUND',
  SegmentKeyTaken = 'SEGMENT_KEY_TAKEN',
  InvalidCursor = 'INVALID_SEGMENT_CURSOR',
}

export class SegmentsException extends DomainException<SegmentsErrorCode> {}
