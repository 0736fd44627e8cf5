package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Latest returns a citizen's profile and the latest version of each of
// their records, in feed order of first appearance.
func (s *Server) Latest(citizenID string) (wallet.Profile, []wallet.Record, error) {
	ctx := context.Background()
	p, _, err := s.st.Citizen(ctx, citizenID)
	if err != nil {
		return p, nil, err
	}
	recs, err := s.st.Latest(ctx, citizenID)
	return p, recs, err
}

// Issue stores a record version as its agency (r.Issuer) would through
// the ingestion path: a new record, or a correction of an existing one
// (a new version that supersedes it). Zero fields are filled: Domain from
// the type, IssuedAt = now, Status active, Version = the next one. The
// error of a refused record matches wallet.ErrInvalid,
// wallet.ErrStaleVersion, ErrUnknownCitizen or ErrConflict.
func (s *Server) Issue(citizenID string, r wallet.Record) (wallet.Record, error) {
	return s.issueAs(context.Background(), "system", citizenID, r)
}

// issueAs is Issue by actor (audited as "admin-issue").
func (s *Server) issueAs(ctx context.Context, actor, citizenID string, r wallet.Record) (wallet.Record, error) {
	op := protocol.OpIssue
	_, recs, err := s.Latest(citizenID)
	if err != nil {
		return r, fmt.Errorf("issue record: %w", err)
	}
	for _, cur := range recs {
		if cur.ID == r.ID {
			op = protocol.OpCorrect
		}
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return r, fmt.Errorf("issue record: %w", err)
	}
	return s.one(ctx, actor, "admin-issue", r.Issuer, protocol.Operation{Op: op, CitizenID: citizenID, Record: raw})
}

// Withdraw appends a withdrawal of a record: a new version with status
// withdrawn that keeps the last claims (so the citizen still sees what
// was withdrawn), signed by the record's issuer.
func (s *Server) Withdraw(citizenID, recordID string) (wallet.Record, error) {
	return s.withdrawAs(context.Background(), "system", citizenID, recordID)
}

// withdrawAs is Withdraw by actor (audited as "admin-withdraw").
func (s *Server) withdrawAs(ctx context.Context, actor, citizenID, recordID string) (wallet.Record, error) {
	_, recs, err := s.Latest(citizenID)
	if err != nil {
		return wallet.Record{}, fmt.Errorf("withdraw record: %w", err)
	}
	for _, r := range recs {
		if r.ID == recordID {
			return s.one(ctx, actor, "admin-withdraw", r.Issuer, protocol.Operation{Op: protocol.OpWithdraw, CitizenID: citizenID, RecordID: recordID})
		}
	}
	return wallet.Record{}, fmt.Errorf("withdraw record: %w: %s has no record %s", wallet.ErrNotFound, citizenID, recordID)
}

// one ingests a single operation of agency's, by actor.
func (s *Server) one(ctx context.Context, actor, action, agency string, op protocol.Operation) (wallet.Record, error) {
	res, _, err := s.ingest(ctx, actor, action, agency, protocol.IngestRequest{Operations: []protocol.Operation{op}})
	if errors.Is(err, ErrBatch) {
		return wallet.Record{}, fmt.Errorf("%s record: %w: %w", op.Op, wallet.ErrInvalid, err)
	}
	if err != nil {
		return wallet.Record{}, fmt.Errorf("%s record: %w", op.Op, err)
	}
	if res[0].Err != nil {
		return wallet.Record{}, fmt.Errorf("%s record: %w", op.Op, res[0].Err)
	}
	return res[0].Entry.Record, nil
}

// DeviceInfo is an enrolled device as the admin API lists it.
type DeviceInfo struct {
	ID         string    `json:"id"`
	Label      string    `json:"label,omitempty"`
	EnrolledAt time.Time `json:"enrolled_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

func deviceInfo(d Device) DeviceInfo {
	return DeviceInfo{ID: d.ID, Label: d.Label, EnrolledAt: d.EnrolledAt, RevokedAt: d.RevokedAt}
}

// Devices lists a citizen's enrolled devices, oldest first.
func (s *Server) Devices(citizenID string) ([]DeviceInfo, error) {
	ds, err := s.st.Devices(context.Background(), citizenID)
	if err != nil {
		return nil, err
	}
	out := make([]DeviceInfo, len(ds))
	for i, d := range ds {
		out[i] = deviceInfo(d)
	}
	return out, nil
}

// RevokeDevice disables one of the citizen's devices (a lost or stolen
// phone): its signed requests and its online tokens are refused from now
// on. The citizen enrols a new device with a new code. Revoking twice
// keeps the first time.
func (s *Server) RevokeDevice(citizenID, deviceID string) (DeviceInfo, error) {
	return s.revokeDeviceAs(context.Background(), "system", citizenID, deviceID)
}

// revokeDeviceAs is RevokeDevice by actor, audited ("device-revoke"; the
// call is idempotent, so one that failed to audit is safe to retry).
func (s *Server) revokeDeviceAs(ctx context.Context, actor, citizenID, deviceID string) (DeviceInfo, error) {
	d, err := s.st.RevokeDevice(ctx, citizenID, deviceID, s.cfg.Now().UTC().Truncate(time.Second))
	if err != nil {
		return DeviceInfo{}, fmt.Errorf("revoke device %q of citizen %s: %w", deviceID, citizenID, err)
	}
	if err := s.audit(ctx, actor, "device-revoke", citizenID, map[string]any{"device": d.ID, "revoked_at": d.RevokedAt}); err != nil {
		return DeviceInfo{}, err
	}
	return deviceInfo(d), nil
}

// audit appends an entry to the audit log; details hold ids and times,
// never claim values, codes or labels.
func (s *Server) audit(ctx context.Context, actor, action, subject string, details map[string]any) error {
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	if _, err := s.st.AppendAudit(ctx, AuditEntry{At: s.cfg.Now(), Actor: actor, Action: action, Subject: subject, Details: b}); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Citizens lists the province's citizens by number, after the number
// after ("" for the first), at most limit.
func (s *Server) Citizens(after string, limit int) ([]wallet.Profile, error) {
	return s.st.Citizens(context.Background(), after, limit)
}
