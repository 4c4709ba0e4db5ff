import nock from 'nock'

// Nothing in the unit suite may reach a network, not even loopback: every peer is a nock scope.
export const mochaHooks = {
  afterAll() {
    nock.enableNetConnect()
  },
  afterEach() {
    nock.cleanAll()
    // A reply a test held back (a silent node) is not left on a timer that keeps the run alive after the last test.
    nock.abortPendingRequests()
    // A test that let loopback through (a real socket fault) does not leave it open for the next.
    nock.disableNetConnect()
  },
  beforeAll() {
    nock.disableNetConnect()
    process.env.AWS_ACCESS_KEY_ID = 'AKIDUNITTEST'
    process.env.AWS_SECRET_ACCESS_KEY = 'unit-test-secret-key'
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
    delete process.env.AWS_PROFILE
  },
}
