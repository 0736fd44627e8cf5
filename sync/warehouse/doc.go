// Package warehouse is the reference provincial shared data warehouse
// (Kho dữ liệu dùng chung, reached through the province's LGSP): the
// server side of the wallet protocol (sync/protocol). It is what
// `make run` starts for the demo and what the sync tests run against on
// loopback. No public API of the real warehouse exists; this package
// defines the wallet-facing one.
//
// # Data
//
// The province's base data comes from a Source: every citizen and the
// records the agencies issued to them. The demo Source (package demo) is
// a deterministic function of a seed and a citizen's index, so the server
// stores only:
//
//   - the keys: the province's root key (it signs the trust list) and one
//     key per agency, generated on first start (ES256 and EdDSA alternate);
//   - the citizen index: citizen number -> index in the Source;
//   - the changes made after generation (issue, correct, withdraw), which
//     continue each citizen's feed after the Source's records;
//   - enrolled devices, single-use enrolment codes, the request-id replay
//     cache (entries expire), credentials issued per device, consent
//     revocations and the access log.
//
// So 100 000 citizens cost 100 000 small index keys, and a first start
// takes seconds. The Source's description (seed, size, generator version)
// is stored too; opening the store with another is refused, because the
// stored changes and every device's cursor depend on it.
//
// # Change feed
//
// A citizen's feed is every record version in order: seq 1..n from the
// Source, then the stored changes. The cursor is the last seq the wallet
// has stored, as decimal text (opaque to the client). Each record version
// is issued to the requesting device as an SD-JWT bound to its key
// (sync/credential) the first time it is served and kept, so a page
// fetched again is byte-identical.
//
// # Requests
//
// Enrolment (POST /v1/enrol) needs a single-use code made for the citizen
// (EnrolmentCode; 50 random bits, 15 minutes), standing in for a VNeID
// level-2 login. An unknown, used, expired or other citizen's code all get
// the same answer. Every other request except the public trust list is
// signed by an enrolled device key (protocol.RequestClaims): the device is
// the JWS kid; method, path and query, and the body's hash must match;
// iat within Config.ClockSkew either way; the request id is refused if
// seen before (kept for twice the skew plus a minute). Responses are
// JSON, gzip'ed when the client accepts it; errors are protocol.Error.
//
// The admin API (AdminHandler) stands in for the agencies' systems:
// enrolment codes, issue, correct and withdraw. cmd/warehouse serves it on
// loopback only.
package warehouse
