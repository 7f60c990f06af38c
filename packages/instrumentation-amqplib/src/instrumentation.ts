import { diag } from '@opentelemetry/api';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
} from '@opentelemetry/instrumentation';
import {
  wrapCallbackGet,
  wrapConfirmPublish,
  wrapConnect,
  wrapConsume,
  wrapEmit,
  wrapPromiseGet,
  wrapPublish,
  wrapSettle,
  wrapSettleAll,
  type ConfirmChannelClass,
} from './channel-wrappers';
import {
  DEFAULT_CONSUME_TIMEOUT_MILLIS,
  DEFAULT_MAX_UNSETTLED_PER_CHANNEL,
  MessageTracing,
  isPositiveInteger,
  isPositiveNumber,
  type AnyHandler,
} from './message-tracing';
import type { AmqplibInstrumentationConfig, AmqplibInstrumentationStats } from './types';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

/**
 * amqplib versions whose `lib/channel_model.js`, `lib/callback_model.js` and `lib/connect.js` have
 * the shape patched here (0.10 through 2.x share it; 0.10.9 and 2.3 are tested).
 */
export const SUPPORTED_VERSIONS = ['>=0.10.0 <3'];

/** The Channel prototype methods patched, in both the promise and the callback model. */
interface ChannelPrototype {
  publish: AnyHandler;
  consume: AnyHandler;
  get: AnyHandler;
  ack: AnyHandler;
  nack: AnyHandler;
  reject: AnyHandler;
  ackAll: AnyHandler;
  nackAll: AnyHandler;
  emit: AnyHandler;
}

interface ChannelModelExports {
  Channel?: { prototype: ChannelPrototype };
  ConfirmChannel?: ConfirmChannelClass & { prototype: { publish: AnyHandler } };
}

interface ConnectExports {
  connect?: AnyHandler;
}

const CHANNEL_METHODS = ['publish', 'consume', 'get', 'ack', 'nack', 'reject', 'ackAll', 'nackAll', 'emit'] as const;

/**
 * OpenTelemetry instrumentation for amqplib: a PRODUCER span per published message (ending at the
 * broker's confirm on confirm channels) and a CONSUMER span per delivered or fetched message that
 * ends when the message is settled, so its duration covers the handler's asynchronous work.
 */
export class AmqplibInstrumentation extends InstrumentationBase<AmqplibInstrumentationConfig> {
  private readonly tracing = new MessageTracing(
    { tracer: () => this.tracer, config: () => this.getConfig(), enabled: () => this.isEnabled() },
    this._diag,
  );

