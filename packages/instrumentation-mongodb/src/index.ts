export { MongoDBInstrumentation } from './MongoDBInstrumentation';
export type {
  MongoCommand,
  MongoDBInstrumentationConfig,
  MongoDBInstrumentationStats,
  MongoResponseHook,
  MongoResponseInfo,
  MongoStatementInfo,
  MongoStatementSerializer,
} from './types';
