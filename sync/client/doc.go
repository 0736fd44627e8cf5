// Package client is the wallet's side of the warehouse protocol
// (sync/protocol), over resty: enrolment of the profile's device key,
// the trust list (fetched, verified against the province's root key,
// cached for offline use, never rolled back), the change feed, consent
// revocations and the access log.
//
// # Requests
//
// Every request after enrolment is signed by the device key
// (protocol.SignRequest): a JWT over method, path and query, time, a fresh
// random id and the body's hash. Retries are made here, not by resty,
// because each attempt needs a new signature (the server refuses a request
// id it has seen). Network errors, 5xx and 429 are retried Config.Attempts
// times with exponential backoff (RetryWait doubling to RetryMaxWait, with
// jitter over the upper half); other refusals are returned at once as
// *ServerError. Bodies are read up to protocol.MaxResponseBytes after gzip
// is undone, so a bomb or a garbage stream stops at the limit.
//
// # Time limits
//
// An attempt fails when nothing moves for Config.IdleTimeout (20 s), not
// when it is slow. A watchdog per attempt is pushed back by every step of
// the connection (httptrace: dial, TLS, request written, first answer
// byte), by every read of the request body by the transport and by every
// read of the answer's body that returns bytes (a RoundTripper wrapped
// around the HTTPClient's transport wraps both bodies, so it works through
// resty and after gzip is undone); when it fires it cancels the attempt's
// context with ErrStalled as the cause. Once the request is written it may
// still sit in the socket's send buffer, with no sign of life, so the
// watchdog then also allows the time the request needs to leave at 1 KB/s
// (a revocation upload of 50 KB: 50 s more). Config.Timeout (10 min)
// bounds an attempt as a whole, against a server that trickles. Both end
// in ErrOffline, retried like any network error, so callers see the same
// sentinel as for a dead network.
//
// net/http resends a GET by itself, with the same signature, when a
// reused connection breaks before the answer begins; if the first one had
// reached the warehouse, it answers "replay". That answer after a resend
// is treated as the broken connection it is: ErrOffline, and another
// attempt signed anew.
//
// # Sync
//
// Sync pulls the feed page by page from the stored cursor. Pages are
// sized by the link: the first asks Config.PageSize entries (10), a page
// that arrives in under a quarter of the idle timeout doubles the next
// (up to Config.MaxPageSize, at most the warehouse's 500), a slower one
// than the idle timeout halves it, and a page lost to the network is
// asked again at half the size (down to 1). Result.PageSizes lists them.
//
// Progress and Result count the citizen's records (distinct record IDs:
// new, updated, withdrawn, unchanged) apart from the feed's entries (one
// per version or tombstone); see wallet.SyncProgress.
//
// Each record (an SD-JWT) is verified with sync/credential before it is
// stored; what fails is reported in Result.Rejected and skipped, and the
// rest of the page is stored with the page's cursor in one wallet.Batch. A cut
// connection or a killed process therefore loses at most the page in
// flight, which the next Sync fetches again; a page fetched twice doubles
// nothing, because the server returns the same credential bytes and the
// store treats an identical version as a replay.
//
// # Renewal
//
// Every feed page names the warehouse's trust-list version
// (protocol.HeaderTrustVersion); a newer one than the wallet holds is
// fetched before the page is verified, so a rotated or compromised key
// is known at the next sync. After the last page, Sync renews the held
// credentials that are due (RenewCredentials, reissue.go): within
// RenewBefore of their technical exp, without exp, or signed by a key
// the list marks compromised. Each fresh credential is verified and must
// carry exactly the held record; only then does it replace the old one
// (the store allows that one change to a stored version). A sync with
// nothing due makes no such request; a renewal cut short keeps the old
// credentials and is asked again at the next sync.
package client
