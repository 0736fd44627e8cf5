-- 0002: the audit log, one hash chain over the whole warehouse (see
-- sync/warehouse/audit.go for the chain, doc.go for the guarantees).

-- The entries, seq 1, 2, 3 ... (from audit_head). details is json, not
-- jsonb: the entry's hash covers its bytes, and json keeps the text
-- exactly as written (jsonb would reorder members and respace them).
-- The primary key serves AuditLog (an index range scan from after+1).
CREATE TABLE audit (
	seq     bigint PRIMARY KEY,
	at      timestamptz NOT NULL,
	actor   text NOT NULL,
	action  text NOT NULL,
	subject text NOT NULL,
	details json NOT NULL,
	prev    bytea NOT NULL,
	hash    bytea NOT NULL
);

-- The head of the chain: one row, the last seq and its hash. Every
-- append locks it (SELECT ... FOR UPDATE), chains the entry after it and
-- bumps it in the transaction that inserts the entry, so appends from any
-- number of processes form one chain with no gap and no fork.
CREATE TABLE audit_head (
	id   boolean PRIMARY KEY DEFAULT true CHECK (id),
	seq  bigint NOT NULL,
	hash bytea NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (true, 0, decode(repeat('00', 32), 'hex'));

-- The log is append-only: an UPDATE, DELETE or TRUNCATE of it fails.
-- This stops mistakes and code that should not touch the log; it does not
-- stop the table's owner (who can drop the triggers). The hash chain is
-- what makes such an edit visible.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
