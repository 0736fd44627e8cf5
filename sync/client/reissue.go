package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Credential renewal.
//
// Every credential has a technical expiry (its exp, 30 days by default;
// see sync/credential, "Expiry"). A record whose credential has expired
// is still the citizen's: the wallet keeps and shows it, marked as
// needing a sync before it can be presented (credential.Facts.
// Presentable). At sync the wallet asks the warehouse to re-issue the
// credentials of the record versions it holds that are due: within
// RenewBefore of their exp (or past it), without exp (made before exp
// existed), or signed by a key the current trust list marks compromised.
// Each fresh credential is verified like a feed entry and must carry
// exactly the record the wallet holds; then it replaces the old
// credential of that version (the store allows exactly that change). A
// credential that fails is reported and the old one is kept, so an
// interrupted renewal loses nothing and the next sync asks again.

// RenewBefore is how long before its exp a held credential is renewed.
const RenewBefore = credential.DefaultRenewBefore

// RenewResult sums up a renewal.
type RenewResult struct {
	Due        int        // held credentials found due
	Renewed    int        // replaced by fresh, verified ones
	Superseded int        // versions the warehouse has a newer one of: the feed brings it
	Rejected   []Rejected // answers that failed verification: the old credential is kept
}

// RenewCredentials asks the warehouse to re-issue the held credentials
// that are due (see above) and stores the fresh ones. Sync calls it
// after the feed; it is exported for a wallet that wants to renew
// without pulling the feed. It verifies against the cached trust list,
// refreshed when stale.
func (c *Client) RenewCredentials(ctx context.Context, st wallet.Store) (RenewResult, error) {
	p, err := st.Profile(ctx)
	if err != nil {
		return RenewResult{}, fmt.Errorf("renew credentials: %w", err)
	}
	dev, err := DeviceKey(ctx, st)
	if err != nil {
		return RenewResult{}, fmt.Errorf("renew credentials: %w", err)
	}
	list, err := c.cachedTrustList(ctx, st)
	if err == nil && (list == nil || list.Stale(c.cfg.Now())) {
		list, _, err = c.TrustList(ctx, st)
	}
	if err != nil {
		return RenewResult{}, fmt.Errorf("renew credentials: %w", err)
	}
	return c.renew(ctx, st, p.CitizenID, dev, list)
}

// DueCredentials returns the held records (latest versions) whose
// credential is due for a re-issue at now under list.
func DueCredentials(ctx context.Context, st wallet.Store, list *trust.List, now time.Time) ([]wallet.Record, error) {
	recs, err := st.Records(ctx, wallet.Query{})
	if err != nil {
		return nil, err
	}
	var due []wallet.Record
	for _, r := range recs {
		if r.Credential == "" {
			continue // an unsigned demo record: nothing to renew
		}
		f, err := credential.ReadFacts(r.Credential)
		if err != nil || f.Due(now, RenewBefore, list) {
			due = append(due, r)
		}
	}
	return due, nil
}

func (c *Client) renew(ctx context.Context, st wallet.Store, citizenID string, dev *keys.PrivateKey, list *trust.List) (RenewResult, error) {
	var res RenewResult
	due, err := DueCredentials(ctx, st, list, c.cfg.Now())
	if err != nil {
		return res, fmt.Errorf("renew credentials: %w", err)
	}
	res.Due = len(due)
	for len(due) > 0 {
		batch := due[:min(len(due), protocol.MaxReissuePerRequest)]
		due = due[len(batch):]
		req := protocol.ReissueRequest{Records: make([]protocol.ReissueRef, len(batch))}
		for i, r := range batch {
			req.Records[i] = protocol.ReissueRef{RecordID: r.ID, Version: r.Version}
		}
		var resp protocol.ReissueResponse
		if _, err := c.call(ctx, http.MethodPost, protocol.PathReissue, nil, req, dev, &resp); err != nil {
			return res, fmt.Errorf("renew credentials: %w", err)
		}
		if len(resp.Results) != len(batch) {
			return res, fmt.Errorf("renew credentials: %w: %d results for %d records", ErrBadResponse, len(resp.Results), len(batch))
		}
		now := c.cfg.Now()
		var fresh []wallet.Record
		for i, out := range resp.Results {
			held := batch[i]
			reject := func(err error) {
				res.Rejected = append(res.Rejected, Rejected{RecordID: held.ID, Version: held.Version, Err: err})
			}
			if out.RecordID != held.ID || out.Version != held.Version {
				reject(fmt.Errorf("%w: answer %d names %s v%d, asked for %s v%d", ErrBadResponse, i, out.RecordID, out.Version, held.ID, held.Version))
				continue
			}
			switch out.Status {
			case protocol.ReissueIssued:
			case protocol.ReissueSuperseded, protocol.ReissueNotFound:
				res.Superseded++
				continue
			default:
				reject(fmt.Errorf("%w: status %q", ErrBadResponse, out.Status))
				continue
			}
			cred, err := out.SDJWT()
			if err != nil {
				reject(err)
				continue
			}
			if cred == held.Credential {
				continue // the warehouse's is the one held: not due by its clock yet
			}
			got, err := credential.Verify(cred, credential.VerifyOptions{Trust: list, Holder: dev.Public(), CitizenID: citizenID, Now: now})
			if err == nil && !sameContent(got, held) {
				err = fmt.Errorf("%w: the re-issued credential of %s v%d carries another record", ErrBadResponse, held.ID, held.Version)
			}
			if err != nil {
				reject(err)
				continue
			}
			got.ReceivedAt = held.ReceivedAt
			fresh = append(fresh, got)
		}
		if len(fresh) == 0 {
			continue
		}
		if err := st.Apply(ctx, wallet.Batch{Records: fresh}); err != nil {
			return res, fmt.Errorf("renew credentials: store: %w", err)
		}
		res.Renewed += len(fresh)
	}
	return res, nil
}

// sameContent reports whether two versions of a record are equal in
// everything but their credential and when they were received (JSON
// equality, as the store compares).
func sameContent(a, b wallet.Record) bool {
	a.Credential, b.Credential = "", ""
	a.ReceivedAt, b.ReceivedAt = time.Time{}, time.Time{}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
