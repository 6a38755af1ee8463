// Jest's node environment with a faster global: the test's context is made
// with vm.constants.DONT_CONTEXTIFY, so that code in it (the library under
// test included) reads globals such as Math and Float64Array directly, not
// through the interceptors of a contextified sandbox (Jest 30 sandboxes a
// Proxy): a pose-graph solve ran 7x slower under the default environment
// than in plain node. Everything else is Jest's own environment.
'use strict';
const vm = require('node:vm');
const { TestEnvironment } = require('jest-environment-node');

class FastNodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    // Jest's constructor makes its context with vm.createContext(sandbox).
    const createContext = vm.createContext;
    vm.createContext = () => createContext(vm.constants.DONT_CONTEXTIFY);
    try {
      super(config, context);
    } finally {
      vm.createContext = createContext;
    }
  }
}

module.exports = FastNodeEnvironment;
