package warehouse

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/wallet"
)

// ErrUnknownCitizen: the citizen number is not in the province's data.
var ErrUnknownCitizen = errors.New("unknown citizen")

// Latest returns a citizen's profile and the latest version of each of
// their records, in feed order of first appearance.
func (s *Server) Latest(citizenID string) (wallet.Profile, []wallet.Record, error) {
	var p wallet.Profile
	var entries []feedEntry
	err := s.db.View(func(txn *badger.Txn) (err error) {
		p, entries, err = s.feed(txn, citizenID)
		return err
	})
	if errors.Is(err, errNotFound) {
		return p, nil, fmt.Errorf("%w: %s", ErrUnknownCitizen, citizenID)
	}
	if err != nil {
		return p, nil, err
	}
	return p, latest(entries), nil
}

func latest(entries []feedEntry) []wallet.Record {
	pos := map[string]int{}
	var out []wallet.Record
	for _, e := range entries {
		if i, ok := pos[e.Record.ID]; ok {
			if e.Record.Version > out[i].Version {
				out[i] = e.Record
			}
			continue
		}
		pos[e.Record.ID] = len(out)
		out = append(out, e.Record)
	}
	return out
}

// Issue appends a record version to a citizen's feed, as its agency would
// through the LGSP: a new record, or a correction (a new version of an
// existing record that supersedes it). Zero fields are filled: Domain from
// the type, IssuedAt = now, Status active, Version = the next one (1 for a
// new record). The record must pass wallet.Record.Validate, name an agency
// of the province as Issuer, and keep the type of earlier versions.
func (s *Server) Issue(citizenID string, r wallet.Record) (wallet.Record, error) {
	if t, ok := wallet.LookupType(r.Type); ok && r.Domain == "" {
		r.Domain = t.Domain
	}
	if r.IssuedAt.IsZero() {
		r.IssuedAt = s.cfg.Now().UTC().Truncate(1e9)
	}
	if r.Status == "" {
		r.Status = wallet.StatusActive
	}
	r.Claims = maps.Clone(r.Claims)
	if _, ok := s.agencies[r.Issuer]; !ok {
		return r, fmt.Errorf("issue record: %w: %q is not an agency of this province", wallet.ErrInvalid, r.Issuer)
	}
	err := s.db.Update(func(txn *badger.Txn) error {
		_, entries, err := s.feed(txn, citizenID)
		if errors.Is(err, errNotFound) {
			return fmt.Errorf("%w: %s", ErrUnknownCitizen, citizenID)
		}
		if err != nil {
			return err
		}
		var prev *wallet.Record
		for _, cur := range latest(entries) {
			if cur.ID == r.ID {
				prev = &cur
				break
			}
		}
		switch {
		case prev == nil && r.Version == 0:
			r.Version = 1
		case prev != nil && r.Version == 0:
			r.Version = prev.Version + 1
		case prev != nil && r.Version <= prev.Version:
			return fmt.Errorf("%w: record %s is at version %d", wallet.ErrStaleVersion, r.ID, prev.Version)
		}
		if prev != nil && prev.Type != r.Type {
			return fmt.Errorf("%w: record %s has type %s, not %s", wallet.ErrInvalid, r.ID, prev.Type, r.Type)
		}
		if prev != nil && prev.Status == wallet.StatusWithdrawn {
			return fmt.Errorf("%w: record %s was withdrawn", wallet.ErrInvalid, r.ID)
		}
		if err := r.Validate(); err != nil {
			return err
		}
		seq := int64(1)
		if len(entries) > 0 {
			seq = entries[len(entries)-1].Seq + 1
		}
		return setJSON(txn, seqKey(kChange, citizenID, seq), storedChange{Record: r})
	})
	if err != nil {
		return r, fmt.Errorf("issue record: %w", err)
	}
	return r, nil
}

// Withdraw appends a withdrawal of a record: a new version with status
// withdrawn that keeps the last claims (so the citizen still sees what
// was withdrawn), signed by the record's issuer.
func (s *Server) Withdraw(citizenID, recordID string) (wallet.Record, error) {
	_, recs, err := s.Latest(citizenID)
	if err != nil {
		return wallet.Record{}, fmt.Errorf("withdraw record: %w", err)
	}
	for _, r := range recs {
		if r.ID != recordID {
			continue
		}
		if r.Status == wallet.StatusWithdrawn {
			return r, fmt.Errorf("withdraw record: %w: %s is already withdrawn", wallet.ErrInvalid, recordID)
		}
		r.Version++
		r.Status = wallet.StatusWithdrawn
		r.IssuedAt = s.cfg.Now().UTC().Truncate(1e9)
		r.Credential = ""
		return s.Issue(citizenID, r)
	}
	return wallet.Record{}, fmt.Errorf("withdraw record: %w: %s has no record %s", wallet.ErrNotFound, citizenID, recordID)
}

// DeviceInfo is an enrolled device as the admin API lists it.
type DeviceInfo struct {
	ID         string    `json:"id"`
	Label      string    `json:"label,omitempty"`
	EnrolledAt time.Time `json:"enrolled_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// Devices lists a citizen's enrolled devices, oldest first.
func (s *Server) Devices(citizenID string) ([]DeviceInfo, error) {
	var out []DeviceInfo
	err := s.db.View(func(txn *badger.Txn) error {
		if _, err := s.citizenIndex(txn, citizenID); errors.Is(err, errNotFound) {
			return fmt.Errorf("%w: %s", ErrUnknownCitizen, citizenID)
		} else if err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(kDevice)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var d device
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &d) }); err != nil {
				return err
			}
			if d.CitizenID == citizenID {
				out = append(out, DeviceInfo{ID: d.ID, Label: d.Label, EnrolledAt: d.EnrolledAt, RevokedAt: d.RevokedAt})
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b DeviceInfo) int { return a.EnrolledAt.Compare(b.EnrolledAt) })
	return out, err
}

// RevokeDevice disables one of the citizen's devices (a lost or stolen
// phone): its signed requests and its online tokens are refused from now
// on. The citizen enrols a new device with a new code. Revoking twice
// keeps the first time.
func (s *Server) RevokeDevice(citizenID, deviceID string) (DeviceInfo, error) {
	var d device
	err := s.db.Update(func(txn *badger.Txn) error {
		if err := getJSON(txn, key(kDevice, deviceID), &d); err != nil || d.CitizenID != citizenID {
			return fmt.Errorf("device %q of citizen %s: %w", deviceID, citizenID, errNotFound)
		}
		if d.RevokedAt.IsZero() {
			d.RevokedAt = s.cfg.Now().UTC().Truncate(time.Second)
		}
		return setJSON(txn, key(kDevice, deviceID), d)
	})
	return DeviceInfo{ID: d.ID, Label: d.Label, EnrolledAt: d.EnrolledAt, RevokedAt: d.RevokedAt}, err
}
