SW_AGENT_NAME=orders \
SW_AGENT_COLLECTOR_BACKEND_SERVICES=oap.internal:11800 \
node --import @otel-skywalking/node/register app.mjs
