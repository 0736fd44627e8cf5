package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

func decodeJSON(b []byte, v any) error { return json.Unmarshal(b, v) }

// UploadRevocations sends the citizen's consent revocations (at most
// protocol.MaxRevocationsPerRequest) and returns the warehouse's result
// for each. The warehouse keeps the first revocation of each consent, so
// sending one again is harmless. A citizen over their revocation limits
// gets a *ServerError with protocol.ErrCodeTooMany.
func (c *Client) UploadRevocations(ctx context.Context, st wallet.Store, revs []protocol.Revocation) ([]protocol.RevocationResult, error) {
	dev, err := DeviceKey(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("upload revocations: %w", err)
	}
	var resp protocol.RevocationsResponse
	if _, err := c.call(ctx, http.MethodPost, protocol.PathRevocations, nil, protocol.RevocationsRequest{Revocations: revs}, dev, &resp); err != nil {
		return nil, fmt.Errorf("upload revocations: %w", err)
	}
	if len(resp.Results) != len(revs) {
		return nil, fmt.Errorf("upload revocations: %w: %d results for %d revocations", ErrBadResponse, len(resp.Results), len(revs))
	}
	return resp.Results, nil
}

// AccessLog downloads the uses of the citizen's consents after cursor
// (the NextCursor of an earlier call; "" for all) and returns them with
// the new cursor.
func (c *Client) AccessLog(ctx context.Context, st wallet.Store, cursor string) ([]protocol.AccessEntry, string, error) {
	dev, err := DeviceKey(ctx, st)
	if err != nil {
		return nil, cursor, fmt.Errorf("access log: %w", err)
	}
	var out []protocol.AccessEntry
	pages := c.newPager() // sized by the link, like the change feed's
	for {
		var page protocol.AccessLogResponse
		a, err := c.callEach(ctx, http.MethodGet, protocol.PathAccessLog, func(prev error) url.Values {
			if prev != nil {
				pages.failed(prev)
			}
			return pageQuery(pages.size, cursor)
		}, nil, dev, &page)
		if err != nil {
			return out, cursor, fmt.Errorf("access log: %w", err)
		}
		pages.arrived(len(page.Entries), a.elapsed)
		out = append(out, page.Entries...)
		cursor = page.NextCursor
		if !page.More || len(page.Entries) == 0 {
			return out, cursor, nil
		}
	}
}

// Meta keys of consent sync.
const (
	MetaRevocationsSent = "sync/revocations-sent" // JSON list of consent ids the warehouse has
	MetaAccessCursor    = "sync/access-cursor"
)

// ConsentSyncResult sums up SyncConsents.
type ConsentSyncResult struct {
	RevocationsSent int // revocations the warehouse took this time (revoked, or expired already)
	// RevocationsRefused are revocations the warehouse refused for good
	// (a consent given before revocations carried their proof, or a
	// proof it cannot check): counters will not learn of them, and the
	// consent stays usable until it expires.
	RevocationsRefused []protocol.RevocationResult
	UsesRecorded       int // access-log entries new to the history
}

// SyncConsents uploads the consents revoked in h that the warehouse does
// not have yet, then downloads the access log from where the last call
// stopped and records each use in h (a use already recorded, or of a
// consent this profile does not hold, is skipped). Safe to repeat after
// any failure: uploads are idempotent on the warehouse, uses carry their
// access-log seq as Ref.
func (c *Client) SyncConsents(ctx context.Context, st wallet.Store, h *wallet.ConsentHistory, now time.Time) (ConsentSyncResult, error) {
	var res ConsentSyncResult
	revs, sent, err := unsentRevocations(ctx, st, h, now)
	if err != nil {
		return res, err
	}
	for len(revs) > 0 {
		batch := revs[:min(len(revs), protocol.MaxRevocationsPerRequest)]
		revs = revs[len(batch):]
		results, err := c.UploadRevocations(ctx, st, batch)
		if err != nil {
			return res, err
		}
		for i, r := range results {
			// Every answer is final: a refusal does not change when sent again.
			sent = append(sent, batch[i].ConsentID)
			if r.Status == protocol.RevocationRefused {
				res.RevocationsRefused = append(res.RevocationsRefused, r)
			} else {
				res.RevocationsSent++
			}
		}
		b, _ := json.Marshal(sent)
		if err := st.Apply(ctx, wallet.Batch{Meta: map[string][]byte{MetaRevocationsSent: b}}); err != nil {
			return res, err
		}
	}
	cursor := ""
	if b, err := st.Meta(ctx, MetaAccessCursor); err == nil {
		cursor = string(b)
	}
	entries, next, err := c.AccessLog(ctx, st, cursor)
	for _, e := range entries {
		u := wallet.ConsentUse{At: e.UsedAt, Counter: wallet.Recipient{Agency: e.Counter.Agency, Unit: e.Counter.Unit, CounterID: e.Counter.CounterID, Name: e.Counter.Name},
			Fields: e.Fields, Ref: "warehouse:" + strconv.FormatInt(e.Seq, 10)}
		recorded, rerr := h.RecordUse(ctx, e.ConsentID, u)
		if rerr != nil && !errors.Is(rerr, wallet.ErrNotFound) {
			return res, rerr
		}
		if recorded {
			res.UsesRecorded++
		}
	}
	if next != cursor {
		if aerr := st.Apply(ctx, wallet.Batch{Meta: map[string][]byte{MetaAccessCursor: []byte(next)}}); aerr != nil {
			return res, aerr
		}
	}
	return res, err
}

// unsentRevocations lists the citizen's revocations the warehouse has not
// answered yet, and the ids it has.
func unsentRevocations(ctx context.Context, st wallet.Store, h *wallet.ConsentHistory, now time.Time) ([]protocol.Revocation, []string, error) {
	all, err := h.List(ctx, now)
	if err != nil {
		return nil, nil, err
	}
	var sent []string
	if b, err := st.Meta(ctx, MetaRevocationsSent); err == nil {
		if err := json.Unmarshal(b, &sent); err != nil {
			return nil, nil, fmt.Errorf("sync consents: %w: stored revocations: %v", wallet.ErrIntegrity, err)
		}
	} else if !errors.Is(err, wallet.ErrNotFound) {
		return nil, nil, err
	}
	var revs []protocol.Revocation
	for _, s := range all {
		if s.State == wallet.ConsentRevoked && !slices.Contains(sent, s.Consent.ID) {
			revs = append(revs, protocol.Revocation{ConsentID: s.Consent.ID, RevokedAt: s.RevokedAt, Proof: s.Consent.Proof})
		}
	}
	return revs, sent, nil
}

// PendingRevocations counts the citizen's revocations the warehouse has
// not answered yet: SyncConsents sends them.
func PendingRevocations(ctx context.Context, st wallet.Store, h *wallet.ConsentHistory, now time.Time) (int, error) {
	revs, _, err := unsentRevocations(ctx, st, h, now)
	return len(revs), err
}
