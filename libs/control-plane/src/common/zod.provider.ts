import { HttpException, Injectable, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { describeProblems, errorBody, zodProblems } from './api-errors';

/**
 * Validates a request body, query or path parameter with a contract schema; a failure is a
 * 400 whose `fields` name every bad field (path and message).
 */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    /** 'body', 'query', or the name of the path parameter (used as the field path). */
    private readonly where: string = 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const problems = zodProblems(
      result.error,
      this.where === 'body' || this.where === 'query' ? '' : this.where,
    );
    throw new HttpException(errorBody(400, describeProblems(problems), problems), 400);
  }
}

const Uuid = z.uuid({ error: 'must be a UUID' });

/** A path parameter that must be a UUID (every id is one); reported under the parameter's name. */
@Injectable()
export class UuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: { data?: string }): string {
    return new ZodPipe(Uuid, metadata.data ?? 'id').transform(value);
  }
}
