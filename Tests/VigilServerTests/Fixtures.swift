// Test data for this target comes from the shared test support: reports from hand-made rules over the
// example inventory, a saved store and the `vigil` binary for `vigil serve`.
import VigilTestSupport

typealias Fixtures = CoverageFixtures
