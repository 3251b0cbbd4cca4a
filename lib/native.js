'use strict';
/**
 * The native addon, loaded once through the loader `napi build` generates (`binding.js`).
 * @module native
 */
module.exports = require('../binding.js');
