import { DomainException } from '@kizuna/common';

export enum SegmentsErrorCode {
  SegmentNotFound = 'SEGMENT_NOT_FOUND',
  SegmentKeyTaken = 'SEGMENT_KEY_TAKEN',
}

export class SegmentsException extends DomainException<SegmentsErrorCode> {}
