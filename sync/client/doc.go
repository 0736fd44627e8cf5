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
// # Sync
//
// Sync pulls the feed page by page from the stored cursor. Each record
// (an SD-JWT) is verified with sync/credential before it is stored; what
// fails is reported in Result.Rejected and skipped, and the rest of the
// page is stored with the page's cursor in one wallet.Batch. A cut
// connection or a killed process therefore loses at most the page in
// flight, which the next Sync fetches again; a page fetched twice doubles
// nothing, because the server returns the same credential bytes and the
// store treats an identical version as a replay.
package client
