// Package embedded implements warehouse.Store on an embedded badger v4
// database: the zero-setup store of the warehouse, for `make run`,
// development and most tests (Open("") is an empty store in memory).
// Production runs sync/warehouse/postgres; both run the conformance suite
// sync/warehouse/storetest.
//
// Why badger: it is already the wallet's engine (wallet/badgerstore), so
// the project has one embedded engine, one set of its failure modes to
// know, and no C dependency. Its serialisable snapshot isolation (every
// key a read-write transaction reads with Get, or from an iterator, is
// checked at commit against the keys written by transactions that
// committed meanwhile) is what the store's rules rest on.
//
// One process at a time: badger locks the directory, and a second Open
// of it (from this process or another) fails. Several API processes on
// one database is what the PostgreSQL store is for.
//
// # Key layout
//
// NUL separates parts; citizen numbers, record, device, consent,
// revocation and agency ids, audiences, code hashes, request ids and meta
// names never contain one
// (a write given one fails with wallet.ErrInvalid, a read finds nothing).
// seq(8) is a uint64 big-endian; version(8) and time(8) are int64
// big-endian with the sign bit flipped (times as Unix nanoseconds), so
// they sort as numbers:
//
//	cit NUL citizen                          profile (JSON)
//	head NUL citizen                         the seq of the citizen's last feed entry, seq(8)
//	ahead NUL citizen                        the seq of the last access-log entry, seq(8)
//	rec NUL citizen NUL seq(8)               a feed entry: the record version (JSON)
//	rid NUL citizen NUL record NUL version(8)  seq(8) then the write's digest
//	dev NUL device                           device (JSON)
//	devc NUL citizen NUL device              empty: the citizen's devices
//	code NUL hash                            enrolment code: citizen, expiry, used (JSON)
//	nonce NUL client NUL request id          expiry time(8), with a badger TTL
//	exp NUL time(8) <nonce or code key>      empty: what expires when, for PurgeExpired
//	cred NUL device NUL record NUL version(8)  the credential issued to the device
//	rev NUL revocation id                    revocation (JSON, with its seq)
//	revh NUL                                 the revocation head: the highest seq given out, seq(8)
//	reva NUL audience NUL seq(8)             a Listed revocation (JSON, a copy), for RevokedSince
//	revc NUL citizen NUL time(8) id          received time(8): by citizen and expiry, for the limits
//	revx NUL time(8) id                      empty: revocations by expiry, for PurgeExpired
//	red NUL consent                          a single-use consent was redeemed (the citizen)
//	acc NUL citizen NUL seq(8)               access-log entry (JSON)
//	batch NUL agency NUL key                 an idempotent batch: its digest and per-item
//	                                         results (citizen and seq, duplicate, error)
//	agency NUL id                            agency (JSON)
//	meta NUL name                            a meta value
//	aud NUL seq(8)                           an audit entry (JSON: details as stored, hashes)
//	audh NUL                                 the audit chain's head: the last seq(8), then its hash
//
// So a feed page is a seek to rec NUL citizen NUL (after+1) and at most
// limit keys; the latest version of a record is a reverse seek within
// rid NUL citizen NUL record; a citizen's devices, a credential, a code, a
// nonce are point reads or short prefix scans. Nothing a request does
// reads more than the citizen's own keys, but for a counter's page of
// revocations: a seek to reva NUL audience NUL (after+1) and the keys
// from there (the expired ones not purged yet are read and skipped).
//
// # Guarantees
//
//   - Durability: SyncWrites is on, so a write that returned survives
//     kill -9 and a power loss (tested by killing a child process that
//     appends, at random points of its progress).
//   - Per-citizen sequences: a citizen's feed head and access head are
//     keys of their own, read with txn.Get and written in the transaction
//     that stores the entries (the pattern of an UPDATE ... SET head =
//     head + 1 RETURNING head). Two transactions that write one citizen
//     conflict in badger; the loser runs again from the start on the new
//     head, so seqs are 1, 2, 3 ... with no gap and no repeat, in commit
//     order. Never "the last key plus one" read outside the conflict
//     check.
//   - Conflicts: every write runs in Store.update, which retries a
//     transaction that lost badger's conflict check (up to 100 attempts
//     with a tiny jittered pause); a conflict does not reach the caller.
//     Writers of one citizen, code, nonce or consent also queue on
//     striped mutexes in the process, to avoid storms of retries; the
//     rules do not depend on the mutexes.
//   - Revocations: one sequence over the store. PutRevocations reads the
//     head key revh with txn.Get, counts the citizen's unexpired
//     revocations (a seek in revc from now) for the limits, and writes
//     the new revocations, their index keys and the new head in one
//     transaction; every two such transactions conflict on the head, so
//     seqs are 1, 2, 3 ... in commit order (a snapshot that holds seq n
//     holds every seq below it) and two calls for one citizen are counted
//     one after the other. In the process, writers of revocations (and
//     PurgeExpired's revocation chunks) also queue on one mutex. The head
//     is never deleted, so it does not go back when the newest
//     revocations are purged. A revocation is never rewritten.
//   - Atomicity: Append is one transaction for the whole batch, with the
//     batch's results when it has an idempotency key. Item errors are
//     stored as their message and the names of the sentinels they match
//     (warehouse.ErrUnknownCitizen, warehouse.ErrConflict,
//     wallet.ErrInvalid, wallet.ErrStaleVersion ...), so a replay returns
//     errors with the same text that errors.Is matches the same way. A
//     batch larger than one badger transaction (about 9.6 MiB with the
//     default 64 MiB memtable; a batch of 1 000 typical records takes
//     about a tenth of that) is refused whole with wallet.ErrInvalid.
//     Enrol, UseNonce, Redeem, PutCredentials and PutRevocations are one
//     transaction each (a batch of revocations too large for one is
//     refused whole with wallet.ErrInvalid).
//   - Audit log: one chain over the store. Every append (AppendAudit, or
//     Append with Batch.Audit, in the batch's own transaction) reads the
//     head key audh with txn.Get, chains the entry after it and writes
//     the entry and the new head: two appends conflict in badger and the
//     loser runs again on the new head, so seqs are 1, 2, 3 ... and each
//     Prev is the hash of the entry before, whatever runs concurrently.
//     In the process, appenders also queue on one mutex (taken after the
//     stripe locks). No method changes or deletes an entry; the chain
//     (warehouse.VerifyAuditChain) shows one changed behind the store's
//     back.
//   - Load writes citizens in transactions of at most half badger's
//     limit, each citizen whole in one, and checks each citizen's head in
//     the same transaction: a citizen with a feed entry is skipped, so an
//     interrupted load can be run again.
//   - Expiry: a nonce carries a badger TTL (its remaining life rounded up
//     plus two seconds, on the wall clock) so badger drops it on its own,
//     but the rule is the stored expiry compared with the caller's now.
//     PurgeExpired walks the exp index (nonces and codes) and the revx
//     index (revocations, each deleted with its rev, reva and revc keys)
//     only up to now.
//
// # Files
//
// badger v4.9 creates its files with mode 0666 less the umask and has no
// option to choose the mode; Open therefore creates the directory with
// mode 0700 (and takes group and other permissions away from an existing
// one), so no other user can read the files. The data is not encrypted at
// rest: the embedded store holds demo and test data; a province's real
// data is in PostgreSQL.
package embedded
