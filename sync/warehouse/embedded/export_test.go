package embedded

import (
	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// SetLocks turns the in-process stripe locks on or off, so a test can
// show that the rules hold on badger's conflict check alone. Call it
// before the store is used.
func SetLocks(s *Store, on bool) { s.useLocks = on }

// MaxTxnBytes is badger's limit on one transaction.
func MaxTxnBytes(s *Store) int64 { return s.db.MaxBatchSize() }

// Retries is how many transactions ran again after a conflict.
func Retries(s *Store) int64 { return s.retries.Load() }

// RewriteAudit changes a stored audit entry behind the store's back (as
// someone with the database files could), leaving its hash and the
// chain's head as they were.
func RewriteAudit(s *Store, seq int64, edit func(e *warehouse.AuditEntry)) error {
	return s.db.Update(func(txn *badger.Txn) error {
		var a storedAudit
		if err := getJSON(txn, auditKey(seq), &a); err != nil {
			return err
		}
		e := a.entry()
		edit(&e)
		return setJSON(txn, auditKey(seq), storedAudit{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Subject: e.Subject,
			Details: e.Details, Prev: e.Prev, Hash: e.Hash})
	})
}

// DeleteAudit deletes a stored audit entry behind the store's back.
func DeleteAudit(s *Store, seq int64) error {
	return s.db.Update(func(txn *badger.Txn) error { return txn.Delete(auditKey(seq)) })
}

// TruncateStatusHead rewrites agency's status head in the form written
// before entries had an order (list and next entry, 16 bytes).
func TruncateStatusHead(s *Store, agency string) error {
	return s.db.Update(func(txn *badger.Txn) error {
		v, err := get(txn, key(pStatHead, agency))
		if err != nil {
			return err
		}
		return txn.Set(key(pStatHead, agency), v[:16])
	})
}
