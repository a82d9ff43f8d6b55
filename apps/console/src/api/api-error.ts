/** The api's error body: `{ statusCode, code, message, details?, requestId }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful answer; an ApiError for any other. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) {
    return data as T;
  }
  const body = (error ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
  throw new ApiError(
    response.status,
    typeof body.code === 'string' ? body.code : 'HTTP_' + String(response.status),
    typeof body.message === 'string' ? body.message : response.statusText,
    typeof body.details === 'object' && body.details !== null ? (body.details as Record<string, unknown>) : undefined,
  );
}
