/**
 * Where a bad value came from. Every field is optional because an error may concern a whole
 * file (no key) or a layer that has no file (node settings).
 */
export interface ConfigErrorDetails {
  readonly key?: string;
  readonly layer?: string;
  readonly file?: string;
  readonly line?: number;
  readonly allowed?: string;
}

/** An error whose one-line message is the whole story for an operator, with structured details. */
abstract class OperatorConfigError extends Error implements ConfigErrorDetails {
  readonly key?: string;
  readonly layer?: string;
  readonly file?: string;
  readonly line?: number;
  readonly allowed?: string;

  constructor(message: string, details: ConfigErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    Object.assign(this, stripUndefined(details));
  }
}

/**
 * The local configuration (config.ini, PORTICO_* variables, --config) cannot be used.
 * The message is one line and is the whole story for an operator; it never holds a secret.
 */
export class ConfigError extends OperatorConfigError {}

/** A setting value is unknown, of the wrong type, out of range, or set in a layer that may not set it. */
export class SettingsError extends OperatorConfigError {}

function stripUndefined(details: ConfigErrorDetails): ConfigErrorDetails {
  return Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
}
