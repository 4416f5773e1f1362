// The logger the object store writes to: pino's (object, message) shape, so a node passes its
// own pino logger. Nothing logged here ever contains a credential.

export interface ObjectStoreLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export const SILENT_LOGGER: ObjectStoreLogger = { info: () => undefined, warn: () => undefined };
