'use strict';
/**
 * Group "bulkhead": 10 concurrent / 100 queued around a call that settles at once, against
 * cockatiel's bulkhead(10, 100) and p-limit(10).
 * @module benchmark/cases/bulkhead
 */
const { asyncNoop, seqAndBatch } = require('./common');

const group = 'bulkhead';

module.exports = [
  ...seqAndBatch({
    group,
    name: 'bulwark bulkhead.execute',
    lib: 'bulwark',
    setup: () => {
      const { createBulkhead } = require('../../index.js');
      const bulkhead = createBulkhead('bench', 10, 100);
      return () => bulkhead.execute(asyncNoop);
    },
  }),
  ...seqAndBatch({
    group,
    name: 'cockatiel bulkhead.execute',
    lib: 'cockatiel',
    target: 1.5,
    setup: () => {
      const { bulkhead } = require('cockatiel');
      const policy = bulkhead(10, 100);
      return () => policy.execute(asyncNoop);
    },
  }),
  ...seqAndBatch({
    group,
    name: 'p-limit(10)',
    lib: 'p-limit',
    target: 4,
    setup: async () => {
      const { default: pLimit } = await import('p-limit');
      const limit = pLimit(10);
      return () => limit(asyncNoop);
    },
  }),
];
