// Demo back-end (express): GET /orders/:id reads or creates the order in MongoDB and, when RabbitMQ
// is reachable, publishes an "order viewed" message. GET /orders/fail makes MongoDB refuse a
// duplicate key, which the service answers with 500.
'use strict';
const express = require('express');
const log = require('./logger.cjs');
const { MongoClient } = require('mongodb');

async function main() {
  const mongo = new MongoClient(process.env.MONGODB_URL, { maxPoolSize: 5 });
  await mongo.connect();
  const orders = mongo.db('demo').collection('orders');

  let channel;
  if (process.env.AMQP_URL) {
    const amqp = require('amqplib');
    const connection = await amqp.connect(process.env.AMQP_URL);
    channel = await connection.createConfirmChannel();
    await channel.assertQueue(process.env.AMQP_QUEUE, { durable: false });
    process.on('SIGTERM', () => connection.close().catch(() => undefined));
  }

  const app = express();
  app.get('/orders/fail', async (_req, res) => {
    try {
      await orders.insertOne({ _id: 'duplicate' });
      await orders.insertOne({ _id: 'duplicate' });
      res.json({ ok: true });
    } catch (err) {
      log.error({ err }, 'order could not be stored');
      res.status(500).json({ error: err.message });
    }
  });
  app.get('/orders/:id', async (req, res) => {
    let order = await orders.findOne({ _id: req.params.id });
    if (!order) {
      order = { _id: req.params.id, item: `item-${req.params.id}`, quantity: 1 };
      await orders.insertOne(order);
      log.info({ order: order._id }, 'order created');
    } else {
      log.info({ order: order._id }, 'order found');
    }
    if (channel) {
      channel.sendToQueue(process.env.AMQP_QUEUE, Buffer.from(JSON.stringify({ order: order._id })));
      await channel.waitForConfirms();
    }
    res.json(order);
  });

  const server = app.listen(0, '127.0.0.1', () =>
    process.stdout.write(JSON.stringify({ ready: 'backend', port: server.address().port }) + '\n'),
  );
  process.on('SIGTERM', () => {
    server.close();
    mongo.close().catch(() => undefined);
  });
}

main().catch((err) => {
  console.error('backend failed to start:', err);
  process.exit(1);
});
