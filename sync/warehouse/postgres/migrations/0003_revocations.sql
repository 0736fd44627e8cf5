-- 0003: consent revocations keyed by consent.RevocationID (the consent
-- id together with the device that signed the consent), with a seq over
-- the whole warehouse for the counters' revocation list. See doc.go.
--
-- The old table is dropped, not converted. Its rows were keyed by the
-- consent id alone, which is public (it is in every token shown at a
-- counter): anyone enrolled could revoke another citizen's consent by
-- sending its id. That is the hole this migration closes, and its rows
-- cannot be trusted nor re-keyed (they name no device, audience or
-- expiry). Nothing much is lost: consents live at most 30 days, so every
-- dropped revocation is of a token that expires within 30 days of the
-- upgrade anyway; until then such a token is accepted again unless its
-- wallet sends the revocation again.
DROP TABLE revocations;

-- One row per revocation. seq comes from revocation_head (below), given
-- out under its row lock in the transaction that inserts the row, so
-- seqs are 1, 2, 3 ... in commit order over the whole warehouse (a
-- purge removes rows, never a seq from the head).
-- The primary key serves Revocation (a probe by id) and PutRevocations'
-- "is this id stored already".
CREATE TABLE revocations (
	id         text COLLATE "C" PRIMARY KEY,
	seq        bigint NOT NULL,
	consent_id text COLLATE "C" NOT NULL,
	citizen_id text COLLATE "C" NOT NULL,
	device     text COLLATE "C" NOT NULL,
	audience   text COLLATE "C" NOT NULL,
	listed     boolean NOT NULL,
	given_at   timestamptz NOT NULL,
	revoked_at timestamptz NOT NULL,
	expires    timestamptz NOT NULL,
	received   timestamptz NOT NULL
);
-- RevokedSince: an index range scan of one audience's listed
-- revocations from (audience, after+1), in seq order.
CREATE INDEX revocations_listed ON revocations (audience, seq) WHERE listed;
-- PutRevocations' limits: a range scan of the citizen's unexpired
-- revocations, counted from the index alone (received is included).
CREATE INDEX revocations_citizen ON revocations (citizen_id, expires) INCLUDE (received);
-- PurgeExpired: a range scan of what expired.
CREATE INDEX revocations_expires ON revocations (expires);

-- The revocation head: one row, the last seq given out. PutRevocations
-- locks it (SELECT ... FOR UPDATE) before it reads anything and bumps it
-- by the number of revocations it inserts, in one transaction: so
-- revocation writers, from any number of processes, commit one at a
-- time, in seq order, and each counts the citizen's revocations with
-- every earlier writer's committed. It never goes back.
CREATE TABLE revocation_head (
	id  boolean PRIMARY KEY DEFAULT true CHECK (id),
	seq bigint NOT NULL
);
INSERT INTO revocation_head (id, seq) VALUES (true, 0);
