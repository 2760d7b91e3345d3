// DTLS hands out SRTP types (`SRTPProfile`, `SRTPKeyingMaterial`, `DTLSRole`)
// in its public API; re-export the module so `import DTLS` is enough.
@_exported import SRTP
