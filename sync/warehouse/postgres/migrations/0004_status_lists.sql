-- 0004: the agencies' status lists (IETF Token Status List). See
-- sync/warehouse/statuslists.go for the rules; each index is explained here.

-- One head row per agency: the list being filled and its next index,
-- bumped under the row's lock in the transaction that gives the entries
-- (SELECT ... FOR UPDATE, then UPDATE), so no index is given twice.
CREATE TABLE status_heads (
	agency text COLLATE "C" PRIMARY KEY,
	list   integer NOT NULL,
	next   integer NOT NULL
) WITH (fillfactor = 90);

-- One row per credential issued: its entry and the record version (and
-- device) it was issued for. status_entries_record serves Append's
-- "every entry of this record below this version"; the partial index
-- status_entries_invalid serves the builder's scan of a list's INVALID
-- entries, whose cost is the number withdrawn, not the list's size.
CREATE TABLE status_entries (
	agency     text COLLATE "C" NOT NULL,
	list       integer NOT NULL,
	idx        integer NOT NULL,
	citizen_id text COLLATE "C" NOT NULL,
	record_id  text COLLATE "C" NOT NULL,
	version    integer NOT NULL,
	device_id  text COLLATE "C" NOT NULL,
	invalid    boolean NOT NULL DEFAULT false,
	PRIMARY KEY (agency, list, idx)
);
CREATE INDEX status_entries_record ON status_entries (citizen_id, record_id, version);
CREATE INDEX status_entries_invalid ON status_entries (agency, list, idx) WHERE invalid;

-- Every list that has entries; changed takes a new value of
-- status_changed whenever an entry of the list becomes INVALID.
CREATE SEQUENCE status_changed;
CREATE TABLE status_lists (
	agency  text COLLATE "C" NOT NULL,
	list    integer NOT NULL,
	changed bigint NOT NULL,
	PRIMARY KEY (agency, list)
);

-- The signed token of each list, as served; changed is the
-- status_lists.changed it was built from.
CREATE TABLE status_tokens (
	agency    text COLLATE "C" NOT NULL,
	list      integer NOT NULL,
	changed   bigint NOT NULL,
	issued_at timestamptz NOT NULL,
	built_at  timestamptz NOT NULL,
	token     text NOT NULL,
	gzip      bytea NOT NULL,
	PRIMARY KEY (agency, list)
);
