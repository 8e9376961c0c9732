// Test data for this target comes from the shared test support: reports from hand-made rules over the
// example inventory, scratch stores under /tmp and the `vigil` binary for tests that need a real second process.
import VigilTestSupport

typealias Fixtures = CoverageFixtures
