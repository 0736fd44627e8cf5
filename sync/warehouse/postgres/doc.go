// Package postgres implements warehouse.Store on PostgreSQL (15 or
// later) through pgx/v5 and a pgxpool connection pool: the production
// store of the warehouse, for any number of stateless API processes on
// one database. It runs the conformance suite sync/warehouse/storetest,
// as sync/warehouse/embedded does.
//
// Open(ctx, dsn) connects and applies the schema migrations. The DSN is
// libpq's (a postgres:// URL or key=value pairs); pgxpool's settings,
// such as pool_max_conns, go in it too. Behind a transaction-pooling
// PgBouncer, add default_query_exec_mode=exec (pgx caches prepared
// statements per connection by default).
//
// # Schema and migrations
//
// The SQL files in migrations/ (NNNN_what.sql, embedded in the binary)
// are applied in order, each in a transaction of its own together with
// its row in schema_migrations(version, applied_at). The transaction
// first takes pg_advisory_xact_lock, so processes that start at once
// apply each migration exactly once: the others wait, then find its row.
// A migration never changes once released; a change is a new file.
//
// The tables (the migration that makes each says why each index exists):
//
//	citizens(id, profile, head, access_head)          profile jsonb; the two per-citizen counters
//	records(citizen_id, seq, record_id, version,      the change feeds: PK (citizen_id, seq), and
//	        digest, record)                           UNIQUE (citizen_id, record_id, version)
//	devices(id, citizen_id, key, label, enrolled_at,  index (citizen_id, enrolled_at)
//	        revoked_at)
//	codes(hash, citizen_id, expires, used_at, device) index (expires), for PurgeExpired
//	nonces(client, id, expires)                       PK (client, id); index (expires)
//	credentials(device_id, record_id, version,        PK (device_id, record_id, version)
//	            credential)
//	revocations(id, seq, consent_id, citizen_id,      PK (id), a consent.RevocationID; index (audience,
//	            device, audience, listed, given_at,   seq) WHERE listed, for RevokedSince; (citizen_id,
//	            revoked_at, expires, received)        expires) INCLUDE (received), for the limits; (expires)
//	revocation_head(id, seq)                          one row: the last revocation seq given out
//	redemptions(consent_id, citizen_id, at)           single-use consents redeemed
//	access_log(citizen_id, seq, entry)                PK (citizen_id, seq)
//	batches(agency, key, digest, results, created_at) idempotent ingestion batches
//	agencies(id, info)                                info is json (keeps JWKs byte for byte)
//	meta(name, value)                                 value bytea
//	audit(seq, at, actor, action, subject, details,   the audit log: PK (seq); details is json (kept
//	      prev, hash)                                 byte for byte, as the hash covers it); append-only
//	audit_head(id, seq, hash)                         one row: the chain's last seq and hash
//
// Key columns are text COLLATE "C": bytewise order and comparison, as Go
// strings have, whatever the database's locale.
//
// Every query is a primary-key or index probe or an index range scan
// bounded by the rows it returns (a feed page reads limit rows of
// records_pkey from (citizen, after+1); the latest version of a record is
// a backward scan of records_version_key, LIMIT 1), or it reads one
// citizen's rows (Latest); none grows with the number of citizens. The
// plans are checked by a test with sequential scans disabled.
//
// # Guarantees
//
//   - Per-citizen sequences: the seq of a feed entry (and of an access-log
//     entry) comes from the citizen's head row, locked and bumped in the
//     transaction that inserts the entry (SELECT ... FOR UPDATE of the
//     row, then UPDATE citizens SET head = head + n ... RETURNING head), so
//     seqs are 1, 2, 3 ... with no gap and no repeat, in commit order,
//     across any number of processes. Never max(seq)+1.
//   - No deadlock between batches: Append locks its citizens' rows in id
//     order (SELECT ... WHERE id = ANY($1) ORDER BY id FOR UPDATE), after
//     the batch's idempotency row; Load and PutCitizens insert in id
//     order. Should PostgreSQL still report a deadlock (40P01) or a
//     serialisation failure (40001), the whole transaction runs again
//     after a small jittered pause, up to 20 times: a conflict is not
//     returned. Transactions run at READ COMMITTED (set explicitly,
//     whatever the database's default): every rule rests on row locks and
//     unique indexes, and a statement that waited for another
//     transaction's lock sees what it committed.
//   - Append is one transaction per batch: a constant number of statements
//     whatever its size (the batch row; the citizens' locks; two reads of
//     what is stored of its records, pipelined; then, pipelined, the head
//     bump, one INSERT of all entries and the results), with check called
//     in Go in between.
//   - Idempotency: a batch with a key stores its results in its own
//     transaction: per item the (citizen, seq) of its entry, whether it
//     was a duplicate, and its error as the message and the codes of the
//     sentinels it matches (warehouse.ErrUnknownCitizen and ErrConflict,
//     wallet.ErrInvalid and ErrStaleVersion, ...). A replay reads the
//     entries back and rebuilds errors with the same text that errors.Is
//     matches the same way.
//   - Audit log: one chain over the database. Every append (AppendAudit,
//     or Append with Batch.Audit, in the batch's transaction) locks the
//     single audit_head row (SELECT ... FOR UPDATE), chains the entry
//     after it, inserts it and bumps the head, so appends from any number
//     of processes are one sequence 1, 2, 3 ... with each Prev the hash of
//     the entry before: no gap, no fork. Append takes that lock last (after
//     its citizens, pipelined with its reads: no extra round trip), so it
//     is in no deadlock cycle; it is held until the commit, which makes
//     audited writes of the whole warehouse commit one at a time. A
//     trigger refuses UPDATE, DELETE and TRUNCATE of audit (a guard
//     against mistakes; its owner can drop it, and the chain,
//     warehouse.VerifyAuditChain, shows what was changed).
//   - Revocations: one sequence over the warehouse, for the counters'
//     revocation list. PutRevocations first locks the single
//     revocation_head row (SELECT ... FOR UPDATE), then, in one statement
//     pipelined with the lock (so its snapshot is taken after it), keeps
//     the revocations whose id is not stored, counts the citizen's
//     unexpired ones against RevocationLimits, inserts the new ones with
//     seqs following the head and bumps the head by as many; over a limit
//     it inserts nothing and rolls back (ErrTooMany). The lock is held
//     until the commit, so revocation writers of the whole warehouse
//     commit one at a time, in seq order, and the limits are counted as
//     if the calls were one after the other. RevokedSince reads the head
//     and the page in one statement (one snapshot): every seq up to the
//     head it returns is committed, so a counter that has read up to the
//     head misses none. PurgeExpired deletes expired revocations, never
//     the head: seqs are not given out again.
//     Migration 0003 dropped the earlier table, keyed by the (public)
//     consent id alone; its revocations were of consents that expired
//     within 30 days of the upgrade.
//   - Load copies (COPY) profiles into a temporary table and records
//     straight into records, in one transaction per call; citizens that
//     have a feed entry are skipped, so an interrupted load is run again.
//   - Single use: Enrol spends a code with UPDATE ... WHERE used_at IS NULL
//     (the row lock orders concurrent callers); Redeem and UseNonce insert
//     under a unique key with ON CONFLICT, so of concurrent callers
//     exactly one succeeds. A failed Enrol (ErrKeyInUse) rolls back and
//     the code stays unspent.
//   - Errors: the warehouse sentinels, wrapped once as "postgres: <op>:";
//     input PostgreSQL cannot store (text that is not UTF-8 or holds NUL,
//     a key too large for an index) is wallet.ErrInvalid, and an id that
//     cannot be stored cannot be found either (ErrNotFound and the like).
//
// # Times
//
// timestamptz keeps microseconds: the times of devices, codes, nonces,
// revocations and redemptions are truncated to the microsecond (and so
// compared: a nonce, or a revocation, expires when its truncated expiry
// is not after the truncated now) and read back in UTC.
// Times inside records, profiles and access entries are kept in their
// JSON, to the nanosecond and with their offset.
package postgres
