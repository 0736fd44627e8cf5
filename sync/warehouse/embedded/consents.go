package embedded

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
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
	if err := checkCredentialIDs("put credentials", deviceID, refs); err != nil {
		return nil, err
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

// lockRevocations queues this process's writers of revocations, which
// all read and write the one revocation head (like lockAudit, an
// optimisation: badger's conflict check on the head serialises them
// without it).
func (s *Store) lockRevocations() func() {
	if !s.useLocks {
		return func() {}
	}
	s.revMu.Lock()
	return s.revMu.Unlock
}

// PutRevocations stores the revocations whose ID is not stored yet, each
// with the next revocation seq, in one transaction that reads and bumps
// the revocation head (revh): every two such transactions conflict in
// badger, so seqs are dense and given out in commit order, and the
// citizen's counts below cannot change under it. Every new revocation
// counts against both limits; the stored ones counted are the citizen's
// that have not expired at now (a seek in revc from now on), and, for
// lim.PerHour, those of them with Received after now less an hour.
func (s *Store) PutRevocations(ctx context.Context, citizenID string, rs []warehouse.Revocation, lim warehouse.RevocationLimits, now time.Time) (int, error) {
	for _, r := range rs {
		if r.ID == "" || hasNUL(citizenID, r.ID, r.Audience, r.ConsentID, r.Device) {
			return 0, fmt.Errorf("embedded: put revocations: %w: empty revocation id or NUL in an id", errInvalid)
		}
	}
	if len(rs) == 0 {
		return 0, nil
	}
	defer s.lockRevocations()()
	n := 0
	err := s.update(ctx, func(txn *badger.Txn) error {
		n = 0
		var fresh []warehouse.Revocation
		seen := make(map[string]bool, len(rs))
		for _, r := range rs {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			if ok, err := exists(txn, key(pRevoked, r.ID)); err != nil {
				return err
			} else if !ok {
				fresh = append(fresh, r)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		h, err := head(txn, []byte(pRevHead))
		if err != nil {
			return err
		}
		live, recent, err := countRevocations(txn, citizenID, now)
		if err != nil {
			return err
		}
		if live+len(fresh) > lim.Live || recent+len(fresh) > lim.PerHour {
			return fmt.Errorf("%w: the citizen has %d unexpired revocations, %d of them received in the last hour; %d more would pass %d or %d",
				warehouse.ErrTooMany, live, recent, len(fresh), lim.Live, lim.PerHour)
		}
		for _, r := range fresh {
			h++
			r.Seq = h
			r.CitizenID = citizenID
			b, err := jsonBytes(r)
			if err != nil {
				return err
			}
			if err := txn.Set(key(pRevoked, r.ID), b); err != nil {
				return err
			}
			if r.Listed {
				if err := txn.Set(revAudKey(r.Audience, r.Seq), b); err != nil {
					return err
				}
			}
			if err := txn.Set(revCitKey(citizenID, r.Expires, r.ID), timeKey(nil, r.Received)); err != nil {
				return err
			}
			if err := txn.Set(revExpKey(r.Expires, r.ID), nil); err != nil {
				return err
			}
		}
		n = len(fresh)
		return txn.Set([]byte(pRevHead), u64(h))
	})
	if err != nil {
		return 0, fmt.Errorf("embedded: put revocations: %w", s.tooBig(fmt.Sprintf("%d revocations", len(rs)), err))
	}
	return n, nil
}

// countRevocations counts a citizen's revocations that have not expired
// at now (expires > now: a seek in revc NUL citizen NUL to now plus one
// nanosecond), and how many of them were received after now less an
// hour.
func countRevocations(txn *badger.Txn, citizenID string, now time.Time) (live, recent int, err error) {
	prefix := under(pRevCit, citizenID)
	from := nanos(now)
	if from < math.MaxInt64 {
		from++
	}
	hourAgo := nanos(now.Add(-time.Hour))
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	for it.Seek(ordered(slices.Clip(prefix), from)); it.Valid(); it.Next() {
		item := it.Item()
		live++
		err := item.Value(func(v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("damaged revocation index value under %q", item.Key())
			}
			if unordered(v) > hourAgo {
				recent++
			}
			return nil
		})
		if err != nil {
			return 0, 0, err
		}
	}
	return live, recent, nil
}

// Revocation returns the revocation stored under id.
func (s *Store) Revocation(ctx context.Context, id string) (warehouse.Revocation, error) {
	var r warehouse.Revocation
	err := s.view(ctx, func(txn *badger.Txn) error {
		if hasNUL(id) {
			return warehouse.ErrNotFound
		}
		err := getJSON(txn, key(pRevoked, id), &r)
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

// RevokedSince returns an audience's listed revocations with seq > after
// that have not expired at now, and the revocation head: a seek to reva
// NUL audience NUL (after+1), reading keys until limit are found (expired
// ones that PurgeExpired has not dropped yet are read and skipped).
func (s *Store) RevokedSince(ctx context.Context, audience string, after int64, now time.Time, limit int) ([]warehouse.Revocation, int64, error) {
	var out []warehouse.Revocation
	var h int64
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = nil
		var err error
		if h, err = head(txn, []byte(pRevHead)); err != nil {
			return err
		}
		after = max(after, 0)
		if limit <= 0 || after >= h || hasNUL(audience) {
			return nil
		}
		prefix := under(pRevAud, audience)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: min(limit, 100)})
		defer it.Close()
		for it.Seek(revAudKey(audience, after+1)); it.Valid() && len(out) < limit; it.Next() {
			item := it.Item()
			var r warehouse.Revocation
			if err := item.Value(func(b []byte) error { return decode(item.Key(), b, &r) }); err != nil {
				return err
			}
			if r.Expires.After(now) {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("embedded: revoked since: %w", err)
	}
	return out, h, nil
}

// purgeRevocations deletes the revocations that expired before now with
// their index keys (the revx index); the head stays.
func (s *Store) purgeRevocations(ctx context.Context, now time.Time) (int, error) {
	n, err := s.purgeIndex(ctx, pRevExp, now, s.lockRevocations, func(txn *badger.Txn, t int64, target []byte) (bool, error) {
		var r warehouse.Revocation
		switch err := getJSON(txn, key(pRevoked, string(target)), &r); {
		case errors.Is(err, errNotFound):
			return false, nil
		case err != nil:
			return false, err
		case nanos(r.Expires) != t:
			return false, nil
		}
		return true, deleteRevocation(txn, r)
	})
	if err != nil {
		return n, fmt.Errorf("embedded: purge expired revocations: %w", err)
	}
	return n, nil
}

// deleteRevocation deletes a stored revocation and its reva and revc
// keys (its revx key is the caller's).
func deleteRevocation(txn *badger.Txn, r warehouse.Revocation) error {
	if err := txn.Delete(key(pRevoked, r.ID)); err != nil {
		return err
	}
	if r.Listed {
		if err := txn.Delete(revAudKey(r.Audience, r.Seq)); err != nil {
			return err
		}
	}
	return txn.Delete(revCitKey(r.CitizenID, r.Expires, r.ID))
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

// checkCredentialIDs refuses a device id or record id holding a NUL (the
// store's keys are NUL-separated), for the operation op.
func checkCredentialIDs(op, deviceID string, refs []warehouse.RecordRef) error {
	if hasNUL(deviceID) {
		return fmt.Errorf("embedded: %s: %w: NUL in the device id", op, errInvalid)
	}
	for _, r := range refs {
		if hasNUL(r.RecordID) {
			return fmt.Errorf("embedded: %s: %w: NUL in a record id", op, errInvalid)
		}
	}
	return nil
}
