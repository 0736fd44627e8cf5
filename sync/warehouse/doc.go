// Package warehouse is the provincial shared data warehouse's
// wallet-facing service (Kho dữ liệu dùng chung, reached through the
// province's LGSP): the server side of the wallet protocol
// (sync/protocol), and the ingestion API through which agencies' systems
// issue, correct and withdraw records. cmd/warehouse runs it; `make run`
// embeds it for the demo, and the sync tests run it on loopback.
//
// # Parts
//
//   - Store (store.go) keeps everything but private keys: citizens, the
//     change feed, devices, codes, the replay cache, issued credentials,
//     revocations, redemptions, the access log, agencies and public keys.
//     sync/warehouse/embedded (badger, one process, zero setup) and
//     sync/warehouse/postgres (any number of API processes on one
//     PostgreSQL) implement it; sync/warehouse/storetest is the suite both
//     run.
//   - KeyStore (keystore.go) holds the root key (it signs the trust list)
//     and the agencies' signing keys; FileKeys keeps them in a directory.
//   - Server: the HTTP handlers. It keeps nothing in memory that another
//     process needs; what it caches (the agencies, the directory of
//     offices, the signed trust list) it re-reads when the store's
//     trust-list version moves.
//
// # Data
//
// Records are stored, not derived: each enters through Ingest (the
// agencies' batches, protocol.PathIngest) or, for a first load, through
// Load (the bulk path; a Dataset such as the demo province), checked the
// same way: the record-type registry, the credential format, the size
// its credential will have (credential.MaxBytes), and that the agency
// writes only its own records.
//
// # Change feed
//
// A citizen's feed is every record version in order: seq 1, 2, 3 … given
// by the store inside the transaction that stores the version, so
// concurrent writers can neither skip, repeat nor lose one. The cursor is
// the last seq the wallet has stored, as decimal text (opaque to the
// client). A page reads only the entries after the cursor; a sync with
// nothing new reads the citizen's head and nothing else. Each record
// version is issued to the requesting device as an SD-JWT bound to its
// key (sync/credential) the first time it is served and kept, so a page
// fetched again is byte-identical until the kept credential is due for a
// re-issue (near its exp, or signed by a compromised key): then it is
// signed afresh and kept in place of the old one (lifecycle.go).
//
// # Requests
//
// Enrolment (POST /v1/enrol) needs a single-use code made for the citizen
// (EnrolmentCode; 50 random bits, 15 minutes, kept only as a hash),
// standing in for a VNeID level-2 login. An unknown, used, expired or
// other citizen's code all get the same answer. Every other request
// except the public trust list, the revocation list and online-token
// redemption is signed (protocol.RequestClaims): by an enrolled device
// key ("Device"), or by an agency's registered client key ("Agency").
// The signature and claims are checked from the headers before the body
// is read; then the body's hash, and last the request id, which the
// store refuses if it saw it before (kept for twice the skew plus a
// minute, shared by every process). Responses are JSON, gzip'ed when the
// client accepts it; errors are protocol.Error.
//
// The admin API (AdminHandler) serves the province's operators: citizens,
// enrolment codes, issue, correct and withdraw (as the record's agency),
// devices, agency key rotation, the directory of offices (SetOffices:
// the recipients citizens pick by name, carried in the trust list).
// cmd/warehouse serves it on loopback only.
package warehouse