  constructor(config: AmqplibInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  override setConfig(config: AmqplibInstrumentationConfig = {}): void {
    super.setConfig(config);
    const { maxUnsettledPerChannel } = config;
    const consumeTimeout = config.consumeTimeoutMillis ?? config.consumeTimeoutMs;
    if (consumeTimeout !== undefined && !isPositiveNumber(consumeTimeout)) {
      const name = config.consumeTimeoutMillis === undefined ? 'consumeTimeoutMs' : 'consumeTimeoutMillis';
      diag.warn(`${PACKAGE_NAME}: ${name} must be a positive number; using ${DEFAULT_CONSUME_TIMEOUT_MILLIS}`);
    }
    if (maxUnsettledPerChannel !== undefined && !isPositiveInteger(maxUnsettledPerChannel)) {
      diag.warn(
        `${PACKAGE_NAME}: maxUnsettledPerChannel must be a positive integer; using ${DEFAULT_MAX_UNSETTLED_PER_CHANNEL}`,
      );
    }
  }

  /** A copy of the counters: spans started, unsettled now, how spans ended, hook and internal errors. */
  getStats(): AmqplibInstrumentationStats {
    return this.tracing.getStats();
  }

  /**
   * Package names to hook. amqplib is matched by name; a subclass may add names under which the
   * same code is installed (npm aliases), as the test suite does to run against two majors.
   */
  protected moduleNames(): readonly string[] {
    return ['amqplib'];
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return this.moduleNames().map(
      (name) =>
        new InstrumentationNodeModuleDefinition(name, SUPPORTED_VERSIONS, undefined, undefined, [
          new InstrumentationNodeModuleFile(
            `${name}/lib/connect.js`,
            SUPPORTED_VERSIONS,
            (exports: ConnectExports) => this.patchConnect(exports),
            (exports?: ConnectExports) => this.unpatchConnect(exports),
          ),
          new InstrumentationNodeModuleFile(
            `${name}/lib/channel_model.js`,
            SUPPORTED_VERSIONS,
            (exports: ChannelModelExports, version?: string) => this.patchChannelModel(exports, version, false),
            (exports?: ChannelModelExports) => this.unpatchChannelModel(exports),
          ),
          new InstrumentationNodeModuleFile(
            `${name}/lib/callback_model.js`,
            SUPPORTED_VERSIONS,
            (exports: ChannelModelExports, version?: string) => this.patchChannelModel(exports, version, true),
            (exports?: ChannelModelExports) => this.unpatchChannelModel(exports),
          ),
        ]),
    );
  }

  private patchConnect(exports: ConnectExports): ConnectExports {
    if (typeof exports?.connect !== 'function') {
      this._diag.warn('amqplib lib/connect.js has no connect(); server.address falls back to the socket');
      return exports;
    }
    this.unpatchConnect(exports);
    this._wrap(exports, 'connect', (original) => wrapConnect(original as AnyHandler));
    return exports;
  }

  private unpatchConnect(exports?: ConnectExports): void {
    if (exports !== undefined && isWrapped(exports.connect)) this._unwrap(exports, 'connect');
  }

  private patchChannelModel(
    exports: ChannelModelExports,
    moduleVersion: string | undefined,
    callbackApi: boolean,
  ): ChannelModelExports {
    const proto = exports?.Channel?.prototype;
    if (proto === undefined || CHANNEL_METHODS.some((name) => typeof proto[name] !== 'function')) {
      this._diag.warn(`amqplib ${moduleVersion ?? '?'}: Channel does not have the expected methods; not instrumented`);
      return exports;
    }
    this.unpatchChannelModel(exports);
    const tracing = this.tracing;
    const confirmChannel = exports.ConfirmChannel;
    this._wrap(proto, 'publish', (original) => wrapPublish(tracing, original, confirmChannel, moduleVersion));
    if (confirmChannel !== undefined && typeof confirmChannel.prototype.publish === 'function') {
      this._wrap(confirmChannel.prototype, 'publish', (original) => wrapConfirmPublish(tracing, original, moduleVersion));
    }
    this._wrap(proto, 'consume', (original) => wrapConsume(tracing, original, moduleVersion));
    this._wrap(proto, 'get', (original) =>
      callbackApi ? wrapCallbackGet(tracing, original, moduleVersion) : wrapPromiseGet(tracing, original, moduleVersion),
    );
    this._wrap(proto, 'ack', (original) => wrapSettle(tracing, original, 'ack'));
    this._wrap(proto, 'nack', (original) => wrapSettle(tracing, original, 'nack'));
    this._wrap(proto, 'reject', (original) => wrapSettle(tracing, original, 'reject'));
    this._wrap(proto, 'ackAll', (original) => wrapSettleAll(tracing, original, 'ackAll'));
    this._wrap(proto, 'nackAll', (original) => wrapSettleAll(tracing, original, 'nackAll'));
    this._wrap(proto, 'emit', (original) => wrapEmit(tracing, original));
    return exports;
  }

  private unpatchChannelModel(exports?: ChannelModelExports): void {
    const proto = exports?.Channel?.prototype;
    if (proto !== undefined) {
      for (const name of CHANNEL_METHODS) if (isWrapped(proto[name])) this._unwrap(proto, name);
    }
    const confirmProto = exports?.ConfirmChannel?.prototype;
    if (confirmProto !== undefined && isWrapped(confirmProto.publish)) this._unwrap(confirmProto, 'publish');
  }
}
