package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

const (
	// The chain's head, locked until the transaction ends: every append,
	// from any process, waits here for the one before it to commit.
	sqlLockAuditHead = `SELECT seq, hash FROM audit_head WHERE id = true FOR UPDATE`

	sqlInsertAudit = `INSERT INTO audit (seq, at, actor, action, subject, details, prev, hash)
		VALUES ($1, $2, $3, $4, $5, $6::text::json, $7, $8)`

	// Bumped under the lock; the seq condition checks nothing moved it.
	sqlBumpAuditHead = `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = true AND seq = $3`

	// An index range scan of audit_pkey from after+1.
	sqlAuditLog = `SELECT seq, at, actor, action, subject, details::text, prev, hash
		FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`
)

// auditHead is the chain's head as the transaction locked it.
type auditHead struct {
	seq  int64
	hash []byte
}

// queueLockAuditHead adds the head's lock to a pipeline; h is filled
// when the batch is sent.
func queueLockAuditHead(q *pgx.Batch, h *auditHead) {
	q.Queue(sqlLockAuditHead).QueryRow(func(r pgx.Row) error { return r.Scan(&h.seq, &h.hash) })
}

// queueAppendAudit chains e (prepared) after the locked head h and adds
// its insert and the head's bump to a pipeline; it returns the entry as
// it will be stored.
func queueAppendAudit(q *pgx.Batch, h auditHead, e warehouse.AuditEntry) warehouse.AuditEntry {
	e.Seq, e.Prev = h.seq+1, h.hash
	e.Hash = e.ComputeHash()
	q.Queue(sqlInsertAudit, e.Seq, e.At, e.Actor, e.Action, e.Subject, string(e.Details), e.Prev, e.Hash)
	q.Queue(sqlBumpAuditHead, e.Seq, e.Hash, h.seq).Exec(func(ct pgconn.CommandTag) error {
		if ct.RowsAffected() != 1 {
			return fmt.Errorf("the audit head moved from %d under its lock", h.seq)
		}
		return nil
	})
	return e
}

// AppendAudit appends an entry to the audit log; see warehouse.Store.
// One transaction: lock the head row, then (pipelined) insert the entry
// and bump the head.
func (s *Store) AppendAudit(ctx context.Context, e warehouse.AuditEntry) (warehouse.AuditEntry, error) {
	const op = "append audit"
	p, err := warehouse.PrepareAudit(e, time.Now())
	if err != nil {
		return warehouse.AuditEntry{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	var out warehouse.AuditEntry
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var h auditHead
		if err := tx.QueryRow(ctx, sqlLockAuditHead).Scan(&h.seq, &h.hash); err != nil {
			return err
		}
		var q pgx.Batch
		out = queueAppendAudit(&q, h, p)
		return tx.SendBatch(ctx, &q).Close()
	})
	if err != nil {
		return warehouse.AuditEntry{}, wrap(op, err)
	}
	return out, nil
}

// AuditLog returns at most limit entries after seq after.
func (s *Store) AuditLog(ctx context.Context, after int64, limit int) ([]warehouse.AuditEntry, error) {
	const op = "audit log"
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, sqlAuditLog, max(after, 0), limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (warehouse.AuditEntry, error) {
		var e warehouse.AuditEntry
		var details string
		if err := r.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Subject, &details, &e.Prev, &e.Hash); err != nil {
			return e, err
		}
		e.At, e.Details = utc(e.At), []byte(details)
		return e, nil
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}
