export { MongoDBInstrumentation } from './instrumentation';
export type {
  MongoCommand,
  MongoDBInstrumentationConfig,
  MongoDBInstrumentationStats,
  MongoResponseHook,
  MongoResponseInfo,
  MongoStatementInfo,
  MongoStatementSerializer,
} from './types';
