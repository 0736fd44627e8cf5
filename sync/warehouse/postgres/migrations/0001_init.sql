-- 0001: the warehouse's tables. See doc.go for why each index exists.
--
-- Every key column is text COLLATE "C": ids compare bytewise, as Go
-- strings do (Citizens lists in Go's order whatever the database's
-- locale), and index comparisons are memcmp, not ICU or libc collation.

-- A citizen's profile and two counters: head, the seq of the last entry
-- of their feed, and access_head, the seq of the last access-log entry.
-- The counters are bumped in the transaction that writes the entries
-- (UPDATE ... SET head = head + n ... RETURNING head under the row's lock).
-- fillfactor 90 leaves room on each page so that a counter update is a
-- HOT update (no indexed column changes).
CREATE TABLE citizens (
	id          text COLLATE "C" PRIMARY KEY,
	profile     jsonb NOT NULL,
	head        bigint NOT NULL DEFAULT 0,
	access_head bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 90);

-- The change feeds: one row per record version, seq 1, 2, 3 ... per
-- citizen. The primary key serves a feed page (an index range scan from
-- (citizen, after+1)); the unique key serves "is this (record, version)
-- stored already" and "the latest version of this record" (a backward
-- scan of (citizen, record) with LIMIT 1). Both lead with citizen_id, so
-- the table can be partitioned or distributed by citizen.
-- No foreign key to citizens: rows are only ever inserted by Append and
-- Load under the citizen row's lock, and a foreign-key trigger per row
-- would double the cost of the bulk load.
CREATE TABLE records (
	citizen_id text COLLATE "C" NOT NULL,
	seq        bigint NOT NULL,
	record_id  text COLLATE "C" NOT NULL,
	version    integer NOT NULL,
	digest     bytea NOT NULL,
	record     jsonb NOT NULL,
	PRIMARY KEY (citizen_id, seq),
	CONSTRAINT records_version_key UNIQUE (citizen_id, record_id, version)
);

-- Enrolled device keys. key is the public JWK as given (bytes, exact).
CREATE TABLE devices (
	id          text COLLATE "C" PRIMARY KEY,
	citizen_id  text COLLATE "C" NOT NULL,
	key         bytea NOT NULL,
	label       text NOT NULL DEFAULT '',
	enrolled_at timestamptz NOT NULL,
	revoked_at  timestamptz
);
CREATE INDEX devices_citizen ON devices (citizen_id, enrolled_at);

-- Single-use enrolment codes, by the hex SHA-256 of the code.
CREATE TABLE codes (
	hash       text COLLATE "C" PRIMARY KEY,
	citizen_id text COLLATE "C" NOT NULL,
	expires    timestamptz NOT NULL,
	used_at    timestamptz,
	device     text COLLATE "C"
);
CREATE INDEX codes_expires ON codes (expires);

-- The request replay cache: inserted by every signed request, deleted
-- by PurgeExpired. A busy queue-like table: vacuum it early.
CREATE TABLE nonces (
	client  text COLLATE "C" NOT NULL,
	id      text COLLATE "C" NOT NULL,
	expires timestamptz NOT NULL,
	PRIMARY KEY (client, id)
) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
CREATE INDEX nonces_expires ON nonces (expires);

-- Credentials issued per device and record version.
CREATE TABLE credentials (
	device_id  text COLLATE "C" NOT NULL,
	record_id  text COLLATE "C" NOT NULL,
	version    integer NOT NULL,
	credential text NOT NULL,
	PRIMARY KEY (device_id, record_id, version)
);

-- Consent revocations; revoked_at serves RevokedSince (a range scan).
CREATE TABLE revocations (
	consent_id text COLLATE "C" PRIMARY KEY,
	citizen_id text COLLATE "C" NOT NULL,
	revoked_at timestamptz NOT NULL,
	received   timestamptz NOT NULL
);
CREATE INDEX revocations_revoked_at ON revocations (revoked_at);

-- Single-use consents that were redeemed (the primary key is the rule).
CREATE TABLE redemptions (
	consent_id text COLLATE "C" PRIMARY KEY,
	citizen_id text COLLATE "C" NOT NULL,
	at         timestamptz NOT NULL
);

-- The access logs: one row per use of a consent, seq 1, 2, 3 ... per
-- citizen (from citizens.access_head).
CREATE TABLE access_log (
	citizen_id text COLLATE "C" NOT NULL,
	seq        bigint NOT NULL,
	entry      jsonb NOT NULL,
	PRIMARY KEY (citizen_id, seq)
);

-- Idempotent ingestion batches: the digest of the batch and, per item,
-- where its entry is (citizen and seq), whether it was a duplicate and
-- why it was refused. Entries are read back from records on a replay.
CREATE TABLE batches (
	agency     text COLLATE "C" NOT NULL,
	key        text COLLATE "C" NOT NULL,
	digest     bytea NOT NULL,
	results    jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (agency, key)
);

-- Agencies. info is json, not jsonb: it holds JWKs as json.RawMessage,
-- and json keeps their text exactly as written (jsonb would reorder
-- their members and respace them).
CREATE TABLE agencies (
	id   text COLLATE "C" PRIMARY KEY,
	info json NOT NULL
);

-- Small named values of the province.
CREATE TABLE meta (
	name  text COLLATE "C" PRIMARY KEY,
	value bytea NOT NULL
);
