package warehouse

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// feedEntry is one entry of a citizen's change feed: a record version.
type feedEntry struct {
	Seq    int64         `json:"seq"`
	Record wallet.Record `json:"record"`
}

// storedChange is a change made after generation (admin issue, correction
// or withdrawal), kept under kChange.
type storedChange struct {
	Record wallet.Record `json:"record"`
}

// feed returns a citizen's whole change feed: the Source's base records
// (seq 1..n) followed by the stored changes (seq n+1 ...).
func (s *Server) feed(txn *badger.Txn, citizenID string) (wallet.Profile, []feedEntry, error) {
	i, err := s.citizenIndex(txn, citizenID)
	if err != nil {
		return wallet.Profile{}, nil, err
	}
	p, base := s.cfg.Source.Citizen(i)
	out := make([]feedEntry, 0, len(base)+4)
	for k, r := range base {
		out = append(out, feedEntry{Seq: int64(k + 1), Record: r})
	}
	prefix := append(key(kChange, citizenID), 0)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		seq := int64(binary.BigEndian.Uint64(item.Key()[len(prefix):]))
		var c storedChange
		if err := item.Value(func(b []byte) error { return json.Unmarshal(b, &c) }); err != nil {
			return p, nil, fmt.Errorf("change %d of %s: %w", seq, citizenID, err)
		}
		out = append(out, feedEntry{Seq: seq, Record: c.Record})
	}
	return p, out, nil
}

// parseCursor reads the opaque cursor: the last seq the client stored, in
// decimal ("" is the start).
func parseCursor(c string, max int64) (int64, error) {
	if c == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(c, 10, 64)
	if err != nil || n < 0 || n > max || strconv.FormatInt(n, 10) != c {
		return 0, fmt.Errorf("cursor %q is not a position in this feed", c)
	}
	return n, nil
}

func parseLimit(l string) (int, error) {
	if l == "" {
		return protocol.DefaultPageSize, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > protocol.MaxPageSize {
		return 0, fmt.Errorf("limit must be 1 to %d", protocol.MaxPageSize)
	}
	return n, nil
}

// handleChanges serves one page of the device's citizen's change feed.
// Every record is issued as an SD-JWT bound to the device key; the
// credential is kept, so a page fetched again is byte-identical and the
// wallet's idempotent store doubles nothing.
func (s *Server) handleChanges(w http.ResponseWriter, r *http.Request, dev *device, _ []byte) {
	limit, err := parseLimit(r.URL.Query().Get("limit"))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadRequest, err.Error())
		return
	}
	var entries []feedEntry
	err = s.db.View(func(txn *badger.Txn) (err error) {
		_, entries, err = s.feed(txn, dev.CitizenID)
		return err
	})
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "read the feed")
		return
	}
	last := int64(0)
	if len(entries) > 0 {
		last = entries[len(entries)-1].Seq
	}
	from, err := parseCursor(r.URL.Query().Get("cursor"), last)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, protocol.ErrCodeBadCursor, err.Error())
		return
	}
	start := 0
	for start < len(entries) && entries[start].Seq <= from {
		start++
	}
	end := min(start+limit, len(entries))
	page := entries[start:end]
	holder, err := keys.ParsePublicJWK(dev.Key)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "device key")
		return
	}
	resp := protocol.ChangesResponse{Changes: make([]protocol.Change, 0, len(page)), NextCursor: strconv.FormatInt(from, 10)}
	recs := make([]wallet.Record, len(page))
	for i, e := range page {
		recs[i] = e.Record
	}
	creds, err := s.credentials(dev, holder, recs)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "issue records: "+err.Error())
		return
	}
	var pageBytes int64
	for i, e := range page {
		cred := creds[i]
		kind := protocol.ChangeRecord
		if e.Record.Status == wallet.StatusWithdrawn {
			kind = protocol.ChangeWithdrawal
		}
		ch := protocol.Change{Seq: e.Seq, Kind: kind, RecordID: e.Record.ID, Version: e.Record.Version}
		if c, ok := protocol.Compact(cred); ok {
			ch.Compact = &c
		} else {
			ch.Credential = cred
		}
		resp.Changes = append(resp.Changes, ch)
		resp.NextCursor = strconv.FormatInt(e.Seq, 10)
		pageBytes += int64(len(cred))
	}
	resp.Remaining = len(entries) - end
	resp.More = resp.Remaining > 0
	if len(page) > 0 {
		resp.RemainingBytes = pageBytes / int64(len(page)) * int64(resp.Remaining)
	} else if resp.Remaining > 0 {
		resp.RemainingBytes = int64(resp.Remaining) * 2500
	}
	writeJSON(w, r, http.StatusOK, resp)
}

func credKey(dev string, rec wallet.Record) []byte {
	return binary.BigEndian.AppendUint32(append(key(kCred, dev, rec.ID), 0), uint32(rec.Version))
}

// credentials returns the device's credential for each record version,
// issuing and keeping the missing ones in one transaction.
func (s *Server) credentials(dev *device, holder *keys.PublicKey, recs []wallet.Record) ([]string, error) {
	out := make([]string, len(recs))
	read := func(txn *badger.Txn, i int) (bool, error) {
		item, err := txn.Get(credKey(dev.ID, recs[i]))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return true, item.Value(func(b []byte) error { out[i] = string(b); return nil })
	}
	var missing []int
	err := s.db.View(func(txn *badger.Txn) error {
		for i := range recs {
			ok, err := read(txn, i)
			if err != nil {
				return err
			}
			if !ok {
				missing = append(missing, i)
			}
		}
		return nil
	})
	if err != nil || len(missing) == 0 {
		return out, err
	}
	issued := make(map[int]string, len(missing))
	for _, i := range missing {
		rec := recs[i]
		issuer, ok := s.agencies[rec.Issuer]
		if !ok {
			return nil, fmt.Errorf("record %s: issuer %s has no key", rec.ID, rec.Issuer)
		}
		cred, err := credential.Issue(rec, dev.CitizenID, issuer, holder)
		if err != nil {
			return nil, fmt.Errorf("record %s: %w", rec.ID, err)
		}
		issued[i] = cred
	}
	// A concurrent request may have stored some meanwhile: what is stored
	// wins, so the device sees exactly one credential per version.
	for attempt := 0; ; attempt++ {
		err = s.db.Update(func(txn *badger.Txn) error {
			for _, i := range missing {
				ok, err := read(txn, i)
				if err != nil {
					return err
				}
				if !ok {
					out[i] = issued[i]
					if err := txn.Set(credKey(dev.ID, recs[i]), []byte(issued[i])); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if !errors.Is(err, badger.ErrConflict) || attempt == 3 {
			return out, err
		}
	}
}

// IssueCredential signs a record as its agency would, for a citizen's
// device key, without putting it in any feed. It is the agencies' side of
// the reference server, for tests and tools that need a genuinely signed
// credential outside the feed (e.g. a record of one citizen bound to
// another's device, to prove the wallet refuses it).
func (s *Server) IssueCredential(r wallet.Record, citizenID string, holder *keys.PublicKey) (string, error) {
	issuer, ok := s.agencies[r.Issuer]
	if !ok {
		return "", fmt.Errorf("issue credential: %w: %q is not an agency of this province", wallet.ErrInvalid, r.Issuer)
	}
	return credential.Issue(r, citizenID, issuer, holder)
}
