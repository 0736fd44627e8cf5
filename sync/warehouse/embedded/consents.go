package embedded

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// Credentials returns a device's credentials for record versions.
func (s *Store) Credentials(ctx context.Context, deviceID string, refs []warehouse.RecordRef) ([]string, error) {
	out := make([]string, len(refs))
	err := s.view(ctx, func(txn *badger.Txn) error {
		for i, r := range refs {
			out[i] = ""
			if hasNUL(deviceID, r.RecordID) {
				continue
			}
			v, err := get(txn, versionKey(pCred, deviceID, r.RecordID, r.Version))
			if errors.Is(err, errNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[i] = string(v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: credentials: %w", err)
	}
	return out, nil
}

// PutCredentials stores the credentials that are not stored yet and
// returns what is stored; a credential stored first (by a concurrent
// call, or earlier in refs) wins. An empty credential stores nothing.
func (s *Store) PutCredentials(ctx context.Context, deviceID string, refs []warehouse.RecordRef, creds []string) ([]string, error) {
	if len(refs) != len(creds) {
		return nil, fmt.Errorf("embedded: put credentials: %w: %d refs, %d credentials", errInvalid, len(refs), len(creds))
	}
	if hasNUL(deviceID) {
		return nil, fmt.Errorf("embedded: put credentials: %w: NUL in the device id", errInvalid)
	}
	for _, r := range refs {
		if hasNUL(r.RecordID) {
			return nil, fmt.Errorf("embedded: put credentials: %w: NUL in a record id", errInvalid)
		}
	}
	defer s.lock(pCred + deviceID)()
	out := make([]string, len(refs))
	err := s.update(ctx, func(txn *badger.Txn) error {
		for i, r := range refs {
			k := versionKey(pCred, deviceID, r.RecordID, r.Version)
			v, err := get(txn, k)
			switch {
			case err == nil:
				out[i] = string(v)
			case !errors.Is(err, errNotFound):
				return err
			case creds[i] == "":
				out[i] = ""
			default:
				if err := txn.Set(k, []byte(creds[i])); err != nil {
					return err
				}
				out[i] = creds[i]
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: put credentials: %w", s.tooBig(fmt.Sprintf("%d credentials", len(refs)), err))
	}
	return out, nil
}

// PutRevocations stores revocations; a consent revoked before keeps its
// first. Each new one is also indexed by its revocation time.
func (s *Store) PutRevocations(ctx context.Context, citizenID string, rs []warehouse.Revocation) error {
	for _, r := range rs {
		if r.ConsentID == "" || hasNUL(r.ConsentID, citizenID) {
			return fmt.Errorf("embedded: put revocations: %w: empty consent id or NUL in an id", errInvalid)
		}
	}
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = pRevoked + r.ConsentID
	}
	defer s.lock(names...)()
	err := s.update(ctx, func(txn *badger.Txn) error {
		for _, r := range rs {
			k := key(pRevoked, r.ConsentID)
			if ok, err := exists(txn, k); err != nil {
				return err
			} else if ok {
				continue
			}
			r.CitizenID = citizenID
			if err := setJSON(txn, k, r); err != nil {
				return err
			}
			tk := append(timeKey([]byte(pRevTime), r.RevokedAt), 0)
			if err := txn.Set(append(tk, r.ConsentID...), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("embedded: put revocations: %w", s.tooBig(fmt.Sprintf("%d revocations", len(rs)), err))
	}
	return nil
}

// Revocation returns a consent's revocation.
func (s *Store) Revocation(ctx context.Context, consentID string) (warehouse.Revocation, error) {
	var r warehouse.Revocation
	err := s.view(ctx, func(txn *badger.Txn) error {
		if hasNUL(consentID) {
			return warehouse.ErrNotFound
		}
		err := getJSON(txn, key(pRevoked, consentID), &r)
		if errors.Is(err, errNotFound) {
			return warehouse.ErrNotFound
		}
		return err
	})
	if err != nil {
		return warehouse.Revocation{}, fmt.Errorf("embedded: revocation: %w", err)
	}
	return r, nil
}

// RevokedSince lists the consents revoked at or after since, oldest
// revocation first: a range scan of revt NUL revoked_at from since.
func (s *Store) RevokedSince(ctx context.Context, since time.Time) ([]string, error) {
	var out []string
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = nil
		prefix := []byte(pRevTime)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Seek(timeKey(prefix, since)); it.Valid(); it.Next() {
			k := it.Item().Key()
			if len(k) < len(prefix)+9 {
				return fmt.Errorf("damaged revocation index key %q", k)
			}
			out = append(out, string(k[len(prefix)+9:]))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: revoked since: %w", err)
	}
	return out, nil
}

// Redeem records a use of a consent with the citizen's next access seq
// and, for a single-use consent, its redeemed mark, in one transaction.
func (s *Store) Redeem(ctx context.Context, citizenID string, singleUse bool, e protocol.AccessEntry) (protocol.AccessEntry, error) {
	if hasNUL(e.ConsentID) {
		return protocol.AccessEntry{}, fmt.Errorf("embedded: redeem: %w: NUL in the consent id", errInvalid)
	}
	rk := key(pRedeemed, e.ConsentID)
	defer s.lock(citizenID, string(rk))()
	var out protocol.AccessEntry
	err := s.update(ctx, func(txn *badger.Txn) error {
		if err := knownCitizen(txn, citizenID); err != nil {
			return err
		}
		if singleUse {
			if ok, err := exists(txn, rk); err != nil {
				return err
			} else if ok {
				return warehouse.ErrUsed
			}
			if err := txn.Set(rk, []byte(citizenID)); err != nil {
				return err
			}
		}
		hk := key(pAccHead, citizenID)
		h, err := head(txn, hk)
		if err != nil {
			return err
		}
		out = e
		out.Seq = h + 1
		if err := setJSON(txn, seqKey(pAccess, citizenID, out.Seq), out); err != nil {
			return err
		}
		return txn.Set(hk, u64(out.Seq))
	})
	if err != nil {
		return protocol.AccessEntry{}, fmt.Errorf("embedded: redeem: %w", err)
	}
	return out, nil
}

// AccessLog returns at most limit access entries after seq after, and
// whether there are more (their seqs are dense, so it is: the last one
// returned is below the access head).
func (s *Store) AccessLog(ctx context.Context, citizenID string, after int64, limit int) ([]protocol.AccessEntry, bool, error) {
	var out []protocol.AccessEntry
	more := false
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = nil
		if err := knownCitizen(txn, citizenID); err != nil {
			return err
		}
		h, err := head(txn, key(pAccHead, citizenID))
		if err != nil {
			return err
		}
		after = max(after, 0)
		last := after
		defer func() { more = last < h }()
		if limit <= 0 || after >= h {
			return nil
		}
		n := int(min(int64(limit), h-after))
		prefix := under(pAccess, citizenID)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: min(n, 100)})
		defer it.Close()
		for it.Seek(seqKey(pAccess, citizenID, after+1)); it.Valid() && len(out) < n; it.Next() {
			item := it.Item()
			var e protocol.AccessEntry
			if err := item.Value(func(b []byte) error { return decode(item.Key(), b, &e) }); err != nil {
				return err
			}
			out = append(out, e)
			last = int64(binary.BigEndian.Uint64(item.Key()[len(prefix):]))
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("embedded: access log: %w", err)
	}
	return out, more, nil
}
