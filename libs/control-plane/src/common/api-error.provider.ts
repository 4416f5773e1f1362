import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { ApiErrorBody } from '@portico/control-plane-client';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { CP_LOGGER } from '../injection';
import { ConflictError, InvalidRequestError, NotFoundError, errorBody, reasonPhrase } from './api-errors';

/**
 * Every error of the API leaves as an ApiErrorBody: `statusCode`, `error`, one-line `message`
 * and, for a 400, the `fields` that were wrong. Unexpected errors are logged with their stack
 * and answered with a generic 500, so that no internal detail (or secret) reaches the caller.
 */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  constructor(@Inject(CP_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="portico"');
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ApiErrorBody {
    if (exception instanceof InvalidRequestError)
      return errorBody(400, exception.message, exception.problems);
    if (exception instanceof NotFoundError) return errorBody(404, exception.message);
    if (exception instanceof ConflictError) return errorBody(409, exception.message);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      if (typeof raw === 'string') return errorBody(status, raw);
      const shaped = raw as Partial<ApiErrorBody> & { message?: unknown };
      const message = Array.isArray(shaped.message)
        ? shaped.message.map(String).join('; ')
        : typeof shaped.message === 'string'
          ? shaped.message
          : reasonPhrase(status);
      return errorBody(status, message, Array.isArray(shaped.fields) ? shaped.fields : undefined);
    }
    this.logger.error({ err: exception }, 'control-plane request failed');
    return errorBody(500, 'internal error; the control plane log has the details');
  }
}
