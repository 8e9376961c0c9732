// SHA-256 lives in VigilCore (rule content hashes here, downloaded rule packages there); this name keeps
// the store's code and tests unchanged.
import VigilCore

typealias SHA256 = VigilCore.SHA256
