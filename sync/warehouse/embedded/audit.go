package embedded

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// storedAudit is an audit entry as the store keeps it under aud NUL seq.
type storedAudit struct {
	Seq     int64           `json:"seq"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Action  string          `json:"action"`
	Subject string          `json:"subject"`
	Details json.RawMessage `json:"details"`
	Prev    []byte          `json:"prev"`
	Hash    []byte          `json:"hash"`
}

func (a storedAudit) entry() warehouse.AuditEntry {
	return warehouse.AuditEntry{Seq: a.Seq, At: a.At.UTC(), Actor: a.Actor, Action: a.Action, Subject: a.Subject,
		Details: a.Details, Prev: a.Prev, Hash: a.Hash}
}

func auditKey(seq int64) []byte { return binary.BigEndian.AppendUint64([]byte(pAudit), uint64(seq)) }

// auditHead reads the audit head (its last seq and hash; 0 and zero bytes
// for an empty log) with txn.Get, so that every transaction that appends
// to the log reads and writes one key and badger's conflict check
// orders them.
func auditHead(txn *badger.Txn) (int64, []byte, error) {
	b, err := get(txn, []byte(pAudHead))
	if errors.Is(err, errNotFound) {
		return 0, make([]byte, warehouse.AuditHashSize), nil
	}
	if err != nil {
		return 0, nil, err
	}
	if len(b) != 8+warehouse.AuditHashSize {
		return 0, nil, fmt.Errorf("damaged audit head (%d bytes)", len(b))
	}
	return int64(binary.BigEndian.Uint64(b)), b[8:], nil
}

// appendAudit chains e (prepared) after the head and writes it and the
// new head in txn; it returns the entry as stored.
func appendAudit(txn *badger.Txn, e warehouse.AuditEntry) (warehouse.AuditEntry, error) {
	seq, prev, err := auditHead(txn)
	if err != nil {
		return warehouse.AuditEntry{}, err
	}
	e.Seq, e.Prev = seq+1, prev
	e.Hash = e.ComputeHash()
	v, err := jsonBytes(storedAudit{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Subject: e.Subject,
		Details: e.Details, Prev: e.Prev, Hash: e.Hash})
	if err != nil {
		return warehouse.AuditEntry{}, err
	}
	if err := txn.Set(auditKey(e.Seq), v); err != nil {
		return warehouse.AuditEntry{}, err
	}
	if err := txn.Set([]byte(pAudHead), append(u64(e.Seq), e.Hash...)); err != nil {
		return warehouse.AuditEntry{}, err
	}
	return e, nil
}

// lockAudit queues the appenders of this process on the audit head (all
// of them conflict on it in badger otherwise). It is taken after any
// stripe lock, never before, so it is in no cycle.
func (s *Store) lockAudit() func() {
	if !s.useLocks {
		return func() {}
	}
	s.auditMu.Lock()
	return s.auditMu.Unlock
}

// AppendAudit appends an entry to the audit log; see warehouse.Store.
func (s *Store) AppendAudit(ctx context.Context, e warehouse.AuditEntry) (warehouse.AuditEntry, error) {
	p, err := warehouse.PrepareAudit(e, time.Now())
	if err != nil {
		return warehouse.AuditEntry{}, fmt.Errorf("embedded: append audit: %w", err)
	}
	unlock := s.lockAudit()
	defer unlock()
	var out warehouse.AuditEntry
	err = s.update(ctx, func(txn *badger.Txn) error {
		var err error
		out, err = appendAudit(txn, p)
		return err
	})
	if err != nil {
		return warehouse.AuditEntry{}, fmt.Errorf("embedded: append audit: %w", err)
	}
	return out, nil
}

// AuditLog returns at most limit entries after seq after: a seek to
// aud NUL (after+1) and no further.
func (s *Store) AuditLog(ctx context.Context, after int64, limit int) ([]warehouse.AuditEntry, error) {
	var out []warehouse.AuditEntry
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = nil
		if limit <= 0 {
			return nil
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pAudit), PrefetchValues: true, PrefetchSize: min(limit, 100)})
		defer it.Close()
		for it.Seek(auditKey(max(after, 0) + 1)); it.Valid() && len(out) < limit; it.Next() {
			item := it.Item()
			var a storedAudit
			if err := item.Value(func(b []byte) error { return decode(item.Key(), b, &a) }); err != nil {
				return err
			}
			out = append(out, a.entry())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: audit log: %w", err)
	}
	return out, nil
}
