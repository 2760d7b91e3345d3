// The DCEP messages (RFC 8832) live in a module without SwiftNIO, so the fuzzer
// links them without it; DataChannel's users see them as before.
@_exported import DCEP
